/**
 * WCAG 2.x contrast, the same formula the server uses to refuse unreadable brands
 * (src/flowai/enterprise/contrast.py), so the editor can warn before Save.
 */

/** WCAG AA for normal text. */
export const AA_NORMAL_TEXT = 4.5;

const HEX6 = /^#[0-9a-f]{6}$/i;
const HEX3 = /^#[0-9a-f]{3}$/i;

/** `#ABC`, `abc`, `#aabbcc` → `#aabbcc`; anything else → null. */
export function normalizeHex(value: string): string | null {
  let v = value.trim();
  if (!v.startsWith("#")) v = `#${v}`;
  if (HEX3.test(v)) v = `#${v[1]}${v[1]}${v[2]}${v[2]}${v[3]}${v[3]}`;
  return HEX6.test(v) ? v.toLowerCase() : null;
}

function channel(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** Relative luminance (0 black … 1 white) of a `#rrggbb` colour. */
export function luminance(hex: string): number {
  const h = normalizeHex(hex);
  if (!h) throw new Error(`not a hex colour: ${hex}`);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** Contrast ratio from 1 (none) to 21 (black on white); null when a colour is not valid hex. */
export function contrastRatio(a: string, b: string): number | null {
  if (!normalizeHex(a) || !normalizeHex(b)) return null;
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** "4.48:1": two decimals, truncated, so a failing 4.497 never shows as a passing "4.50". */
export function formatRatio(ratio: number): string {
  return `${(Math.floor(ratio * 100) / 100).toFixed(2)}:1`;
}

export function passesAA(ratio: number | null): boolean {
  return ratio !== null && ratio >= AA_NORMAL_TEXT;
}
