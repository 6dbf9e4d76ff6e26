import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { FormEvent } from "react";
import { ApiError } from "../../api/client";
import { createApiKey, listApiKeys, revokeApiKey } from "../../api/endpoints";
import { ADMIN_SCOPES, API_KEY_SCOPES, PLATFORM_TENANT } from "../../api/types";
import { useAuth } from "../../auth/AuthContext";
import type { ApiKey, CreatedApiKey } from "../../api/types";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Field, FieldError, FormAlert, inputClass } from "../../components/Field";
import { AlertIcon, CheckIcon, CopyIcon, KeyIcon, PlusIcon } from "../../components/Icons";
import { formatDate, formatDateTime, formatRelative } from "../../lib/format";

export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  read: "Read everything this workspace can see",
  "voice:write": "Create and change cloned voices",
  "editor:write": "Edit projects and timelines",
  "exports:write": "Start video exports",
  "shares:write": "Lock videos and manage shares",
  "webhooks:manage": "Add and remove webhook endpoints",
  admin: "Administer this workspace: brand, domains, members, audit",
  platform: "Create and delete workspaces of the whole service",
};

/** The scopes this person may put on a key: admin powers only for admins, platform only in the
 * platform's own workspace (the server refuses the rest with 403). */
export function grantableScopes(user: { role?: string; tenant: { slug: string } } | null): string[] {
  const isAdmin = user?.role === "admin" || user?.role === "owner";
  return API_KEY_SCOPES.filter(
    (scope) =>
      !ADMIN_SCOPES.includes(scope) || (isAdmin && (scope !== "platform" || user?.tenant.slug === PLATFORM_TENANT)),
  );
}

const MAX_EXPIRY_DAYS = 3650;

type FormErrors = Partial<Record<"name" | "scopes" | "expires_in_days" | "form", string>>;

function keyState(key: ApiKey, now = Date.now()): "active" | "revoked" | "expired" {
  if (key.revoked_at) return "revoked";
  if (key.expires_at && new Date(key.expires_at).getTime() <= now) return "expired";
  return "active";
}

export function ApiKeysPanel() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [toRevoke, setToRevoke] = useState<ApiKey | null>(null);
  const [revoking, setRevoking] = useState(false);
  const [revokeError, setRevokeError] = useState<string | null>(null);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const page = await listApiKeys(signal);
      setKeys(page.items);
      setLoadError(null);
    } catch (err) {
      if (err instanceof ApiError) setLoadError(err);
      else if (!(err instanceof DOMException && err.name === "AbortError")) throw err;
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  const onCreated = (key: CreatedApiKey) => {
    setCreating(false);
    setCreated(key);
    // The list never holds the secret: keep only the public fields.
    const { key: _secret, ...publicFields } = key;
    void _secret;
    setKeys((prev) => [publicFields, ...(prev ?? []).filter((k) => k.id !== key.id)]);
  };

  const confirmRevoke = async () => {
    if (!toRevoke) return;
    setRevoking(true);
    setRevokeError(null);
    try {
      await revokeApiKey(toRevoke.id);
      const revokedAt = new Date().toISOString();
      setKeys((prev) => prev?.map((k) => (k.id === toRevoke.id ? { ...k, revoked_at: revokedAt } : k)) ?? prev);
      if (created?.id === toRevoke.id) setCreated(null);
      setToRevoke(null);
      void load();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setRevokeError(err.detail);
    } finally {
      setRevoking(false);
    }
  };

  return (
    <Card
      title="API keys"
      titleId="apikeys-title"
      description="Let your tools call the FlowAI API. A key can do only what its scopes allow."
      actions={
        !creating && (
          <Button size="sm" onClick={() => setCreating(true)}>
            <PlusIcon className="size-4" />
            Create key
          </Button>
        )
      }
    >
      {created && <NewKeySecret created={created} onDone={() => setCreated(null)} />}
      {creating && <CreateKeyForm onCreated={onCreated} onCancel={() => setCreating(false)} />}

      {loadError && (
        <div role="alert" className="flex items-center justify-between gap-3 px-6 py-4 text-sm text-danger">
          <span>Could not load API keys: {loadError.detail}</span>
          <Button size="sm" variant="secondary" onClick={() => void load()}>
            Retry
          </Button>
        </div>
      )}
      {!loadError && keys === null && (
        <p role="status" className="px-6 py-8 text-sm text-muted">
          Loading API keys…
        </p>
      )}
      {keys && keys.length === 0 && !creating && (
        <div className="flex flex-col items-center px-6 py-10 text-center">
          <span className="grid size-10 place-items-center rounded-full bg-text/5 text-muted">
            <KeyIcon className="size-5" />
          </span>
          <p className="mt-3 text-sm font-medium text-text">No API keys yet</p>
          <p className="mt-1 max-w-sm text-sm text-muted">
            Create a key to call the API from scripts, CI or your own backend.
          </p>
        </div>
      )}
      {keys && keys.length > 0 && <KeysTable keys={keys} onRevoke={(k) => { setRevokeError(null); setToRevoke(k); }} />}

      {toRevoke && (
        <ConfirmDialog
          title={`Revoke “${toRevoke.name}”?`}
          confirmLabel="Revoke key"
          busy={revoking}
          error={revokeError}
          onConfirm={() => void confirmRevoke()}
          onCancel={() => setToRevoke(null)}
        >
          Anything that uses the key <span className="font-mono text-text">{toRevoke.prefix}…</span> stops
          working at once. This cannot be undone.
        </ConfirmDialog>
      )}
    </Card>
  );
}

