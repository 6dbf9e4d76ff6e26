import { useEffect, useState } from "react";
import { Link } from "react-router";
import { ApiError } from "../../api/client";
import { Button } from "../../components/Button";
import { Field, FormAlert } from "../../components/Field";
import { waitForJob } from "../editor/editorApi";
import { getOfferTerms, getVideoShares, indexNow, offerExport } from "./sharesApi";
import type { OfferTerms, VideoShares } from "./types";
import { useWallet } from "./useWallet";
import { WalletError, getProvider, sendCall, waitForReceipt, walletMessage } from "./wallet";
import { formatFlow, parseFlow } from "./wei";

const BPS = 10_000n;

/** "12.5" (percent, at most 2 decimals, 0–100) → 1250 basis points; null when not that. */
export function percentToBps(text: string): number | null {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return null;
  const bps = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  return bps <= 10_000 ? bps : null;
}

/** A FLOW amount in the display currency ("≈ €0.52"), or null without a display rate. */
export function displayPrice(wei: bigint, terms: Pick<OfferTerms, "display_currency" | "display_rate"> | null): string | null {
  if (!terms?.display_currency || !terms.display_rate) return null;
  const flow = Number(wei) / 1e18; // display only: the amounts sent stay exact wei
  const value = flow * Number(terms.display_rate);
  try {
    return `≈ ${new Intl.NumberFormat("en-US", { style: "currency", currency: terms.display_currency, maximumSignificantDigits: 6 }).format(value)}`;
  } catch {
    return `≈ ${value.toPrecision(6)} ${terms.display_currency}`;
  }
}

type Phase =
  | { phase: "form" }
  | { phase: "working"; text: string }
  | { phase: "done"; offer: VideoShares }
  | { phase: "failed"; text: string; offer?: VideoShares };

/** "Offer shares" on a finished export: the form (price, shares, revenue share, fee, gas),
 * Confirm, then the job (and, with a wallet, the lock and list calls it signs). */
