import { useCallback, useEffect, useState } from "react";
import { listAudit } from "../../api/endpoints";
import type { AuditEntry } from "../../api/types";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { formatDateTime } from "../../lib/format";
import { Empty, LoadError, Loading, isAbort, tdClass, thClass } from "./common";

export function AuditPanel() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const page = await listAudit(null, signal);
      setEntries(page.items);
      setCursor(page.next_cursor);
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

  const more = async () => {
    setLoadingMore(true);
    try {
      const page = await listAudit(cursor);
      setEntries((prev) => [...(prev ?? []), ...page.items.filter((e) => !prev?.some((p) => p.id === e.id))]);
      setCursor(page.next_cursor);
      setError(null);
    } catch (err) {
      setError(err);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <Card title="Audit log" titleId="audit-title" description="Every administrative change in this workspace.">
      {error !== null && <LoadError what="the audit log" error={error} onRetry={() => void (entries ? more() : load())} />}
      {error === null && entries === null && <Loading>Loading the audit log…</Loading>}
      {entries && entries.length === 0 && <Empty title="Nothing yet">Brand, domain and role changes appear here.</Empty>}
      {entries && entries.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm" aria-labelledby="audit-title">
            <thead className="text-xs uppercase tracking-wide text-muted">
              <tr className="border-b border-text/10">
                <th scope="col" className={thClass}>Time</th>
                <th scope="col" className={thClass}>Actor</th>
                <th scope="col" className={thClass}>Action</th>
                <th scope="col" className={thClass}>Target</th>
                <th scope="col" className={thClass}>Details</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-text/10">
              {entries.map((e) => (
                <tr key={e.id}>
                  <td className={`${tdClass} whitespace-nowrap text-muted`}>
                    <time dateTime={e.created_at}>{formatDateTime(e.created_at)}</time>
                  </td>
                  <td className={`${tdClass} font-mono text-xs text-muted`}>{e.actor_id ?? "system"}</td>
                  <td className={`${tdClass} font-mono text-xs text-text`}>{e.action}</td>
                  <td className={`${tdClass} max-w-56 truncate font-mono text-xs text-text`} title={e.target ?? undefined}>
                    {e.target ?? "—"}
                  </td>
                  <td className={`${tdClass} max-w-72 truncate font-mono text-xs text-muted`} title={JSON.stringify(e.data ?? {})}>
                    {Object.keys(e.data ?? {}).length ? JSON.stringify(e.data) : ""}
                    {e.ip && <span className="ml-2">from {e.ip}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && entries && (
        <div className="border-t border-text/10 px-6 py-3 text-center">
          <Button size="sm" variant="secondary" busy={loadingMore} onClick={() => void more()}>
            Load more
          </Button>
        </div>
      )}
    </Card>
  );
}