function KeysTable({ keys, onRevoke }: { keys: ApiKey[]; onRevoke: (key: ApiKey) => void }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" aria-labelledby="apikeys-title">
        <thead className="text-xs uppercase tracking-wide text-muted">
          <tr className="border-b border-text/10">
            <th scope="col" className="px-6 py-3 font-medium">Name</th>
            <th scope="col" className="px-3 py-3 font-medium">Key</th>
            <th scope="col" className="px-3 py-3 font-medium">Scopes</th>
            <th scope="col" className="px-3 py-3 font-medium">Expires</th>
            <th scope="col" className="px-3 py-3 font-medium">Last used</th>
            <th scope="col" className="px-3 py-3 font-medium">Status</th>
            <th scope="col" className="px-6 py-3 text-right font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-text/10">
          {keys.map((key) => {
            const state = keyState(key);
            return (
              <tr key={key.id} className={state === "active" ? "" : "text-muted"}>
                <th scope="row" className="max-w-48 truncate px-6 py-3.5 font-medium text-text">
                  {key.name}
                  <span className="block text-xs font-normal text-muted">Created {formatDate(key.created_at)}</span>
                </th>
                <td className="px-3 py-3.5 font-mono text-xs text-muted">{key.prefix}…</td>
                <td className="px-3 py-3.5">
                  <ul className="flex max-w-64 flex-wrap gap-1" aria-label={`Scopes of ${key.name}`}>
                    {key.scopes.map((scope) => (
                      <li key={scope} className="rounded-md bg-text/5 px-1.5 py-0.5 font-mono text-[11px] text-text/80 ring-1 ring-inset ring-text/10">
                        {scope}
                      </li>
                    ))}
                  </ul>
                </td>
                <td className="whitespace-nowrap px-3 py-3.5 text-muted">
                  {key.expires_at ? <time dateTime={key.expires_at}>{formatDate(key.expires_at)}</time> : "Never"}
                </td>
                <td className="whitespace-nowrap px-3 py-3.5 text-muted">
                  {key.last_used_at ? (
                    <time dateTime={key.last_used_at} title={formatDateTime(key.last_used_at)}>
                      {formatRelative(key.last_used_at)}
                    </time>
                  ) : (
                    "Never"
                  )}
                </td>
                <td className="whitespace-nowrap px-3 py-3.5">
                  {state === "active" && (
                    <span className="inline-flex items-center gap-1.5 text-xs font-medium text-success">
                      <span aria-hidden="true" className="size-1.5 rounded-full bg-success" /> Active
                    </span>
                  )}
                  {state === "revoked" && (
                    <span className="text-xs font-medium text-danger">
                      Revoked <time dateTime={key.revoked_at ?? undefined}>{formatDate(key.revoked_at)}</time>
                    </span>
                  )}
                  {state === "expired" && <span className="text-xs font-medium text-warning">Expired</span>}
                </td>
                <td className="px-6 py-3.5 text-right">
                  {state !== "revoked" && (
                    <Button size="sm" variant="ghost" aria-label={`Revoke key ${key.name}`} onClick={() => onRevoke(key)}>
                      Revoke
                    </Button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function CreateKeyForm({ onCreated, onCancel }: { onCreated: (key: CreatedApiKey) => void; onCancel: () => void }) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["read"]);
  const { user } = useAuth();
  const [expiry, setExpiry] = useState("90");
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  const scopesErrorId = useId();

  const toggle = (scope: string) =>
    setScopes((prev) => (prev.includes(scope) ? prev.filter((s) => s !== scope) : [...prev, scope]));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const next: FormErrors = {};
    if (!name.trim()) next.name = "Give the key a name, like “CI deploys”.";
    else if (name.trim().length > 100) next.name = "Use 100 characters or fewer.";
    if (scopes.length === 0) next.scopes = "Choose at least one scope.";
    let days: number | null = null;
    if (expiry.trim() !== "") {
      days = Number(expiry);
      if (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS)
        next.expires_in_days = `Enter a whole number of days from 1 to ${MAX_EXPIRY_DAYS}, or leave it empty.`;
    }
    setErrors(next);
    if (Object.keys(next).length) return;
    setBusy(true);
    try {
      // Keep the scopes in their canonical order.
      const ordered = API_KEY_SCOPES.filter((s) => scopes.includes(s));
      onCreated(await createApiKey({ name: name.trim(), scopes: ordered, expires_in_days: days }));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const f = err.fieldErrors;
      const scopeMessage = f.scopes ?? Object.entries(f).find(([k]) => k.startsWith("scopes"))?.[1];
      setErrors({
        name: f.name,
        scopes: scopeMessage,
        expires_in_days: f.expires_in_days,
        form: f.name || scopeMessage || f.expires_in_days ? undefined : err.detail,
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      noValidate
      onSubmit={onSubmit}
      aria-label="Create API key"
      className="grid gap-5 border-b border-text/10 bg-background/30 px-6 py-5"
    >
      {errors.form && <FormAlert>{errors.form}</FormAlert>}
      <div className="grid gap-5 md:grid-cols-2">
        <Field
          label="Key name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.name}
          placeholder="CI deploys"
          autoFocus
          maxLength={120}
        />
        <Field
          label="Expires after (days)"
          type="number"
          inputMode="numeric"
          min={1}
          max={MAX_EXPIRY_DAYS}
          value={expiry}
          onChange={(e) => setExpiry(e.target.value)}
          error={errors.expires_in_days}
          hint="Leave empty for a key that never expires."
        />
      </div>
      <fieldset aria-describedby={errors.scopes ? scopesErrorId : undefined}>
        <legend className="mb-2 text-sm font-medium text-text">Scopes</legend>
        <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-3">
          {grantableScopes(user).map((scope) => (
            <label
              key={scope}
              className="flex cursor-pointer items-start gap-3 rounded-lg border border-text/10 bg-surface px-3 py-2.5 transition hover:border-text/25 has-checked:border-primary/60 has-checked:bg-primary/10"
            >
              <input
                type="checkbox"
                className="mt-0.5 size-4 accent-primary"
                checked={scopes.includes(scope)}
                onChange={() => toggle(scope)}
              />
              <span className="min-w-0">
                <span className="block font-mono text-xs text-text">{scope}</span>
                <span className="block text-xs text-muted">{SCOPE_DESCRIPTIONS[scope]}</span>
              </span>
            </label>
          ))}
        </div>
        {errors.scopes && <FieldError id={scopesErrorId}>{errors.scopes}</FieldError>}
      </fieldset>
      <div className="flex justify-end gap-3">
        <Button variant="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
        <Button type="submit" busy={busy}>
          Create key
        </Button>
      </div>
    </form>
  );
}

/** The full secret, shown once right after creation. */
function NewKeySecret({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const headingId = useId();

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied(true);
    } catch {
      // No clipboard permission (plain http, old browser): select it so Ctrl+C works.
      inputRef.current?.select();
    }
  };

  return (
    <section aria-labelledby={headingId} className="border-b border-text/10 bg-success/5 px-6 py-5">
      <h3 id={headingId} className="flex items-center gap-2 text-sm font-semibold text-text">
        <CheckIcon className="size-4 text-success" /> Key “{created.name}” created
      </h3>
      <p role="alert" className="mt-2 flex items-start gap-2 text-sm text-warning">
        <AlertIcon className="mt-0.5 size-4 shrink-0" />
        Copy this key now and keep it somewhere safe. For your security it will not be shown again.
      </p>
      <div className="mt-3 flex gap-2">
        <input
          ref={inputRef}
          readOnly
          value={created.key}
          aria-label="New API key"
          onFocus={(e) => e.currentTarget.select()}
          className={`${inputClass} font-mono`}
        />
        <Button variant="secondary" onClick={() => void copy()} aria-label={copied ? "Copied" : "Copy API key"}>
          {copied ? <CheckIcon className="size-4 text-success" /> : <CopyIcon className="size-4" />}
          {copied ? "Copied" : "Copy"}
        </Button>
        <Button onClick={onDone}>I have saved it</Button>
      </div>
    </section>
  );
}
