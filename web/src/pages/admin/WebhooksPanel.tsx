import { Fragment, useCallback, useEffect, useId, useRef, useState } from "react";
import type { FormEvent } from "react";
import { ApiError } from "../../api/client";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookDelivery,
  listWebhookDeliveries,
  listWebhookEndpoints,
  listWebhookEventTypes,
  replayWebhookDelivery,
  rotateWebhookSecret,
  sendWebhookTest,
  updateWebhookEndpoint,
} from "../../api/endpoints";
import type {
  WebhookDelivery,
  WebhookDeliveryDetail,
  WebhookEndpoint,
  WebhookFormat,
} from "../../api/types";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { CopyButton } from "../../components/CopyButton";
import { Field, FieldError, FormAlert, inputClass } from "../../components/Field";
import { AlertIcon, CheckIcon, PlusIcon } from "../../components/Icons";
import { formatDateTime, formatRelative } from "../../lib/format";
import { Badge, Empty, LoadError, Loading, isAbort, messageOf, tdClass, thClass } from "./common";

/** The server's list (webhooks/service.py EVENT_TYPES), used until GET /v1/webhooks/event-types answers. */
export const KNOWN_EVENT_TYPES = [
  "voice.clone.ready",
  "voice.clone.failed",
  "export.succeeded",
  "export.failed",
  "shares.purchased",
  "royalties.deposited",
  "tenant.domain.verified",
];
const ROTATE_OVERLAP_S = 86400;

export function WebhooksPanel() {
  const [endpoints, setEndpoints] = useState<WebhookEndpoint[] | null>(null);
  const [eventTypes, setEventTypes] = useState<string[]>(KNOWN_EVENT_TYPES);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ title: string; value: string } | null>(null);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const page = await listWebhookEndpoints(signal);
      setEndpoints(page.items);
      setLoadError(null);
    } catch (err) {
      if (!isAbort(err)) setLoadError(err);
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    listWebhookEventTypes(controller.signal).then(
      (types) => types.length && setEventTypes(types.map((t) => t.type)),
      () => {
        /* keep the known list */
      },
    );
    return () => controller.abort();
  }, [load]);

  const replace = (e: WebhookEndpoint) =>
    setEndpoints((prev) => {
      const list = prev ?? [];
      return list.some((x) => x.id === e.id) ? list.map((x) => (x.id === e.id ? e : x)) : [e, ...list];
    });

  return (
    <Card
      title="Webhooks"
      titleId="webhooks-title"
      description="Tell your systems when voices, exports, shares and domains change. Deliveries are signed (Standard Webhooks) and retried."
      actions={
        !creating && (
          <Button size="sm" onClick={() => setCreating(true)}>
            <PlusIcon className="size-4" />
            Add endpoint
          </Button>
        )
      }
    >
      {secret && <SecretOnce title={secret.title} secret={secret.value} onDone={() => setSecret(null)} />}
      {creating && (
        <EndpointForm
          eventTypes={eventTypes}
          onCancel={() => setCreating(false)}
          onCreated={(created) => {
            const { secret: value, ...endpoint } = created;
            replace(endpoint);
            setCreating(false);
            setSecret({ title: `Endpoint ${endpoint.url} added`, value });
          }}
        />
      )}
      {loadError !== null && <LoadError what="webhook endpoints" error={loadError} onRetry={() => void load()} />}
      {loadError === null && endpoints === null && <Loading>Loading webhook endpoints…</Loading>}
      {endpoints && endpoints.length === 0 && !creating && (
        <Empty title="No endpoints yet">Add a URL that should receive events, or a Slack incoming-webhook URL.</Empty>
      )}
      {endpoints && endpoints.length > 0 && (
        <ul aria-label="Webhook endpoints" className="divide-y divide-text/10">
          {endpoints.map((e) => (
            <EndpointRow
              key={e.id}
              endpoint={e}
              onChange={replace}
              onDeleted={() => setEndpoints((prev) => prev?.filter((x) => x.id !== e.id) ?? prev)}
              onSecret={(value) => setSecret({ title: `New signing secret for ${e.url}`, value })}
            />
          ))}
        </ul>
      )}
    </Card>
  );
}

type FormatChoice = "auto" | WebhookFormat;

