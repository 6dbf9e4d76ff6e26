import { useCallback, useEffect, useState } from "react";
import type { FormEvent } from "react";
import { ApiError } from "../../api/client";
import { addDomain, listDomains, removeDomain, verifyDomain } from "../../api/endpoints";
import type { Domain } from "../../api/types";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Field } from "../../components/Field";
import { CopyButton } from "../../components/CopyButton";
import { PlusIcon } from "../../components/Icons";
import { formatDateTime, formatRelative } from "../../lib/format";
import { Badge, Empty, LoadError, Loading, isAbort, messageOf } from "./common";

const HOST_RE = /^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i;

/** "https://AI.Example.com/path" → "ai.example.com" (people paste URLs). */
export function cleanHost(value: string): string {
  return value
    .trim()
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/[/?#].*$/, "")
    .replace(/\.$/, "")
    .toLowerCase();
}

export function DomainsPanel() {
  const [domains, setDomains] = useState<Domain[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [toRemove, setToRemove] = useState<Domain | null>(null);
  const [removing, setRemoving] = useState(false);
  const [removeError, setRemoveError] = useState<string | null>(null);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      setDomains(await listDomains(signal));
      setLoadError(null);
    } catch (err) {
      if (!isAbort(err)) setLoadError(err);
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  const replace = (d: Domain) =>
    setDomains((prev) => {
      const list = prev ?? [];
      return list.some((x) => x.host === d.host) ? list.map((x) => (x.host === d.host ? d : x)) : [...list, d];
    });

  const confirmRemove = async () => {
    if (!toRemove) return;
    setRemoving(true);
    setRemoveError(null);
    try {
      await removeDomain(toRemove.host);
      setDomains((prev) => prev?.filter((d) => d.host !== toRemove.host) ?? prev);
      setToRemove(null);
    } catch (err) {
      setRemoveError(messageOf(err));
    } finally {
      setRemoving(false);
    }
  };

  return (
    <Card
      title="Domains"
      titleId="domains-title"
      description="Where the workspace is served. A custom domain goes live once its DNS TXT record is verified."
    >
      <AddDomainForm onAdded={replace} />
      {loadError !== null && <LoadError what="domains" error={loadError} onRetry={() => void load()} />}
      {loadError === null && domains === null && <Loading>Loading domains…</Loading>}
      {domains && domains.length === 0 && <Empty title="No domains yet" />}
      {domains && domains.length > 0 && (
        <ul aria-label="Domains" className="divide-y divide-text/10">
          {domains.map((d) => (
            <DomainRow
              key={d.host}
              domain={d}
              onChange={replace}
              onRemove={() => {
                setRemoveError(null);
                setToRemove(d);
              }}
            />
          ))}
        </ul>
      )}
      {toRemove && (
        <ConfirmDialog
          title={`Remove ${toRemove.host}?`}
          confirmLabel="Remove domain"
          busy={removing}
          error={removeError}
          onConfirm={() => void confirmRemove()}
          onCancel={() => setToRemove(null)}
        >
          The workspace stops answering on <span className="font-mono text-text">{toRemove.host}</span> at once.
          Adding it again needs a new verification.
        </ConfirmDialog>
      )}
    </Card>
  );
}

function AddDomainForm({ onAdded }: { onAdded: (d: Domain) => void }) {
  const [host, setHost] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const clean = cleanHost(host);
    if (!HOST_RE.test(clean)) {
      setError("Enter a domain name like ai.example.com.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onAdded(await addDomain(clean));
      setHost("");
    } catch (err) {
      if (err instanceof ApiError) setError(err.fieldErrors.host ?? err.detail);
      else setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      noValidate
      onSubmit={onSubmit}
      aria-label="Add a custom domain"
      className="flex flex-wrap items-start gap-3 border-b border-text/10 bg-background/30 px-6 py-4"
    >
      <Field
        label="Custom domain"
        className="min-w-64 flex-1"
        value={host}
        placeholder="ai.example.com"
        autoComplete="off"
        spellCheck={false}
        error={error}
        hint="Add the domain here, then create the TXT record it shows at your DNS provider."
        onChange={(e) => {
          setHost(e.target.value);
          setError(undefined);
        }}
      />
      <Button type="submit" busy={busy} className="mt-6.5">
        {!busy && <PlusIcon className="size-4" />}
        Add domain
      </Button>
    </form>
  );
}

function DomainRow({ domain, onChange, onRemove }: { domain: Domain; onChange: (d: Domain) => void; onRemove: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [checkedNow, setCheckedNow] = useState(false);

  const verify = async () => {
    setBusy(true);
    setError(null);
    setCheckedNow(false);
    try {
      onChange(await verifyDomain(domain.host));
      setCheckedNow(true);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const pending = !domain.verified;
  return (
    <li className="px-6 py-4" aria-label={domain.host}>
      <div className="flex flex-wrap items-center gap-3">
        <span className="font-mono text-sm font-medium text-text">{domain.host}</span>
        <Badge tone="muted">{domain.kind === "subdomain" ? "Subdomain" : "Custom"}</Badge>
        {domain.verified ? (
          <Badge tone="success">Verified</Badge>
        ) : (
          <Badge tone="warning">Pending verification</Badge>
        )}
        <span className="ml-auto flex gap-2">
          {pending && (
            <Button size="sm" variant="secondary" busy={busy} onClick={() => void verify()} aria-label={`Verify ${domain.host} now`}>
              Verify now
            </Button>
          )}
          {domain.kind !== "subdomain" && (
            <Button size="sm" variant="ghost" onClick={onRemove} aria-label={`Remove ${domain.host}`}>
              Remove
            </Button>
          )}
        </span>
      </div>
      <p className="mt-1 text-xs text-muted">
        {domain.verified && domain.verified_at && (
          <>
            Verified <time dateTime={domain.verified_at}>{formatDateTime(domain.verified_at)}</time>.{" "}
          </>
        )}
        {domain.kind === "subdomain" && "Your workspace's own address; it cannot be removed. "}
        {domain.last_checked_at && (
          <>
            Last checked{" "}
            <time dateTime={domain.last_checked_at} title={formatDateTime(domain.last_checked_at)}>
              {formatRelative(domain.last_checked_at)}
            </time>
            .
          </>
        )}
        {pending && !domain.last_checked_at && "Not checked yet."}
      </p>
      {pending && domain.txt_record && domain.txt_value && (
        <div className="mt-3 rounded-xl border border-warning/30 bg-warning/5 p-4">
          <p className="text-sm text-text">
            At your DNS provider, create this <strong>TXT</strong> record, then press “Verify now”. DNS changes can take
            a few minutes to appear.
          </p>
          <dl className="mt-3 grid gap-2 text-sm">
            <RecordLine term="Name" value={domain.txt_record} label={`TXT record name for ${domain.host}`} />
            <RecordLine term="Value" value={domain.txt_value} label={`TXT record value for ${domain.host}`} />
          </dl>
        </div>
      )}
      {pending && domain.last_error && (
        <p className="mt-2 text-sm text-danger">Last check failed: {domain.last_error}</p>
      )}
      {checkedNow && pending && (
        <p role="status" className="mt-2 text-sm text-warning">
          Not verified yet. Check the record and try again in a few minutes.
        </p>
      )}
      {checkedNow && domain.verified && (
        <p role="status" className="mt-2 text-sm text-success">
          Verified: the workspace now answers on {domain.host}.
        </p>
      )}
      {error && (
        <p role="alert" className="mt-2 text-sm text-danger">
          {error}
        </p>
      )}
    </li>
  );
}

function RecordLine({ term, value, label }: { term: string; value: string; label: string }) {
  return (
    <div className="flex flex-wrap items-center gap-2">
      <dt className="w-14 shrink-0 text-muted">{term}</dt>
      <dd className="flex min-w-0 flex-1 items-center gap-2">
        <code className="min-w-0 flex-1 break-all rounded-md bg-background/60 px-2 py-1 font-mono text-xs text-text select-all">
          {value}
        </code>
        <CopyButton value={value} label={label} />
      </dd>
    </div>
  );
}
