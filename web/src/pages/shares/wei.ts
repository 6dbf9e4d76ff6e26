/** Wei arithmetic with BigInt (JavaScript numbers cannot hold wei) and a tiny ABI encoder. */

const WEI_PER_FLOW = 10n ** 18n;

/** "1234500000000000000" → "1.2345 FLOW" (rounded down to `digits` decimals, never a float). */
export function formatFlow(wei: string | bigint, digits = 6): string {
  const value = typeof wei === "bigint" ? wei : BigInt(wei);
  const whole = value / WEI_PER_FLOW;
  const scale = 10n ** BigInt(18 - digits);
  const fraction = ((value % WEI_PER_FLOW) / scale).toString().padStart(digits, "0").replace(/0+$/, "");
  const tiny = value > 0n && whole === 0n && fraction === "";
  return tiny ? `< 0.${"0".repeat(digits - 1)}1 FLOW` : `${whole.toLocaleString("en-US")}${fraction ? `.${fraction}` : ""} FLOW`;
}

/** "1.5" (FLOW, at most 18 decimals) → 1500000000000000000n wei; null when it is not a plain
 * non-negative decimal. Exact: digits are scaled as text, never through a float. */
export function parseFlow(text: string): bigint | null {
  const match = /^(\d*)(?:\.(\d{0,18}))?$/.exec(text.trim());
  if (!match || (match[1] === "" && !match[2])) return null;
  const [, whole, fraction = ""] = match;
  return BigInt(whole || "0") * WEI_PER_FLOW + BigInt(fraction.padEnd(18, "0") || "0");
}

/** 1500000000000000000n → "1.5": the exact decimal FLOW amount of `wei` (for an input field). */
export function flowText(wei: bigint): string {
  const fraction = (wei % WEI_PER_FLOW).toString().padStart(18, "0").replace(/0+$/, "");
  return `${wei / WEI_PER_FLOW}${fraction ? `.${fraction}` : ""}`;
}

/** ABI-encode a call with uint256 arguments: the 4-byte selector, then 32-byte big-endian words. */
export function encodeCall(selector: string, ...args: bigint[]): string {
  if (!/^0x[0-9a-f]{8}$/i.test(selector)) throw new Error(`bad selector ${selector}`);
  return selector + args.map((a) => {
    if (a < 0n || a >= 2n ** 256n) throw new Error("uint256 out of range");
    return a.toString(16).padStart(64, "0");
  }).join("");
}

export const toHex = (value: bigint) => `0x${value.toString(16)}`;
