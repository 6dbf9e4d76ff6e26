import { describe, expect, it } from "vitest";
import { captionCss, highlightedWord, lineAt, selectionCuts, type CaptionTrack, type TimelineWord } from "./captions";

const word = (text: string, start: number, end: number): TimelineWord => ({ text, start, end, probability: 1, asset_id: "a", clip_id: "c", index: 0 });

describe("captions", () => {
  const track: CaptionTrack = {
    karaoke: true,
    lines: [
      { id: "c1", text: "one two", start: 10, length: 20, words: [{ text: "one", start: 10, end: 15 }, { text: "two", start: 18, end: 25 }] },
      { id: "c2", text: "three", start: 30, length: 5 },
    ],
  };

  it("shows a line on frames [start, start + length) only", () => {
    expect(lineAt(track, 9)).toBeNull();
    expect(lineAt(track, 10)?.id).toBe("c1");
    expect(lineAt(track, 29)?.id).toBe("c1");
    expect(lineAt(track, 30)?.id).toBe("c2");
    expect(lineAt(track, 35)).toBeNull();
    expect(lineAt({ ...track, hidden: true }, 12)).toBeNull();
  });

  it("highlights the last word that has started, as the exported events do", () => {
    const line = track.lines[0];
    expect(highlightedWord(line, 10)).toBe(0);
    expect(highlightedWord(line, 17)).toBe(0);
    expect(highlightedWord(line, 18)).toBe(1);
  });

  it("cuts runs of selected words from the first start to the last end", () => {
    const words = [word("a", 0, 5), word("b", 7, 10), word("c", 12, 20), word("d", 22, 30)];
    expect(selectionCuts(words, new Set([0, 1, 3]))).toEqual([{ start: 0, end: 10 }, { start: 22, end: 30 }]);
  });

  it("sizes captions from the canvas height like the ASS", () => {
    const { text, box } = captionCss("boxed", 1920, 1080);
    expect(text.fontSize).toBe(65); // round(0.06 * 1080)
    expect(box.bottom).toBe(65);
  });
});
