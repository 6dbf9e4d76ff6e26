/** Members → "Invite by email": an admin invites an address with a role; pending invites can be withdrawn. */
import { useCallback, useEffect, useId, useState } from "react";
import type { FormEvent } from "react";
import { ApiError } from "../../api/client";
import { createInvite, listInvites, revokeInvite } from "../../api/endpoints";
import type { CreatedInvite, Invite } from "../../api/types";
import { Button } from "../../components/Button";
import { CopyButton } from "../../components/CopyButton";
import { Field, FormAlert } from "../../components/Field";
import { formatDate } from "../../lib/format";
import { isAbort, messageOf } from "./common";

export function InvitesPanel() {
  const roleId = useId();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("member");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [created, setCreated] = useState<CreatedInvite | null>(null);
  const [pending, setPending] = useState<Invite[]>([]);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      setPending((await listInvites(signal)).items);
    } catch (err) {
      if (!isAbort(err)) setError(messageOf(err));
    }
  }, []);
  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setCreated(null);
    if (!email.trim()) {
      setFieldError("Enter the email address to invite.");
      return;
    }
    setFieldError(undefined);
    setBusy(true);
    try {
      const invite = await createInvite(email.trim(), role);
      setCreated(invite);
      setEmail("");
      await load();
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.email) setFieldError(err.fieldErrors.email);
      else setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const withdraw = async (id: string) => {
    try {
      await revokeInvite(id);
      setPending((list) => list.filter((i) => i.id !== id));
      if (created?.id === id) setCreated(null);
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <div className="border-b border-text/10 px-6 py-4">
      <form noValidate onSubmit={onSubmit} aria-label="Invite a member" className="flex flex-wrap items-end gap-3">
        <Field
          label="Invite by email"
          type="email"
          name="invite-email"
          placeholder="name@company.com"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fieldError}
          className="min-w-0 flex-1 basis-56"
        />
        <div>
          <label htmlFor={roleId} className="mb-1.5 block text-sm font-medium text-text">
            Role
          </label>
          <select
            id={roleId}
            value={role}
            onChange={(e) => setRole(e.target.value)}
            className="rounded-lg border border-text/15 bg-background/60 px-2 py-2 text-sm text-text focus:border-primary focus:outline-none focus:ring-2 focus:ring-primary/40"
          >
            <option value="member">Member</option>
            <option value="admin">Admin</option>
          </select>
        </div>
        <Button type="submit" busy={busy}>
          Send invite
        </Button>
      </form>
      {error && (
        <div className="mt-3">
          <FormAlert>{error}</FormAlert>
        </div>
      )}
      {created && (
        <div role="status" className="mt-3 flex flex-wrap items-center gap-2 rounded-lg border border-success/30 bg-success/10 px-3 py-2 text-sm">
          <span>
            Invitation emailed to <strong>{created.email}</strong>. You can also share the link (shown once):
          </span>
          <code className="max-w-full truncate text-xs text-muted">{created.link}</code>
          <CopyButton value={created.link} label="Copy invite link" />
        </div>
      )}
      {pending.length > 0 && (
        <ul aria-label="Pending invitations" className="mt-3 divide-y divide-text/10 text-sm">
          {pending.map((i) => (
            <li key={i.id} className="flex flex-wrap items-center gap-2 py-2">
              <span className="min-w-0 flex-1 truncate">
                {i.email} <span className="text-xs text-muted">· {i.role} · expires {formatDate(i.expires_at)}</span>
              </span>
              <Button size="sm" variant="ghost" onClick={() => void withdraw(i.id)} aria-label={`Withdraw the invitation of ${i.email}`}>
                Withdraw
              </Button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