export function OfferShares({ exportId }: { exportId: string }) {
  const [open, setOpen] = useState(false);
  const [terms, setTerms] = useState<OfferTerms | null>(null);
  const [price, setPrice] = useState("0.001");
  const [count, setCount] = useState("100000");
  const [percent, setPercent] = useState("50");
  const [useOwnWallet, setUseOwnWallet] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [state, setState] = useState<Phase>({ phase: "form" });
  const wallet = useWallet();
  const hasWallet = getProvider() !== null;

  useEffect(() => {
    if (!open || terms) return;
    void getOfferTerms().then(setTerms).catch(() => undefined);
  }, [open, terms]);

  // an export already offered shows its page instead of the form
  useEffect(() => {
    if (!open) return;
    void getVideoShares(exportId)
      .then((offer) => setState(offer.status === "listed" ? { phase: "done", offer } : { phase: "form" }))
      .catch(() => undefined);
  }, [open, exportId]);

  const priceWei = parseFlow(price);
  const shares = /^\d+$/.test(count) ? Number(count) : NaN;
  const bps = percentToBps(percent);
  const total = terms?.total_shares ?? 1_000_000;
  const errors = {
    price: priceWei === null || priceWei <= 0n ? "Enter a price in FLOW above zero, e.g. 0.001." : serverErrors.price_per_share_wei,
    count: !(shares >= 1 && shares <= total) ? `Choose between 1 and ${total.toLocaleString("en-US")} shares.` : serverErrors.shares_for_sale,
    percent: bps === null ? "Enter a percentage from 0 to 100 (up to 2 decimals)." : serverErrors.revenue_share_bps,
  };
  const valid = !errors.price && !errors.count && !errors.percent;
  const gross = valid && priceWei !== null ? priceWei * BigInt(shares) : 0n;
  const fee = terms ? (gross * BigInt(terms.platform_fee_bps)) / BPS : 0n;
  const busy = state.phase === "working";

  async function confirm() {
    if (!valid || priceWei === null || bps === null) return;
    setServerErrors({});
    let creator: string | null = null;
    if (useOwnWallet) {
      setState({ phase: "working", text: "Connect your wallet…" });
      creator = await wallet.connect();
      if (!creator) {
        setState({ phase: "failed", text: wallet.error ?? "No wallet connected." });
        return;
      }
    }
    setState({ phase: "working", text: "Offering…" });
    try {
      let offer = await offerExport(exportId, {
        price_per_share_wei: priceWei.toString(),
        shares_for_sale: shares,
        revenue_share_bps: bps,
        ...(creator ? { creator_address: creator } : {}),
      });
      if (offer.job_id) {
        const job = await waitForJob(offer.job_id, (j) =>
          setState({ phase: "working", text: `${j.stage ? j.stage[0].toUpperCase() + j.stage.slice(1) : "Queued"}… ${j.progress}%` }),
        );
        offer = await getVideoShares(exportId);
        if (job.status !== "succeeded") {
          setState({ phase: "failed", text: offer.error ?? job.error ?? `The offer ${job.status}.`, offer });
          return;
        }
      }
      if (offer.status === "awaiting_creator" && creator) offer = await signWithWallet(offer, creator);
      setState(offer.status === "listed" ? { phase: "done", offer } : { phase: "failed", text: offer.error ?? `The offer is ${offer.status}.`, offer });
    } catch (err) {
      if (err instanceof ApiError) {
        setServerErrors(err.fieldErrors);
        setState({ phase: "failed", text: err.detail });
      } else {
        setState({ phase: "failed", text: err instanceof WalletError ? err.message : walletMessage(err, wallet.chain ?? undefined) });
      }
    }
  }

  /** The wallet path: send the lock and list calls the API returned, then wait for the index. */
  async function signWithWallet(offer: VideoShares, from: string): Promise<VideoShares> {
    const provider = wallet.provider;
    const chain = wallet.chain;
    if (!provider || !chain) return offer;
    for (const call of offer.creator_calls ?? []) {
      setState({ phase: "working", text: `${call.step === "lock" ? "Lock the video in its vault" : "List the shares"}: confirm in your wallet…` });
      const hash = await sendCall(provider, chain, { from, to: call.to, data: call.data });
      setState({ phase: "working", text: `${call.step === "lock" ? "Locking" : "Listing"}: pending (${hash.slice(0, 10)}…)` });
      const receipt = await waitForReceipt(provider, hash);
      if (receipt.status === "failed") throw new WalletError(`The ${call.step} transaction failed on chain.`);
    }
    for (let i = 0; i < 20; i++) {
      await indexNow().catch(() => undefined);
      offer = await getVideoShares(exportId);
      if (offer.status === "listed") break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return offer;
  }

  if (!open) {
    return (
      <Button size="sm" variant="secondary" onClick={() => setOpen(true)}>
        Offer shares
      </Button>
    );
  }

  return (
    <section role="region" aria-label="Offer shares" className="grid w-full gap-3 rounded-lg border border-text/10 bg-background/40 p-3 text-sm">
      <div className="flex items-center justify-between gap-3">
        <h2 className="text-sm font-semibold text-text">Offer shares of this export</h2>
        <Button size="sm" variant="ghost" onClick={() => setOpen(false)} disabled={busy}>
          Close
        </Button>
      </div>
      {state.phase === "done" ? (
        <p className="text-success" role="status">
          Your offer is live: {state.offer.shares_for_sale.toLocaleString("en-US")} shares at {formatFlow(state.offer.price_per_share_wei)}.{" "}
          <Link className="font-medium text-primary underline" to={state.offer.page_url ?? `/v/${state.offer.offer_id}`} data-testid="offer-link">
            Open the offer page
          </Link>
        </p>
      ) : (
        <>
          <p className="text-xs text-muted">
            The video's NFT is locked in a vault that issues {total.toLocaleString("en-US")} shares to you; fans buy the ones you list
            and earn the holders' part of the video's revenue. Shares you do not sell stay yours and earn too.
          </p>
          <div className="grid gap-3 sm:grid-cols-3">
            <Field
              label="Price per share (FLOW)"
              inputMode="decimal"
              value={price}
              onChange={(e) => setPrice(e.target.value.trim())}
              error={errors.price}
              hint={priceWei !== null ? displayPrice(priceWei, terms) ?? undefined : undefined}
              disabled={busy}
            />
            <Field
              label="Shares to sell"
              inputMode="numeric"
              value={count}
              onChange={(e) => setCount(e.target.value.trim())}
              error={errors.count}
              hint={`of ${total.toLocaleString("en-US")}`}
              disabled={busy}
            />
            <Field
              label="Revenue share for holders (%)"
              inputMode="decimal"
              value={percent}
              onChange={(e) => setPercent(e.target.value.trim())}
              error={errors.percent}
              hint="Part of the video's revenue paid to shareholders"
              disabled={busy}
            />
          </div>
          <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-xs sm:grid-cols-4" aria-label="Offer summary">
            <Summary label="If every listed share sells" value={valid ? formatFlow(gross) : "—"} testId="offer-gross" />
            <Summary
              label={`Platform fee${terms ? ` (${(terms.platform_fee_bps / 100).toFixed(2)}%)` : ""}`}
              value={terms && valid ? formatFlow(fee) : "—"}
              testId="offer-fee"
            />
            <Summary label="You receive" value={terms && valid ? formatFlow(gross - fee) : "—"} testId="offer-net" />
            <Summary
              label="Estimated gas"
              value={
                terms
                  ? `${terms.estimated_gas.toLocaleString("en-US")} gas${terms.estimated_gas_cost_wei ? ` ≈ ${formatFlow(terms.estimated_gas_cost_wei)}` : ""}`
                  : "—"
              }
              testId="offer-gas"
            />
          </dl>
          <p className="text-xs text-muted">
            {useOwnWallet
              ? `The platform mints the NFT to your wallet; your wallet then signs two calls (lock and list, about ${terms?.creator_gas.toLocaleString("en-US") ?? "…"} gas).`
              : "The platform signs every call for you and pays the gas."}
          </p>
          {hasWallet && (
            <label className="flex items-center gap-2 text-xs text-text">
              <input type="checkbox" checked={useOwnWallet} onChange={(e) => setUseOwnWallet(e.target.checked)} disabled={busy} />
              Sign the lock and list with my wallet
            </label>
          )}
          <div className="flex flex-wrap items-center gap-3">
            <Button size="sm" onClick={() => void confirm()} busy={busy} disabled={busy || !valid}>
              Confirm offer
            </Button>
            {state.phase === "working" && (
              <span role="status" className="text-xs text-muted">
                {state.text}
              </span>
            )}
          </div>
          {state.phase === "failed" && <FormAlert>{state.text}</FormAlert>}
        </>
      )}
    </section>
  );
}

function Summary({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div>
      <dt className="text-muted">{label}</dt>
      <dd className="font-semibold text-text" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}
