import { useCallback, useState } from "react";
import { ApiError } from "../../api/client";
import { getChain } from "./sharesApi";
import type { ChainInfo } from "./types";
import { WalletError, connect, getProvider, type Eip1193Provider } from "./wallet";

export interface Wallet {
  provider: Eip1193Provider | null;
  chain: ChainInfo | null;
  account: string | null;
  connecting: boolean;
  error: string | null;
  /** Connect (once) and return the account, or null with `error` set. */
  connect: () => Promise<string | null>;
}

/** The page's one wallet connection: chain info from the API, the account from the wallet. */
export function useWallet(): Wallet {
  const [chain, setChain] = useState<ChainInfo | null>(null);
  const [account, setAccount] = useState<string | null>(null);
  const [connecting, setConnecting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const provider = getProvider();

  const doConnect = useCallback(async () => {
    if (account) return account;
    if (!provider) {
      setError("No wallet found. Install a browser wallet (MetaMask or another EIP-1193 wallet) to invest.");
      return null;
    }
    setConnecting(true);
    setError(null);
    try {
      const info = chain ?? (await getChain());
      setChain(info);
      const address = await connect(provider, info);
      setAccount(address);
      return address;
    } catch (err) {
      setError(err instanceof WalletError || err instanceof ApiError ? err.message : `Could not connect: ${String(err)}`);
      return null;
    } finally {
      setConnecting(false);
    }
  }, [account, chain, provider]);

  return { provider, chain, account, connecting, error, connect: doConnect };
}
