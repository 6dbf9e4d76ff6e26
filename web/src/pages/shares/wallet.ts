/**
 * An EIP-1193 wallet (window.ethereum): connect, make sure it is on our chain, send a call and
 * follow it to its receipt. Every failure becomes a sentence a fan can act on.
 */
import type { ChainInfo } from "./types";

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

interface RpcError {
  code?: number;
  message?: string;
  data?: unknown;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

export class WalletError extends Error {}

export function getProvider(): Eip1193Provider | null {
  return typeof window !== "undefined" && window.ethereum ? window.ethereum : null;
}

/** Ask for an account and make sure the wallet is on `chain` (switch, or add it, if not). */
export async function connect(provider: Eip1193Provider, chain: ChainInfo): Promise<string> {
  let accounts: string[];
  try {
    accounts = (await provider.request({ method: "eth_requestAccounts" })) as string[];
  } catch (err) {
    throw new WalletError(walletMessage(err, chain));
  }
  if (!accounts?.length) throw new WalletError("Your wallet shared no account. Unlock it and try again.");
  await ensureChain(provider, chain);
  return accounts[0];
}

async function currentChain(provider: Eip1193Provider): Promise<number> {
  return Number.parseInt(String(await provider.request({ method: "eth_chainId" })), 16);
}

export async function ensureChain(provider: Eip1193Provider, chain: ChainInfo): Promise<void> {
  if ((await currentChain(provider)) === chain.chain_id) return;
  try {
    await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId: chain.chain_id_hex }] });
  } catch (err) {
    if ((err as RpcError)?.code === 4902 && chain.rpc_url) {
      await provider.request({
        method: "wallet_addEthereumChain",
        params: [{
          chainId: chain.chain_id_hex,
          chainName: chain.chain_name,
          nativeCurrency: { name: "FLOW", symbol: "FLOW", decimals: 18 },
          rpcUrls: [chain.rpc_url],
        }],
      });
    } else if ((err as RpcError)?.code === 4001) {
      throw new WalletError(`You declined to switch networks. Switch your wallet to ${chain.chain_name} (chain id ${chain.chain_id}) to invest.`);
    }
  }
  const now = await currentChain(provider);
  if (now !== chain.chain_id) {
    throw new WalletError(
      `Your wallet is on chain ${now}. Switch it to ${chain.chain_name} (chain id ${chain.chain_id}) to invest.`,
    );
  }
}

export interface Receipt {
  status: "confirmed" | "failed";
  blockNumber: number;
}

/** Send a call from `from` and return its hash once the wallet accepted it. */
export async function sendCall(
  provider: Eip1193Provider,
  chain: ChainInfo,
  tx: { from: string; to: string; data: string; value?: string },
): Promise<string> {
  await ensureChain(provider, chain);
  try {
    return String(await provider.request({ method: "eth_sendTransaction", params: [{ ...tx, value: tx.value ?? "0x0" }] }));
  } catch (err) {
    throw new WalletError(walletMessage(err, chain));
  }
}

/** Poll for the receipt until it arrives (or `timeoutMs` passes). */
export async function waitForReceipt(
  provider: Eip1193Provider,
  hash: string,
  { intervalMs = 500, timeoutMs = 120_000 } = {},
): Promise<Receipt> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const receipt = (await provider.request({ method: "eth_getTransactionReceipt", params: [hash] })) as
      | { status: string; blockNumber: string }
      | null;
    if (receipt) {
      return {
        status: receipt.status === "0x1" ? "confirmed" : "failed",
        blockNumber: Number.parseInt(receipt.blockNumber, 16),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new WalletError("The transaction was sent but no receipt arrived yet; check your wallet's activity.");
}

const ERROR_WORDS: Record<string, string> = {
  ExceedsListed: "Sold out: fewer shares are left for sale than you asked for.",
  InsufficientPayment: "The payment did not cover the price of the shares.",
  PriceAboveMax: "The listed price rose above your max price per share; nothing was bought. Check the new price.",
  PaymentFailed: "The payment to your address was refused.",
  NothingToClaim: "There is nothing to claim yet.",
  ZeroAmount: "Choose at least one share.",
  NotLocked: "This video's shares are not on sale.",
};

/** A sentence for a wallet or chain error (EIP-1193 codes, custom errors, common node errors). */
export function walletMessage(err: unknown, chain?: ChainInfo): string {
  const e = (err ?? {}) as RpcError;
  if (e.code === 4001) return "You rejected the request in your wallet.";
  if (e.code === 4100) return "Your wallet did not authorise this site; connect it again.";
  if (e.code === 4900 || e.code === 4901) return "Your wallet is not connected to the network.";
  const text = `${e.message ?? String(err)} ${JSON.stringify(e.data ?? "")}`;
  const selector = /0x[0-9a-f]{8}/i.exec(typeof e.data === "string" ? e.data : JSON.stringify(e.data ?? ""))?.[0];
  const name = selector && chain?.errors[selector.toLowerCase()];
  if (name && ERROR_WORDS[name]) return ERROR_WORDS[name];
  for (const [key, words] of Object.entries(ERROR_WORDS)) if (text.includes(key)) return words;
  if (/insufficient funds|exceeds balance|gas required exceeds/i.test(text)) {
    return "Not enough FLOW in this wallet to pay for the shares and the network fee.";
  }
  return `The wallet reported: ${e.message ?? String(err)}`;
}
