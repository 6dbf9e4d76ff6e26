import type { ApiError } from "../api/client";
import { Button, Spinner } from "./Button";

export function FullPageSpinner() {
  return (
    <div className="grid min-h-screen place-items-center text-muted" role="status" aria-live="polite">
      <span className="inline-flex items-center gap-3 text-sm">
        <Spinner /> Loading…
      </span>
    </div>
  );
}

export function FullPageError({ error, onRetry }: { error: ApiError; onRetry: () => void }) {
  return (
    <div className="grid min-h-screen place-items-center p-6">
      <div role="alert" className="max-w-md rounded-2xl border border-text/10 bg-surface p-8 text-center">
        <h1 className="text-lg font-semibold">We could not load FlowAI</h1>
        <p className="mt-2 text-sm text-muted">{error.detail}</p>
        {error.requestId && (
          <p className="mt-2 font-mono text-xs text-muted">Request ID: {error.requestId}</p>
        )}
        <Button className="mt-6" onClick={onRetry}>
          Try again
        </Button>
      </div>
    </div>
  );
}
