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

/** ABI-encode a call with uint256 arguments: the 4-byte selector, then 32-byte big-endian words. */
export function encodeCall(selector: string, ...args: bigint[]): string {
  if (!/^0x[0-9a-f]{8}$/i.test(selector)) throw new Error(`bad selector ${selector}`);
  return selector + args.map((a) => {
    if (a < 0n || a >= 2n ** 256n) throw new Error("uint256 out of range");
    return a.toString(16).padStart(64, "0");
  }).join("");
}

export const toHex = (value: bigint) => `0x${value.toString(16)}`;
