import { describe, expect, it } from "vitest";
import { contrastRatio, formatRatio, luminance, normalizeHex, passesAA } from "./contrast";

describe("WCAG contrast", () => {
  it("normalizes hex colours", () => {
    expect(normalizeHex("#ABC")).toBe("#aabbcc");
    expect(normalizeHex("7c3aed")).toBe("#7c3aed");
    expect(normalizeHex(" #7C3AED ")).toBe("#7c3aed");
    expect(normalizeHex("#7c3ae")).toBeNull();
    expect(normalizeHex("red")).toBeNull();
  });

  it("computes luminance and ratios like WCAG 2.x (and the server)", () => {
    expect(luminance("#000000")).toBe(0);
    expect(luminance("#ffffff")).toBeCloseTo(1, 10);
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 10);
    expect(contrastRatio("#ffffff", "#000000")).toBeCloseTo(21, 10); // order does not matter
    expect(contrastRatio("#7c3aed", "#7c3aed")).toBe(1);
    // Well-known values: #767676 is the lightest grey that passes AA on white, #777777 fails.
    expect(contrastRatio("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
    expect(contrastRatio("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
    // The default brand: light text on the dark background.
    expect(contrastRatio("#f4f4f5", "#0b0b10")!).toBeGreaterThan(17);
    expect(contrastRatio("#f4f4f5", "nope")).toBeNull();
  });

  it("applies the 4.5:1 threshold and never rounds a failure up", () => {
    expect(passesAA(contrastRatio("#767676", "#ffffff"))).toBe(true);
    expect(passesAA(contrastRatio("#777777", "#ffffff"))).toBe(false);
    expect(passesAA(null)).toBe(false);
    expect(formatRatio(4.4999)).toBe("4.49:1");
    expect(formatRatio(21)).toBe("21.00:1");
  });
});
