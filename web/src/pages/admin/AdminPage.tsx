import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { KeyboardEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { ApiError } from "../../api/client";
import { getTenant } from "../../api/endpoints";
import type { Tenant } from "../../api/types";
import { useAuth } from "../../auth/AuthContext";
import { useDocumentTitle } from "../../auth/useDocumentTitle";
import { isAdminRole } from "../../auth/useFeatures";
import { buttonClass } from "../../components/Button";
import { ShieldIcon } from "../../components/Icons";
import { ApiKeysPanel } from "../dashboard/ApiKeysPanel";
import { AuditPanel } from "./AuditPanel";
import { BrandPanel } from "./BrandPanel";
import { LoadError, Loading, isAbort } from "./common";
import { DomainsPanel } from "./DomainsPanel";
import { MembersPanel } from "./MembersPanel";
import { UsagePanel } from "./UsagePanel";
import { WebhooksPanel } from "./WebhooksPanel";

export const ADMIN_TABS = [
  { id: "brand", label: "Brand" },
  { id: "domains", label: "Domains" },
  { id: "members", label: "Members" },
  { id: "api-keys", label: "API keys" },
  { id: "webhooks", label: "Webhooks" },
  { id: "usage", label: "Usage" },
  { id: "audit", label: "Audit log" },
] as const;
type TabId = (typeof ADMIN_TABS)[number]["id"];

function isTab(value: string | null): value is TabId {
  return ADMIN_TABS.some((t) => t.id === value);
}

/** The workspace's administration: brand, domains, members, keys, webhooks, usage, audit. */
export function AdminPage() {
  useDocumentTitle("Admin");
  const { user } = useAuth();
  const [tenant, setTenant] = useState<Tenant | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [forbidden, setForbidden] = useState(false);
  // The role from /v1/me answers at once; the API's 403 is the authority when it is missing.
  const knownMember = user?.role !== undefined && !isAdminRole(user.role);

  const load = useCallback(async (signal?: AbortSignal) => {
    setError(null);
    try {
      setTenant(await getTenant(signal));
    } catch (err) {
      if (isAbort(err)) return;
      if (err instanceof ApiError && err.status === 403) setForbidden(true);
      else setError(err);
    }
  }, []);

  useEffect(() => {
    if (knownMember) return;
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load, knownMember]);

  if (knownMember || forbidden) return <OnlyAdmins />;

  return (
    <div className="grid grid-cols-[minmax(0,1fr)] gap-6">
      <div>
        <h1 className="text-3xl font-semibold tracking-tight text-text">Admin</h1>
        <p className="mt-1.5 max-w-2xl text-sm text-muted">
          {tenant ? (
            <>
              <span className="font-medium text-text">{tenant.name}</span> · <span className="font-mono">{tenant.slug}</span> ·{" "}
              <span className="capitalize">{tenant.plan}</span> plan ·{" "}
              <span
                title={
                  tenant.isolation === "schema"
                    ? "Hard isolation: the workspace's data lives in its own PostgreSQL schema"
                    : "Soft isolation: shared tables, each row guarded by row-level security"
                }
              >
                {tenant.isolation === "schema" ? "own database schema" : "shared tables with row-level security"}
              </span>
            </>
          ) : (
            "Your brand, custom domains, members, API keys and webhooks."
          )}
        </p>
      </div>
      {error !== null && (
        <div className="rounded-2xl border border-text/10 bg-surface">
          <LoadError what="the workspace" error={error} onRetry={() => void load()} />
        </div>
      )}
      {error === null && !tenant && <Loading>Loading the workspace…</Loading>}
      {tenant && <AdminTabs tenant={tenant} onTenant={setTenant} />}
    </div>
  );
}

function AdminTabs({ tenant, onTenant }: { tenant: Tenant; onTenant: (t: Tenant) => void }) {
  const [params, setParams] = useSearchParams();
  const requested = params.get("tab");
  const active: TabId = isTab(requested) ? requested : "brand";
  const base = useId();
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});

  const select = (id: TabId, focus = false) => {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        next.set("tab", id);
        return next;
      },
      { replace: true },
    );
    if (focus) tabRefs.current[id]?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const i = ADMIN_TABS.findIndex((t) => t.id === active);
    let j: number | null = null;
    if (event.key === "ArrowRight") j = (i + 1) % ADMIN_TABS.length;
    if (event.key === "ArrowLeft") j = (i - 1 + ADMIN_TABS.length) % ADMIN_TABS.length;
    if (event.key === "Home") j = 0;
    if (event.key === "End") j = ADMIN_TABS.length - 1;
    if (j === null) return;
    event.preventDefault();
    select(ADMIN_TABS[j].id, true);
  };

  return (
    <div className="grid grid-cols-[minmax(0,1fr)] gap-6">
      <div
        role="tablist"
        aria-label="Admin sections"
        onKeyDown={onKeyDown}
        className="flex flex-wrap gap-1 border-b border-text/10"
      >
        {ADMIN_TABS.map((tab) => {
          const selected = tab.id === active;
          return (
            <button
              key={tab.id}
              ref={(el) => {
                tabRefs.current[tab.id] = el;
              }}
              type="button"
              role="tab"
              id={`${base}-tab-${tab.id}`}
              aria-selected={selected}
              aria-controls={`${base}-panel-${tab.id}`}
              tabIndex={selected ? 0 : -1}
              onClick={() => select(tab.id)}
              className={`-mb-px border-b-2 px-3 py-2.5 text-sm font-medium transition ${
                selected ? "border-primary text-text" : "border-transparent text-muted hover:text-text"
              }`}
            >
              {tab.label}
            </button>
          );
        })}
      </div>
      <div role="tabpanel" id={`${base}-panel-${active}`} aria-labelledby={`${base}-tab-${active}`}>
        {active === "brand" && <BrandPanel tenant={tenant} onSaved={onTenant} />}
        {active === "domains" && <DomainsPanel />}
        {active === "members" && <MembersPanel />}
        {active === "api-keys" && <ApiKeysPanel />}
        {active === "webhooks" && <WebhooksPanel />}
        {active === "usage" && <UsagePanel />}
        {active === "audit" && <AuditPanel />}
      </div>
    </div>
  );
}

function OnlyAdmins() {
  return (
    <div className="grid grid-cols-[minmax(0,1fr)] gap-6">
      <h1 className="text-3xl font-semibold tracking-tight text-text">Admin</h1>
      <section className="flex flex-col items-center rounded-2xl border border-text/10 bg-surface px-6 py-16 text-center">
        <span className="grid size-12 place-items-center rounded-2xl bg-primary/15 text-primary ring-1 ring-inset ring-primary/25">
          <ShieldIcon className="size-6" />
        </span>
        <p className="mt-4 text-base font-semibold text-text">Only admins can open this page</p>
        <p className="mt-1 max-w-md text-sm text-muted">
          Only admins and owners of this workspace can change its brand, domains, members and webhooks. If you
          need something changed, ask one of them.
        </p>
        <Link to="/dashboard" className={buttonClass("secondary", "md", "mt-6")}>
          Back to the dashboard
        </Link>
      </section>
    </div>
  );
}
