import { useCallback, useEffect, useState } from "react";
import { Button } from "../../components/Button";
import { Field } from "../../components/Field";
import { getHoldings, indexNow } from "./sharesApi";
import type { Holding, VideoShares } from "./types";
import type { Wallet } from "./useWallet";
import { WalletError, sendCall, waitForReceipt, walletMessage } from "./wallet";
import { encodeCall, flowText, formatFlow, parseFlow, toHex } from "./wei";

type TxState =
  | { phase: "idle" }
  | { phase: "wallet"; what: string }
  | { phase: "pending"; what: string; hash: string }
  | { phase: "confirmed"; what: string; hash: string; block: number }
  | { phase: "failed"; what: string; message: string };

const SYNC_TRIES = 20;
const POLL_MS = 4000;

/** "Invest in this video": connect a wallet, buy shares, see and claim royalties. */
export function InvestPanel({ video, wallet, onChanged }: { video: VideoShares; wallet: Wallet; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [count, setCount] = useState("1");
  // The slippage guard: the most the fan pays per share. It starts at the listed price; a
  // repricing of the listing above it makes the purchase revert instead of charging more.
  const [maxPrice, setMaxPrice] = useState(() => flowText(BigInt(video.price_per_share_wei)));
  const [tx, setTx] = useState<TxState>({ phase: "idle" });
  const [holding, setHolding] = useState<Holding | null>(null);
  const account = wallet.account;

  const loadHolding = useCallback(async () => {
    if (!account) return null;
    const all = await getHoldings(account);
    // by vault: the public offer page knows the vault, not the workspace's video id
    const mine = all.items.find((h) => h.vault !== null && h.vault === video.vault) ?? null;
    setHolding(mine);
    return mine;
  }, [account, video.vault]);

  useEffect(() => {
    if (!open || !account) return;
    void loadHolding().catch(() => undefined);
    // royalties arrive from royalty runs at any time: keep the position fresh while open
    const timer = setInterval(() => void loadHolding().catch(() => undefined), POLL_MS);
    return () => clearInterval(timer);
  }, [open, account, loadHolding, video.indexed_block]);

  const price = BigInt(video.price_per_share_wei);
  const shares = /^\d+$/.test(count) ? BigInt(count) : 0n;
  const countError =
    count === "" ? undefined
    : shares <= 0n ? "Choose at least one whole share."
    : shares > BigInt(video.shares_for_sale) ? `Only ${video.shares_for_sale.toLocaleString("en-US")} shares are left.`
    : undefined;
  const maxPriceWei = parseFlow(maxPrice);
  const maxPriceError =
    maxPriceWei === null ? "Enter a price in FLOW, e.g. 0.001."
    : maxPriceWei < price ? `Below the listed price of ${formatFlow(price, 18)} per share.`
    : undefined;
  const busy = tx.phase === "wallet" || tx.phase === "pending";

  async function start() {
    setOpen(true);
    await wallet.connect();
  }

  /** After a confirmed transaction, wait until the server's index shows it. */
  async function sync(before: Holding | null) {
    for (let i = 0; i < SYNC_TRIES; i++) {
      await indexNow().catch(() => undefined);
      const after = await loadHolding().catch(() => null);
      if (JSON.stringify(after) !== JSON.stringify(before)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    onChanged();
  }

  async function run(what: string, data: string, value: bigint) {
    const from = account ?? (await wallet.connect());
    if (!from || !wallet.provider || !wallet.chain || !video.vault) return;
    const before = holding;
    setTx({ phase: "wallet", what });
    try {
      const hash = await sendCall(wallet.provider, wallet.chain, { from, to: video.vault, data, value: toHex(value) });
      setTx({ phase: "pending", what, hash });
      const receipt = await waitForReceipt(wallet.provider, hash);
      if (receipt.status === "failed") {
        setTx({ phase: "failed", what, message: "The transaction failed on chain; nothing was paid." });
        return;
      }
      setTx({ phase: "confirmed", what, hash, block: receipt.blockNumber });
      await sync(before);
    } catch (err) {
      setTx({ phase: "failed", what, message: err instanceof WalletError ? err.message : walletMessage(err, wallet.chain) });
    }
  }

  function buy() {
    if (!wallet.chain || countError || shares <= 0n || maxPriceWei === null || maxPriceError) return;
    // Pay up to the limit; the vault charges the listed price and refunds the rest.
    const data = encodeCall(wallet.chain.selectors["buy(uint256,uint256)"], shares, maxPriceWei);
    void run(`Buying ${shares} shares`, data, shares * maxPriceWei);
  }

  function claim() {
    if (!wallet.chain) return;
    void run("Claiming royalties", encodeCall(wallet.chain.selectors["claim()"]), 0n);
  }

  const claimable = holding ? BigInt(holding.claimable_wei) : 0n;
  const soldOut = video.shares_for_sale === 0;

  return (
    <div className="grid gap-3" aria-label={`Invest in ${video.video_id}`} role="group">
      {!open || !account ? (
        <div className="flex flex-wrap items-center gap-3">
          <Button onClick={() => void start()} busy={wallet.connecting} disabled={video.status !== "listed"}>
            Invest in this video
          </Button>
          {video.status !== "listed" && <span className="text-xs text-muted">Shares are not on sale yet.</span>}
        </div>
      ) : (
        <div className="grid gap-3 rounded-xl border border-text/10 bg-background/40 p-4">
          <p className="text-sm text-muted">
            Wallet <span className="font-mono text-text">{account}</span> on {wallet.chain?.chain_name}
          </p>
          <p className="text-sm text-text" data-testid="my-position">
            Your shares: <strong>{(holding?.shares ?? 0).toLocaleString("en-US")}</strong> · Claimable:{" "}
            <strong>{formatFlow(claimable)}</strong>
            {holding && BigInt(holding.claimed_wei) > 0n && <> · Claimed so far: {formatFlow(holding.claimed_wei)}</>}
          </p>
          <div className="flex flex-wrap items-end gap-3">
            <Field
              label="Shares to buy"
              inputMode="numeric"
              value={count}
              onChange={(e) => setCount(e.target.value.trim())}
              error={countError}
              hint={shares > 0n ? `Costs ${formatFlow(shares * price)}` : undefined}
              className="w-48"
              disabled={busy || soldOut}
            />
            <Field
              label="Max price per share (FLOW)"
              inputMode="decimal"
              value={maxPrice}
              onChange={(e) => setMaxPrice(e.target.value.trim())}
              error={maxPriceError}
              hint="You never pay more per share; any excess is refunded."
              className="w-56"
              disabled={busy || soldOut}
            />
            <Button onClick={buy} busy={busy && tx.what.startsWith("Buying")} disabled={busy || soldOut || !!countError || shares <= 0n || !!maxPriceError}>
              {soldOut ? "Sold out" : `Buy ${shares > 0n ? shares.toString() : ""} shares`}
            </Button>
            <Button variant="secondary" onClick={claim} busy={busy && tx.what.startsWith("Claiming")} disabled={busy || claimable === 0n}>
              Claim {formatFlow(claimable)}
            </Button>
          </div>
        </div>
      )}
      {wallet.error && open && (
        <p role="alert" className="text-sm font-medium text-danger">{wallet.error}</p>
      )}
      <TxStatus tx={tx} />
    </div>
  );
}

function TxStatus({ tx }: { tx: TxState }) {
  if (tx.phase === "idle") return null;
  const text =
    tx.phase === "wallet" ? `${tx.what}: confirm in your wallet…`
    : tx.phase === "pending" ? `${tx.what}: pending (${tx.hash.slice(0, 10)}…)`
    : tx.phase === "confirmed" ? `${tx.what}: confirmed in block ${tx.block}.`
    : `${tx.what} failed: ${tx.message}`;
  const tone = tx.phase === "failed" ? "text-danger" : tx.phase === "confirmed" ? "text-success" : "text-muted";
  return (
    <p role="status" data-phase={tx.phase} className={`text-sm font-medium ${tone}`}>
      {text}
    </p>
  );
}
