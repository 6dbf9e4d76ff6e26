import { useCallback, useEffect, useState } from "react";
import { ApiError } from "../../api/client";
import { useDocumentTitle } from "../../auth/useDocumentTitle";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { FormAlert } from "../../components/Field";
import { PieIcon } from "../../components/Icons";
import { humanize } from "../../lib/format";
import { InvestPanel } from "./InvestPanel";
import { listShares } from "./sharesApi";
import type { VideoShares } from "./types";
import { useWallet } from "./useWallet";
import { formatFlow } from "./wei";

/** Fractionalised videos with their sale and revenue figures, and an Invest panel on each. */
export function SharesPage() {
  useDocumentTitle("Shares");
  const [videos, setVideos] = useState<VideoShares[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const wallet = useWallet();

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const page = await listShares(signal);
      setVideos(page.items);
      setError(null);
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") return;
      setError(err instanceof ApiError ? err.detail : String(err));
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-3xl font-semibold tracking-tight text-text">Shares</h1>
          <p className="mt-1.5 max-w-2xl text-sm text-muted">
            Each video's NFT sits in a vault that issued 1,000,000 shares. Fans buy shares and earn the video's
            revenue pro rata, paid on chain.
          </p>
        </div>
        <Button variant="secondary" onClick={() => void load()}>Refresh</Button>
      </div>
      {error && <FormAlert>{error}</FormAlert>}
      {videos === null && !error && <p className="text-sm text-muted">Loading…</p>}
      {videos?.length === 0 && (
        <section className="flex flex-col items-center rounded-2xl border border-dashed border-text/15 bg-surface/50 px-6 py-16 text-center">
          <PieIcon className="size-8 text-primary" />
          <p className="mt-4 text-base font-semibold text-text">No videos have shares yet</p>
          <p className="mt-1 max-w-md text-sm text-muted">
            A creator fractionalises a video with <code>POST /v1/videos/&#123;id&#125;/shares</code> or{" "}
            <code>flowai shares fractionalize</code>.
          </p>
        </section>
      )}
      {videos?.map((video) => (
        <Card key={video.video_id} title={`Video ${video.video_id}`} titleId={`video-${video.video_id}`}
          description={`Vault ${video.vault ?? "being created"} · ${humanize(video.status)}`}>
          <div className="grid gap-5 px-6 py-5">
            <dl className="grid grid-cols-2 gap-4 sm:grid-cols-5" aria-label="Share figures">
              <Figure label="Price per share" value={formatFlow(video.price_per_share_wei)} />
              <Figure label="Shares sold" value={`${video.shares_sold.toLocaleString("en-US")} of ${(video.shares_sold + video.shares_for_sale).toLocaleString("en-US")}`} />
              <Figure label="Shares left" value={video.shares_for_sale.toLocaleString("en-US")} />
              <Figure label="Holders" value={video.holders.toLocaleString("en-US")} />
              <Figure label="Revenue to date" value={formatFlow(video.revenue_to_date_wei)} />
            </dl>
            <p className="text-xs text-muted">
              {(video.revenue_share_bps / 100).toFixed(2)}% of revenue goes to holders; {formatFlow(video.deposited_wei)} deposited so far
              {BigInt(video.pending_deposit_wei) > 0n ? `, ${formatFlow(video.pending_deposit_wei)} waiting for the next royalty run` : ""}.
            </p>
            {video.error && <FormAlert>{video.error}</FormAlert>}
            <InvestPanel video={video} wallet={wallet} onChanged={() => void load()} />
          </div>
        </Card>
      ))}
    </div>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="mt-0.5 text-base font-semibold text-text">{value}</dd>
    </div>
  );
}
