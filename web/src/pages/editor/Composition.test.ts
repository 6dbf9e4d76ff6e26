import { describe, expect, it } from "vitest";
import { mediaTrimBefore, pixelExactSize } from "./Composition";

/** The media time Remotion seeks to at clip offset k, as the browser keeps it (whole µs, down). */
function seekTime(k: number, trimBefore: number, canvasFps: number): number {
  return Math.floor(((k + trimBefore) / canvasFps) * 1e6) / 1e6;
}

/** The source frame a browser shows at time t (the last frame whose timestamp is <= t). */
function frameAt(t: number, assetFps: number): number {
  return Math.floor(t * assetFps + 1e-9);
}

describe("mediaTrimBefore", () => {
  const cases: [string, { num: number; den: number }, { num: number; den: number }][] = [
    ["30 into 30", { num: 30, den: 1 }, { num: 30, den: 1 }],
    ["25 into 30", { num: 25, den: 1 }, { num: 30, den: 1 }],
    ["NTSC into 30", { num: 30000, den: 1001 }, { num: 30, den: 1 }],
    ["60 into 30", { num: 60, den: 1 }, { num: 30, den: 1 }],
  ];
  for (const [name, asset, canvas] of cases) {
    it(`shows the server's source frame at every offset (${name})`, () => {
      const a = asset.num / asset.den;
      const r = canvas.num / canvas.den;
      for (const sourceIn of [0, 7, 45]) {
        const trim = mediaTrimBefore(sourceIn, asset, canvas);
        for (let k = 0; k < 300; k++) {
          // render.py: timeline frame k of a clip shows source_in + floor(k * a / r)
          const want = sourceIn + Math.floor((k * asset.num * canvas.den) / (asset.den * canvas.num));
          expect(frameAt(seekTime(k, trim, r), a)).toBe(want);
        }
      }
    });
  }

  it("aims half a frame in at equal rates", () => {
    expect(mediaTrimBefore(10, { num: 30, den: 1 }, { num: 30, den: 1 })).toBe(10.5);
  });
});

describe("pixelExactSize", () => {
  /** Remotion's margins for a composition shown at `shown` px wide. */
  const margins = (w: number, h: number, shown: number) => {
    const s = shown / w;
    return [(w - w * s) / 2, (h - h * s) / 2];
  };

  it("picks the largest 1080p preview whose margins are whole pixels", () => {
    const size = pixelExactSize(518, 257, 1920, 1080);
    expect(size).toEqual({ width: 448, height: 252 });
    for (const m of margins(1920, 1080, 448)) expect(Number.isInteger(m)).toBe(true);
  });

  it("works for portrait and square canvases", () => {
    for (const [w, h] of [[1080, 1920], [1080, 1080], [1280, 720], [3840, 2160]]) {
      const size = pixelExactSize(700, 500, w, h);
      expect(size).not.toBeNull();
      expect(size!.width / size!.height).toBeCloseTo(w / h, 9);
      expect(size!.width).toBeLessThanOrEqual(700);
      expect(size!.height).toBeLessThanOrEqual(500);
      for (const m of margins(w, h, size!.width)) expect(Number.isInteger(m)).toBe(true);
    }
  });

  it("gives up when no exact size comes close to filling the space", () => {
    expect(pixelExactSize(400, 300, 1001, 563)).toBeNull(); // gcd 1: only 1001x563 itself
    expect(pixelExactSize(0, 0, 1920, 1080)).toBeNull();
  });
});
