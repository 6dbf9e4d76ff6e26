import { useCallback, useEffect, useState } from "react";
import { listMembers, setMemberRole } from "../../api/endpoints";
import { ROLES } from "../../api/types";
import type { Member } from "../../api/types";
import { useAuth } from "../../auth/AuthContext";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { formatDate, formatDateTime, formatRelative, humanize } from "../../lib/format";
import { InvitesPanel } from "./InvitesPanel";
import { Empty, LoadError, Loading, isAbort, messageOf, tdClass, thClass } from "./common";

const ROLE_HELP = "Members use the workspace; admins also manage it; owners also manage admins.";

export function MembersPanel() {
  const { user } = useAuth();
  const [members, setMembers] = useState<Member[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const page = await listMembers(null, signal);
      setMembers(page.items);
      setCursor(page.next_cursor);
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

  const more = async () => {
    setLoadingMore(true);
    try {
      const page = await listMembers(cursor);
      setMembers((prev) => [...(prev ?? []), ...page.items]);
      setCursor(page.next_cursor);
    } catch (err) {
      setLoadError(err);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <Card title="Members" titleId="members-title" description={ROLE_HELP}>
      <InvitesPanel />
      {loadError !== null && <LoadError what="members" error={loadError} onRetry={() => void load()} />}
      {loadError === null && members === null && <Loading>Loading members…</Loading>}
      {members && members.length === 0 && <Empty title="No members yet" />}
      {members && members.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm" aria-labelledby="members-title">
            <thead className="text-xs uppercase tracking-wide text-muted">
              <tr className="border-b border-text/10">
                <th scope="col" className={thClass}>Member</th>
                <th scope="col" className={thClass}>Role</th>
                <th scope="col" className={thClass}>Joined</th>
                <th scope="col" className={thClass}>Last login</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-text/10">
              {members.map((m) => (
                <MemberRow
                  key={m.id}
                  member={m}
                  isYou={m.id === user?.id}
                  onChange={(next) => setMembers((prev) => prev?.map((x) => (x.id === next.id ? next : x)) ?? prev)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <div className="border-t border-text/10 px-6 py-3 text-center">
          <Button size="sm" variant="secondary" busy={loadingMore} onClick={() => void more()}>
            Load more members
          </Button>
        </div>
      )}
    </Card>
  );
}

function MemberRow({ member, isYou, onChange }: { member: Member; isYou: boolean; onChange: (m: Member) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const errorId = `role-error-${member.id}`;

  const change = async (role: string) => {
    if (role === member.role) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      onChange(await setMemberRole(member.id, role));
      setSaved(true);
    } catch (err) {
      // 409: "a workspace needs at least one owner", "you cannot change your own role".
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const roles: string[] = ROLES.includes(member.role as (typeof ROLES)[number]) ? [...ROLES] : [...ROLES, member.role];
  return (
    <tr>
      <th scope="row" className={`${tdClass} font-normal`}>
        <span className="block font-medium text-text">
          {member.display_name || member.email}{" "}
          {isYou && <span className="ml-2 text-xs font-normal text-muted">(you)</span>}
        </span>
        <span className="block text-xs text-muted">{member.email}</span>
      </th>
      <td className={tdClass}>
        <select
          aria-label={`Role of ${member.email}`}
          value={member.role}
          disabled={busy}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          onChange={(e) => void change(e.target.value)}
          className="rounded-lg border border-text/15 bg-background/60 px-2 py-1.5 text-sm text-text focus:border-primary focus:outline-none focus:ring-2 focus:ring-primary/40"
        >
          {roles.map((r) => (
            <option key={r} value={r}>
              {humanize(r)}
            </option>
          ))}
        </select>
        {error && (
          <p id={errorId} role="alert" className="mt-1.5 max-w-64 text-xs font-medium text-danger">
            {error}
          </p>
        )}
        {saved && !error && (
          <p role="status" className="mt-1.5 text-xs text-success">
            Role saved.
          </p>
        )}
      </td>
      <td className={`${tdClass} whitespace-nowrap text-muted`}>
        <time dateTime={member.created_at}>{formatDate(member.created_at)}</time>
      </td>
      <td className={`${tdClass} whitespace-nowrap text-muted`}>
        {member.last_login_at ? (
          <time dateTime={member.last_login_at} title={formatDateTime(member.last_login_at)}>
            {formatRelative(member.last_login_at)}
          </time>
        ) : (
          "Never"
        )}
      </td>
    </tr>
  );
}
