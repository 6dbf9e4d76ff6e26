import type { ReactNode } from "react";
import { ApiError } from "../../api/client";
import { Button } from "../../components/Button";

/** True for an aborted fetch (a panel unmounted while loading): not an error to show. */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === "AbortError";
}

/** The message to show for any failure of an API call. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.detail;
  if (err instanceof Error) return err.message;
  return "Something went wrong.";
}

export function LoadError({ what, error, onRetry }: { what: string; error: unknown; onRetry: () => void }) {
  return (
    <div role="alert" className="flex items-center justify-between gap-3 px-6 py-4 text-sm text-danger">
      <span>
        Could not load {what}: {messageOf(error)}
      </span>
      <Button size="sm" variant="secondary" onClick={onRetry}>
        Retry
      </Button>
    </div>
  );
}

export function Loading({ children }: { children: ReactNode }) {
  return (
    <p role="status" className="px-6 py-8 text-sm text-muted">
      {children}
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="flex flex-col items-center px-6 py-10 text-center">
      <p className="text-sm font-medium text-text">{title}</p>
      {children && <p className="mt-1 max-w-md text-sm text-muted">{children}</p>}
    </div>
  );
}

export function Badge({ tone, children }: { tone: "success" | "warning" | "danger" | "muted" | "primary"; children: ReactNode }) {
  const cls = {
    success: "bg-success/15 text-success ring-success/30",
    warning: "bg-warning/15 text-warning ring-warning/30",
    danger: "bg-danger/15 text-danger ring-danger/30",
    muted: "bg-text/10 text-muted ring-text/15",
    primary: "bg-primary/15 text-text ring-primary/30",
  }[tone];
  return (
    <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${cls}`}>
      {children}
    </span>
  );
}

export const thClass = "px-3 py-3 font-medium first:pl-6 last:pr-6";
export const tdClass = "px-3 py-3.5 first:pl-6 last:pr-6";
