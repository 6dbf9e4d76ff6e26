import { useCallback, useEffect, useState } from "react";
import { ApiError } from "../../api/client";
import { listJobs } from "../../api/endpoints";
import type { Job } from "../../api/types";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { ActivityIcon } from "../../components/Icons";
import { formatDateTime, formatRelative, humanize } from "../../lib/format";

const ACTIVE = new Set(["queued", "pending", "running", "retrying"]);
/** While a job is moving, refresh the list this often. */
const POLL_MS = 4000;

const STATUS_TONE: Record<string, string> = {
  succeeded: "bg-success/15 text-success ring-success/30",
  completed: "bg-success/15 text-success ring-success/30",
  failed: "bg-danger/15 text-danger ring-danger/30",
  cancelled: "bg-text/10 text-muted ring-text/15",
  running: "bg-secondary/15 text-secondary ring-secondary/30",
  queued: "bg-warning/15 text-warning ring-warning/30",
};

export function StatusBadge({ status }: { status: string }) {
  const tone = STATUS_TONE[status] ?? "bg-text/10 text-muted ring-text/15";
  return (
    <span
      className={`inline-flex shrink-0 items-center justify-self-start rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tone}`}
    >
      {humanize(status)}
    </span>
  );
}

export function ProgressBar({ value, label, tone = "brand" }: { value: number; label: string; tone?: "brand" | "danger" | "muted" }) {
  const pct = Math.max(0, Math.min(100, Math.round(Number.isFinite(value) ? value : 0)));
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      className="h-1.5 w-full overflow-hidden rounded-full bg-text/10"
    >
      <div
        className={`h-full rounded-full transition-[width] ${
          tone === "danger" ? "bg-danger" : tone === "muted" ? "bg-muted" : "bg-linear-to-r from-primary to-secondary"
        }`}
        style={{ width: `${pct}%` }}
      />
    </div>
  );
}

export function JobsPanel() {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const page = await listJobs(10, signal);
      setJobs(page.items);
      setError(null);
    } catch (err) {
      if (err instanceof ApiError) setError(err);
      else if (!(err instanceof DOMException && err.name === "AbortError")) throw err;
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  // Poll while something is queued or running; stop once everything has finished.
  const anyActive = jobs?.some((j) => ACTIVE.has(j.status)) ?? false;
  useEffect(() => {
    if (!anyActive) return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => void load(controller.signal), POLL_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [anyActive, jobs, load]);

  return (
    <Card title="Recent jobs" titleId="jobs-title" description="Clones, renders and payouts, newest first.">
      {error && (
        <div role="alert" className="flex items-center justify-between gap-3 px-6 py-4 text-sm text-danger">
          <span>Could not load jobs: {error.detail}</span>
          <Button size="sm" variant="secondary" onClick={() => void load()}>
            Retry
          </Button>
        </div>
      )}
      {!error && jobs === null && (
        <p role="status" className="px-6 py-8 text-sm text-muted">
          Loading jobs…
        </p>
      )}
      {jobs && jobs.length === 0 && (
        <div className="flex flex-col items-center px-6 py-10 text-center">
          <span className="grid size-10 place-items-center rounded-full bg-text/5 text-muted">
            <ActivityIcon className="size-5" />
          </span>
          <p className="mt-3 text-sm font-medium text-text">No jobs yet</p>
          <p className="mt-1 max-w-xs text-sm text-muted">
            Voice clones, exports and royalty runs show their progress here.
          </p>
        </div>
      )}
      {jobs && jobs.length > 0 && (
        <ul aria-labelledby="jobs-title" className="divide-y divide-text/10">
          {jobs.map((job) => (
            <li
              key={job.id}
              className="grid grid-cols-[minmax(0,12rem)_6.5rem_minmax(0,1fr)_minmax(0,11rem)_6.5rem] items-center gap-5 px-6 py-3.5"
            >
              <p className="truncate text-sm font-medium text-text">{humanize(job.kind)}</p>
              <StatusBadge status={job.status} />
              <div className="flex items-center gap-3">
                <ProgressBar
                  value={job.progress}
                  label={`${humanize(job.kind)} progress`}
                  tone={job.status === "failed" ? "danger" : job.status === "cancelled" ? "muted" : "brand"}
                />
                <span className="w-9 shrink-0 text-right text-xs tabular-nums text-muted">
                  {Math.round(job.progress)}%
                </span>
              </div>
              <p className="truncate text-sm text-muted" title={job.error ?? undefined}>
                {job.error ? <span className="text-danger">{job.error}</span> : humanize(job.stage) || "—"}
              </p>
              <time
                dateTime={job.updated_at}
                title={formatDateTime(job.updated_at)}
                className="text-right text-xs text-muted"
              >
                {formatRelative(job.updated_at)}
              </time>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