function EndpointForm({
  eventTypes,
  onCreated,
  onCancel,
}: {
  eventTypes: string[];
  onCreated: (e: WebhookEndpoint & { secret: string }) => void;
  onCancel: () => void;
}) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [selected, setSelected] = useState<string[]>([]);
  const [format, setFormat] = useState<FormatChoice>("auto");
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [busy, setBusy] = useState(false);
  const eventsErrorId = useId();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const next: Record<string, string | undefined> = {};
    if (!/^https?:\/\/[^\s/]+/i.test(url.trim())) next.url = "Enter the full URL, starting with https://.";
    setErrors(next);
    if (next.url) return;
    setBusy(true);
    try {
      onCreated(
        await createWebhookEndpoint({
          url: url.trim(),
          description: description.trim(),
          event_types: eventTypes.filter((t) => selected.includes(t)),
          format: format === "auto" ? null : format,
        }),
      );
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const f = err.fieldErrors;
      const eventsMsg = f.event_types ?? Object.entries(f).find(([k]) => k.startsWith("event_types"))?.[1];
      setErrors({
        url: f.url,
        description: f.description,
        event_types: eventsMsg,
        format: f.format,
        form: f.url || f.description || eventsMsg || f.format ? undefined : err.detail,
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      noValidate
      onSubmit={onSubmit}
      aria-label="Add webhook endpoint"
      className="grid gap-5 border-b border-text/10 bg-background/30 px-6 py-5"
    >
      {errors.form && <FormAlert>{errors.form}</FormAlert>}
      <div className="grid gap-5 md:grid-cols-2">
        <Field
          label="Endpoint URL"
          type="url"
          value={url}
          placeholder="https://example.com/webhooks/flowai"
          autoFocus
          spellCheck={false}
          error={errors.url}
          onChange={(e) => setUrl(e.target.value)}
          hint="Public addresses only. A hooks.slack.com URL gets Slack-formatted messages."
        />
        <Field
          label="Description"
          value={description}
          maxLength={500}
          placeholder="Production notifications"
          error={errors.description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </div>
      <fieldset aria-describedby={errors.event_types ? eventsErrorId : undefined}>
        <legend className="mb-1 text-sm font-medium text-text">Events</legend>
        <p className="mb-2 text-xs text-muted">Leave all unticked to receive every event, including ones added later.</p>
        <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-3">
          {eventTypes.map((t) => (
            <label
              key={t}
              className="flex cursor-pointer items-center gap-3 rounded-lg border border-text/10 bg-surface px-3 py-2 has-checked:border-primary/60 has-checked:bg-primary/10"
            >
              <input
                type="checkbox"
                className="size-4 accent-primary"
                checked={selected.includes(t)}
                onChange={() => setSelected((prev) => (prev.includes(t) ? prev.filter((x) => x !== t) : [...prev, t]))}
              />
              <span className="font-mono text-xs text-text">{t}</span>
            </label>
          ))}
        </div>
        {errors.event_types && <FieldError id={eventsErrorId}>{errors.event_types}</FieldError>}
      </fieldset>
      <fieldset>
        <legend className="mb-2 text-sm font-medium text-text">Format</legend>
        <div className="flex flex-wrap gap-4 text-sm text-text">
          {(
            [
              ["auto", "Automatic (Slack for hooks.slack.com)"],
              ["standard", "Standard Webhooks JSON"],
              ["slack", "Slack message"],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className="flex cursor-pointer items-center gap-2">
              <input
                type="radio"
                name="webhook-format"
                className="size-4 accent-primary"
                checked={format === value}
                onChange={() => setFormat(value)}
              />
              {label}
            </label>
          ))}
        </div>
        {errors.format && <FieldError>{errors.format}</FieldError>}
      </fieldset>
      <div className="flex justify-end gap-3">
        <Button variant="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
        <Button type="submit" busy={busy}>
          Add endpoint
        </Button>
      </div>
    </form>
  );
}

/** A signing secret, shown once (after creating an endpoint or rotating its secret). */
function SecretOnce({ title, secret, onDone }: { title: string; secret: string; onDone: () => void }) {
  const headingId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  return (
    <section aria-labelledby={headingId} className="border-b border-text/10 bg-success/5 px-6 py-5">
      <h3 id={headingId} className="flex items-center gap-2 text-sm font-semibold text-text">
        <CheckIcon className="size-4 text-success" /> {title}
      </h3>
      <p role="alert" className="mt-2 flex items-start gap-2 text-sm text-warning">
        <AlertIcon className="mt-0.5 size-4 shrink-0" />
        Copy the signing secret now: your receiver needs it to verify signatures, and it is not shown here again.
      </p>
      <div className="mt-3 flex gap-2">
        <input
          ref={inputRef}
          readOnly
          value={secret}
          aria-label="Signing secret"
          onFocus={(e) => e.currentTarget.select()}
          className={`${inputClass} font-mono`}
        />
        <CopyButton value={secret} label="signing secret" size="md" />
        <Button onClick={onDone}>I have saved it</Button>
      </div>
    </section>
  );
}

type Pending = "delete" | "rotate" | null;

function EndpointRow({
  endpoint,
  onChange,
  onDeleted,
  onSecret,
}: {
  endpoint: WebhookEndpoint;
  onChange: (e: WebhookEndpoint) => void;
  onDeleted: () => void;
  onSecret: (secret: string) => void;
}) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Pending>(null);
  const [confirmError, setConfirmError] = useState<string | null>(null);
  const [showLog, setShowLog] = useState(false);
  const [logVersion, setLogVersion] = useState(0);
  const logId = useId();
  const name = endpoint.description || endpoint.url;

  const act = async (what: string, fn: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    setNotice(null);
    try {
      await fn();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(null);
    }
  };

  const toggle = () =>
    act("toggle", async () => {
      onChange(await updateWebhookEndpoint(endpoint.id, { enabled: !endpoint.enabled }));
      setNotice(endpoint.enabled ? "Endpoint disabled: no events are sent to it." : "Endpoint enabled.");
    });

  const test = () =>
    act("test", async () => {
      await sendWebhookTest(endpoint.id);
      setNotice("Test event queued. Its delivery appears in the log below.");
      setShowLog(true);
      setLogVersion((v) => v + 1);
    });

  const runConfirmed = async () => {
    setBusy(confirm);
    setConfirmError(null);
    try {
      if (confirm === "delete") {
        await deleteWebhookEndpoint(endpoint.id);
        setConfirm(null);
        onDeleted();
        return;
      }
      if (confirm === "rotate") {
        const s = await rotateWebhookSecret(endpoint.id, ROTATE_OVERLAP_S);
        onChange({ ...endpoint, previous_secret_expires_at: s.previous_secret_expires_at });
        setConfirm(null);
        onSecret(s.secret);
      }
    } catch (err) {
      setConfirmError(messageOf(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <li className="px-6 py-4" aria-label={name}>
      <div className="flex flex-wrap items-start gap-3">
        <div className="min-w-0 flex-1">
          <p className="flex flex-wrap items-center gap-2">
            <span className="break-all font-mono text-sm font-medium text-text">{endpoint.url}</span>
            {endpoint.enabled ? <Badge tone="success">Enabled</Badge> : <Badge tone="danger">Disabled</Badge>}
            <Badge tone="muted">{endpoint.format === "slack" ? "Slack" : "Standard"}</Badge>
          </p>
          {endpoint.description && <p className="mt-0.5 text-sm text-muted">{endpoint.description}</p>}
          <p className="mt-1.5 flex flex-wrap gap-1">
            {endpoint.event_types.length === 0 ? (
              <span className="text-xs text-muted">All events</span>
            ) : (
              endpoint.event_types.map((t) => (
                <span key={t} className="rounded-md bg-text/5 px-1.5 py-0.5 font-mono text-[11px] text-text/80 ring-1 ring-inset ring-text/10">
                  {t}
                </span>
              ))
            )}
          </p>
          {!endpoint.enabled && endpoint.disabled_reason && (
            <p className="mt-1.5 text-xs text-danger">
              Disabled {endpoint.disabled_at ? formatRelative(endpoint.disabled_at) : ""}: {endpoint.disabled_reason}
            </p>
          )}
          {endpoint.enabled && endpoint.failing_since && (
            <p className="mt-1.5 text-xs text-warning">
              Failing since {formatDateTime(endpoint.failing_since)}; it is disabled after 5 days of failures.
            </p>
          )}
          {endpoint.previous_secret_expires_at && new Date(endpoint.previous_secret_expires_at).getTime() > Date.now() && (
            <p className="mt-1.5 text-xs text-muted">
              The previous secret also signs until {formatDateTime(endpoint.previous_secret_expires_at)}.
            </p>
          )}
        </div>
        <div className="flex flex-wrap gap-2">
          <Button size="sm" variant="secondary" busy={busy === "test"} disabled={!endpoint.enabled} onClick={() => void test()} aria-label={`Send test event to ${name}`}>
            Send test
          </Button>
          <Button
            size="sm"
            variant="secondary"
            aria-expanded={showLog}
            aria-controls={logId}
            onClick={() => setShowLog((v) => !v)}
            aria-label={`Delivery log of ${name}`}
          >
            {showLog ? "Hide log" : "Delivery log"}
          </Button>
          <Button size="sm" variant="secondary" busy={busy === "toggle"} onClick={() => void toggle()} aria-label={`${endpoint.enabled ? "Disable" : "Enable"} ${name}`}>
            {endpoint.enabled ? "Disable" : "Enable"}
          </Button>
          <Button size="sm" variant="ghost" onClick={() => { setConfirmError(null); setConfirm("rotate"); }} aria-label={`Rotate secret of ${name}`}>
            Rotate secret
          </Button>
          <Button size="sm" variant="ghost" onClick={() => { setConfirmError(null); setConfirm("delete"); }} aria-label={`Delete ${name}`}>
            Delete
          </Button>
        </div>
      </div>
      {notice && (
        <p role="status" className="mt-2 text-sm text-success">
          {notice}
        </p>
      )}
      {error && (
        <p role="alert" className="mt-2 text-sm text-danger">
          {error}
        </p>
      )}
      <div id={logId}>{showLog && <DeliveryLog endpointId={endpoint.id} name={name} version={logVersion} />}</div>
      {confirm && (
        <ConfirmDialog
          title={confirm === "delete" ? `Delete the endpoint ${name}?` : `Rotate the signing secret of ${name}?`}
          confirmLabel={confirm === "delete" ? "Delete endpoint" : "Rotate secret"}
          busy={busy === confirm}
          error={confirmError}
          onConfirm={() => void runConfirmed()}
          onCancel={() => setConfirm(null)}
        >
          {confirm === "delete"
            ? "No more events are sent to it, and its delivery log is deleted. This cannot be undone."
            : "A new secret starts signing now. For 24 hours deliveries carry signatures with both the old and the new secret, so you can update your receiver without missing events."}
        </ConfirmDialog>
      )}
    </li>
  );
}

function deliveryTone(status: string): "success" | "danger" | "warning" | "muted" {
  if (status === "succeeded") return "success";
  if (status === "failed") return "danger";
  if (status === "pending") return "warning";
  return "muted";
}

function DeliveryLog({ endpointId, name, version }: { endpointId: string; name: string; version: number }) {
  const [items, setItems] = useState<WebhookDelivery[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const titleId = useId();

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const page = await listWebhookDeliveries(endpointId, null, signal);
        setItems(page.items);
        setCursor(page.next_cursor);
        setError(null);
      } catch (err) {
        if (!isAbort(err)) setError(err);
      }
    },
    [endpointId],
  );

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load, version]);

  // While a delivery is still pending, look again now and then.
  const pending = items?.some((d) => d.status === "pending") ?? false;
  useEffect(() => {
    if (!pending) return;
    const t = setInterval(() => void load(), 4000);
    return () => clearInterval(t);
  }, [pending, load]);

  const more = async () => {
    setBusy(true);
    try {
      const page = await listWebhookDeliveries(endpointId, cursor);
      setItems((prev) => [...(prev ?? []), ...page.items.filter((d) => !prev?.some((p) => p.id === d.id))]);
      setCursor(page.next_cursor);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const replay = async (d: WebhookDelivery) => {
    setNotice(null);
    setActionError(null);
    try {
      const again = await replayWebhookDelivery(d.id);
      setItems((prev) => [again, ...(prev ?? []).filter((x) => x.id !== again.id)]);
      setNotice(`Replay of ${d.event_type} queued (same webhook-id ${d.event_id}).`);
    } catch (err) {
      setActionError(`Could not replay: ${messageOf(err)}`);
    }
  };

  return (
    <section aria-labelledby={titleId} className="mt-4 overflow-hidden rounded-xl border border-text/10 bg-background/30">
      <div className="flex items-center justify-between gap-3 border-b border-text/10 px-4 py-2.5">
        <h4 id={titleId} className="text-sm font-medium text-text">
          Deliveries to {name}
        </h4>
        <Button size="sm" variant="ghost" onClick={() => void load()}>
          Refresh
        </Button>
      </div>
      {notice && (
        <p role="status" className="px-4 pt-3 text-sm text-success">
          {notice}
        </p>
      )}
      {actionError && (
        <p role="alert" className="px-4 pt-3 text-sm text-danger">
          {actionError}
        </p>
      )}
      {error !== null && <LoadError what="deliveries" error={error} onRetry={() => void load()} />}
      {error === null && items === null && <Loading>Loading deliveries…</Loading>}
      {items && items.length === 0 && <Empty title="No deliveries yet">Send a test event to see one here.</Empty>}
      {items && items.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm" aria-labelledby={titleId}>
            <thead className="text-xs uppercase tracking-wide text-muted">
              <tr className="border-b border-text/10">
                <th scope="col" className={thClass}>Time</th>
                <th scope="col" className={thClass}>Event</th>
                <th scope="col" className={thClass}>Status</th>
                <th scope="col" className={thClass}>Code</th>
                <th scope="col" className={thClass}>Attempts</th>
                <th scope="col" className={thClass}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-text/10">
              {items.map((d) => (
                <Fragment key={d.id}>
                  <tr>
                    <td className={`${tdClass} whitespace-nowrap text-muted`}>
                      <time dateTime={d.created_at} title={formatDateTime(d.created_at)}>
                        {formatRelative(d.created_at)}
                      </time>
                    </td>
                    <td className={`${tdClass} font-mono text-xs text-text`}>
                      {d.event_type}
                      {d.replay_of && <span className="ml-1.5 font-sans text-muted">(replay)</span>}
                    </td>
                    <td className={tdClass}>
                      <Badge tone={deliveryTone(d.status)}>{d.status}</Badge>
                      {d.status === "pending" && d.next_attempt_at && (
                        <span className="ml-2 text-xs text-muted">next {formatRelative(d.next_attempt_at)}</span>
                      )}
                    </td>
                    <td className={`${tdClass} font-mono text-xs`}>{d.last_status_code ?? "—"}</td>
                    <td className={`${tdClass} text-muted`}>{d.attempts}</td>
                    <td className={`${tdClass} whitespace-nowrap text-right`}>
                      <Button
                        size="sm"
                        variant="ghost"
                        aria-expanded={open === d.id}
                        onClick={() => setOpen(open === d.id ? null : d.id)}
                        aria-label={`Details of delivery ${d.id}`}
                      >
                        Details
                      </Button>
                      <Button size="sm" variant="ghost" onClick={() => void replay(d)} aria-label={`Replay delivery ${d.id}`}>
                        Replay
                      </Button>
                    </td>
                  </tr>
                  {open === d.id && (
                    <tr>
                      <td colSpan={6} className="bg-background/40 px-6 py-3">
                        <DeliveryDetailView id={d.id} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <div className="border-t border-text/10 px-4 py-2.5 text-center">
          <Button size="sm" variant="secondary" busy={busy} onClick={() => void more()}>
            Load more deliveries
          </Button>
        </div>
      )}
    </section>
  );
}

function DeliveryDetailView({ id }: { id: string }) {
  const [detail, setDetail] = useState<WebhookDeliveryDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const controller = new AbortController();
    getWebhookDelivery(id, controller.signal).then(setDetail, (err) => !isAbort(err) && setError(err));
    return () => controller.abort();
  }, [id]);
  if (error) return <p role="alert" className="text-sm text-danger">Could not load the delivery: {messageOf(error)}</p>;
  if (!detail) return <p role="status" className="text-sm text-muted">Loading attempts…</p>;
  return (
    <div className="grid gap-2 text-xs">
      <p className="text-muted">
        webhook-id <span className="font-mono text-text">{detail.event_id}</span>
        {detail.last_error && <span className="ml-2 text-danger">{detail.last_error}</span>}
      </p>
      {detail.log.length === 0 ? (
        <p className="text-muted">No attempts yet.</p>
      ) : (
        <ol aria-label={`Attempts of delivery ${detail.id}`} className="grid gap-2">
          {detail.log.map((a) => (
            <li key={a.attempt} className="rounded-lg border border-text/10 bg-surface px-3 py-2">
              <p className="flex flex-wrap gap-3 text-muted">
                <span className="font-medium text-text">Attempt {a.attempt}</span>
                <span>
                  HTTP <span className="font-mono text-text">{a.status_code ?? "—"}</span>
                </span>
                <time dateTime={a.created_at}>{formatDateTime(a.created_at)}</time>
                <span>{a.duration_ms} ms</span>
                {a.next_attempt_at && <span>next try {formatRelative(a.next_attempt_at)}</span>}
              </p>
              {a.error && <p className="mt-1 text-danger">{a.error}</p>}
              {a.response_body && (
                <pre className="mt-1.5 max-h-32 overflow-auto whitespace-pre-wrap break-all rounded-md bg-background/60 p-2 font-mono text-[11px] text-text/80">
                  {a.response_body}
                </pre>
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
