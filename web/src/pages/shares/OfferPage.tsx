import { useCallback, useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "../../api/client";
import { useAuth } from "../../auth/AuthContext";
import { useDocumentTitle } from "../../auth/useDocumentTitle";
import { buttonClass } from "../../components/Button";
import { Card } from "../../components/Card";
import { FormAlert } from "../../components/Field";
import { Logo } from "../../components/Logo";
import { humanize } from "../../lib/format";
import { InvestPanel } from "./InvestPanel";
import { displayPrice } from "./OfferShares";
import { RevenueChart } from "./RevenueChart";
import { getOffer } from "./sharesApi";
import type { Offer, VideoShares } from "./types";
import { useWallet } from "./useWallet";
import { formatFlow } from "./wei";

const REFRESH_MS = 10_000;

/** `/v/<offer id>`: an offer's public page, readable signed out, in the workspace's brand. */
export function OfferPage() {
  const { offerId = "" } = useParams();
  const { state } = useAuth();
  const [offer, setOffer] = useState<Offer | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const wallet = useWallet();
  useDocumentTitle(offer?.title ?? "Offer");

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        setOffer(await getOffer(offerId, signal));
        setError(null);
      } catch (err) {
        if (err instanceof DOMException && err.name === "AbortError") return;
        if (err instanceof ApiError) setError(err);
      }
    },
    [offerId],
  );

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [load]);

  const here = `/v/${offerId}`;
  return (
    <div className="min-h-screen">
      <header className="flex items-center justify-between gap-4 border-b border-text/10 px-4 py-3 sm:px-8">
        <Logo />
        {state.status === "signed-in" ? (
          <Link className="text-sm font-medium text-primary underline" to="/dashboard">
            Dashboard
          </Link>
        ) : (
          <Link className="text-sm font-medium text-primary underline" to="/login" state={{ from: here }}>
            Sign in
          </Link>
        )}
      </header>
      <main className="mx-auto grid max-w-5xl gap-6 px-4 py-6 sm:px-8">
        {error && (
          <FormAlert>{error.status === 404 ? "This offer does not exist, or it is not offered on this site." : error.detail}</FormAlert>
        )}
        {!offer && !error && <p className="text-sm text-muted">Loading…</p>}
        {offer && <OfferView offer={offer} signedIn={state.status === "signed-in"} here={here} wallet={wallet} onChanged={() => void load()} />}
      </main>
    </div>
  );
}

function OfferView({ offer, signedIn, here, wallet, onChanged }: {
  offer: Offer;
  signedIn: boolean;
  here: string;
  wallet: ReturnType<typeof useWallet>;
  onChanged: () => void;
}) {
  const price = BigInt(offer.price_per_share_wei);
  const listed = offer.shares_sold + offer.shares_for_sale;
  const display = displayPrice(price, offer);
  // the Invest panel's view of the offer (it needs the vault, price, what is left and the status)
  const video: VideoShares = {
    video_id: offer.id, status: offer.status, error: null, job_id: null, chain_id: offer.chain_id,
    token_id: offer.token_id, vault: offer.vault, creator: offer.creator, total_shares: offer.total_shares,
    price_per_share_wei: offer.price_per_share_wei, shares_for_sale: offer.shares_for_sale,
    shares_sold: offer.shares_sold, sales_wei: "0", holders: offer.holders, revenue_share_bps: offer.revenue_share_bps,
    revenue_to_date_wei: offer.revenue_to_date_wei, shareholder_revenue_wei: offer.shareholder_revenue_wei,
    deposited_wei: offer.deposited_wei, pending_deposit_wei: "0", indexed_block: offer.indexed_block,
    created_at: offer.created_at,
  };
  return (
    <>
      <div>
        <h1 className="text-3xl font-semibold tracking-tight text-text">{offer.title}</h1>
        <p className="mt-1.5 text-sm text-muted">
          Own a share of this video: {(offer.revenue_share_bps / 100).toFixed(2)}% of its revenue is paid to shareholders, pro rata, on chain.
        </p>
      </div>
      {offer.video_url ? (
        <video
          className="aspect-video w-full rounded-2xl border border-text/10 bg-black"
          controls
          playsInline
          preload="metadata"
          src={offer.video_url}
          poster={offer.poster_url ?? undefined}
          aria-label={`Video: ${offer.title}`}
          data-testid="offer-player"
        />
      ) : (
        offer.poster_url && <img className="w-full rounded-2xl" src={offer.poster_url} alt={`Poster of ${offer.title}`} />
      )}
      <Card title="The offer" titleId="offer-figures" description={humanize(offer.status)}>
        <div className="grid gap-5 px-6 py-5">
          <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4" aria-label="Share figures">
            <Figure label="Price per share" value={formatFlow(price)} extra={display} testId="offer-price" />
            <Figure
              label="Sold"
              value={`${offer.shares_sold.toLocaleString("en-US")} of ${listed.toLocaleString("en-US")}`}
              testId="offer-sold"
            />
            <Figure label="Holders" value={offer.holders.toLocaleString("en-US")} testId="offer-holders" />
            <Figure label="Revenue to date" value={formatFlow(offer.revenue_to_date_wei)} testId="offer-revenue" />
          </dl>
          {signedIn ? (
            <InvestPanel video={video} wallet={wallet} onChanged={onChanged} />
          ) : (
            <div className="flex flex-wrap items-center gap-3">
              <Link className={buttonClass("primary")} to="/signup" state={{ from: here }}>
                Invest in this video
              </Link>
              <span className="text-sm text-muted">
                Create a free account (or{" "}
                <Link className="text-primary underline" to="/login" state={{ from: here }}>
                  sign in
                </Link>
                ), then buy shares with your wallet.
              </span>
            </div>
          )}
        </div>
      </Card>
      <Card title="Revenue" titleId="offer-revenue-history">
        <div className="px-6 py-5">
          <RevenueChart points={offer.revenue_history} />
        </div>
      </Card>
      <Card title="On chain" titleId="offer-contracts" description={`${offer.chain_name} (chain id ${offer.chain_id})`}>
        <dl className="grid gap-3 px-6 py-5 text-sm">
          <Address label="Share vault (ERC-20 shares)" address={offer.vault} explorer={offer.explorer_url} />
          <Address label="Video NFT contract" address={offer.nft} explorer={offer.explorer_url} extra={offer.token_id ? `token #${offer.token_id.length > 14 ? `${offer.token_id.slice(0, 6)}…${offer.token_id.slice(-6)}` : offer.token_id}` : undefined} />
          <Address label="Creator" address={offer.creator} explorer={offer.explorer_url} />
        </dl>
      </Card>
    </>
  );
}

function Figure({ label, value, extra, testId }: { label: string; value: string; extra?: string | null; testId: string }) {
  return (
    <div>
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="mt-0.5 text-base font-semibold text-text" data-testid={testId}>
        {value}
      </dd>
      {extra && <dd className="text-xs text-muted">{extra}</dd>}
    </div>
  );
}

function Address({ label, address, explorer, extra }: { label: string; address: string | null; explorer: string | null; extra?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="break-all font-mono text-xs text-text">
        {!address ? (
          "not created yet"
        ) : explorer ? (
          <a className="text-primary underline" href={`${explorer}/address/${address}`} target="_blank" rel="noreferrer">
            {address}
          </a>
        ) : (
          address
        )}
        {extra && <span className="ml-2 font-sans text-muted">{extra}</span>}
      </dd>
    </div>
  );
}
