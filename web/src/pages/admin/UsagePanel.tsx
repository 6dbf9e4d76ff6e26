import { useCallback, useEffect, useState } from "react";
import { getUsage } from "../../api/endpoints";
import type { Usage } from "../../api/types";
import { Card } from "../../components/Card";
import { humanize } from "../../lib/format";
import { StatusBadge } from "../dashboard/JobsPanel";
import { LoadError, Loading, isAbort } from "./common";

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

const nf = new Intl.NumberFormat();

export function UsagePanel() {
  const [usage, setUsage] = useState<Usage | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      setUsage(await getUsage(signal));
      setError(null);
    } catch (err) {
      if (!isAbort(err)) setError(err);
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  const jobs = usage ? Object.entries(usage.jobs).sort(([, a], [, b]) => b - a) : [];
  const totalJobs = jobs.reduce((n, [, c]) => n + c, 0);

  return (
    <Card title="Usage" titleId="usage-title" description="What this workspace uses right now.">
      {error !== null && <LoadError what="usage" error={error} onRetry={() => void load()} />}
      {error === null && !usage && <Loading>Loading usage…</Loading>}
      {usage && (
        <div className="grid gap-6 px-6 py-5">
          <dl className="grid gap-4 sm:grid-cols-3">
            <Stat term="Members" value={nf.format(usage.users)} />
            <Stat term="Jobs" value={nf.format(totalJobs)} />
            <Stat term="Storage used" value={formatBytes(usage.storage_bytes)} sub={`${nf.format(usage.files)} files`} />
          </dl>
          <section aria-labelledby="jobs-by-status">
            <h3 id="jobs-by-status" className="text-sm font-medium text-text">
              Jobs by status
            </h3>
            {jobs.length === 0 ? (
              <p className="mt-2 text-sm text-muted">No jobs yet.</p>
            ) : (
              <ul className="mt-3 grid gap-2">
                {jobs.map(([status, count]) => (
                  <li key={status} className="grid grid-cols-[8rem_1fr_4rem] items-center gap-3 text-sm" aria-label={`${humanize(status)}: ${count}`}>
                    <StatusBadge status={status} />
                    <span aria-hidden="true" className="h-2 overflow-hidden rounded-full bg-text/10">
                      <span
                        className="block h-full rounded-full bg-linear-to-r from-primary to-secondary"
                        style={{ width: `${totalJobs ? Math.max(2, (count / totalJobs) * 100) : 0}%` }}
                      />
                    </span>
                    <span aria-hidden="true" className="text-right font-mono text-text">
                      {nf.format(count)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      )}
    </Card>
  );
}

function Stat({ term, value, sub }: { term: string; value: string; sub?: string }) {
  return (
    <div className="rounded-xl border border-text/10 bg-background/30 px-4 py-3">
      <dt className="text-xs font-medium uppercase tracking-wide text-muted">{term}</dt>
      <dd className="mt-1 text-2xl font-semibold tracking-tight text-text">{value}</dd>
      {sub && <dd className="text-xs text-muted">{sub}</dd>}
    </div>
  );
}
