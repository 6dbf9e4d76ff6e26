import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { THEME, USER, fakeApi, json, noContent, problem } from "../../test/fakeApi";

type Handler = Parameters<typeof fakeApi>[0][string];

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

const OWNER = { ...USER, role: "owner" };
const MEMBER = { ...USER, id: "usr_02", email: "bob@example.com", display_name: "Bob Member", role: "member" };

const TENANT = {
  id: "ten_1",
  slug: "acme",
  name: "Acme Studios",
  plan: "pro",
  isolation: "schema",
  brand: {
    colors: {
      primary: "#6d28d9",
      secondary: "#0ea5e9",
      background: "#0b0b10",
      surface: "#16161f",
      text: "#f4f4f5",
      muted: "#a1a1aa",
    },
    font_family: "Inter, system-ui, sans-serif",
    logo_key: null,
  },
  features: ["voice", "editor", "shares", "admin"],
  created_at: "2026-11-01T10:00:00Z",
};

function asAdmin(extra: Record<string, Handler> = {}, user: Record<string, unknown> = OWNER) {
  document.cookie = "flowai_csrf=csrf-admin; path=/";
  return fakeApi({
    "GET /v1/tenant/theme": () => json(THEME),
    "GET /v1/me": () => json(user),
    "GET /v1/tenant": () => json(TENANT),
    "GET /v1/jobs?limit=10": () => json({ items: [], next_cursor: null }),
    "GET /v1/apikeys": () => json({ items: [], next_cursor: null }),
    ...extra,
  });
}

afterEach(() => {
  document.head.querySelectorAll('link[href^="/theme.css"]').forEach((l) => l.remove());
  document.documentElement.style.removeProperty("--flowai-logo");
});

describe("admin access", () => {
  it("tells a member, politely, that only admins can open the page", async () => {
    const api = asAdmin({}, MEMBER);
    renderAt("/admin");
    expect(await screen.findByText("Only admins can open this page")).toBeTruthy();
    expect(screen.getByRole("link", { name: "Back to the dashboard" })).toBeTruthy();
    expect(screen.queryByRole("tablist")).toBeNull();
    expect(api.callsTo("GET /v1/tenant")).toHaveLength(0);
  });

  it("trusts the API's 403 admin-only when /v1/me has no role", async () => {
    const { role: _role, ...noRole } = MEMBER;
    void _role;
    asAdmin(
      {
        "GET /v1/tenant": () =>
          problem(403, {
            type: "https://flowai.dev/problems/admin-only",
            detail: "Only the workspace's admins and owners can do this.",
          }),
      },
      noRole,
    );
    renderAt("/admin");
    expect(await screen.findByText("Only admins can open this page")).toBeTruthy();
  });

  it("shows admins the sections as tabs", async () => {
    asAdmin();
    renderAt("/admin");
    const tabs = await screen.findByRole("tablist", { name: "Admin sections" });
    expect(within(tabs).getAllByRole("tab").map((t) => t.textContent)).toEqual([
      "Brand",
      "Domains",
      "Members",
      "API keys",
      "Webhooks",
      "Usage",
      "Audit log",
    ]);
    expect(screen.getByRole("tab", { name: "Brand" }).getAttribute("aria-selected")).toBe("true");
    expect(screen.getByRole("tabpanel")).toBeTruthy();
    expect(screen.getByText("own database schema").title).toMatch(/own PostgreSQL schema/); // the isolation mode
  });
});

describe("features switched off", () => {
  it("hides them from the side navigation and the dashboard cards", async () => {
    fakeApi({
      "GET /v1/tenant/theme": () => json({ ...THEME, features: ["voice"] }),
      "GET /v1/me": () => json(MEMBER),
      "GET /v1/jobs?limit=10": () => json({ items: [], next_cursor: null }),
      "GET /v1/apikeys": () => json({ items: [], next_cursor: null }),
    });
    renderAt("/dashboard");
    const nav = await screen.findByRole("navigation", { name: "Main" });
    await waitFor(() => expect(within(nav).queryByRole("link", { name: "Editor" })).toBeNull());
    expect(within(nav).getAllByRole("link").map((l) => l.textContent)).toEqual(["Dashboard", "Voice"]);
    const cards = screen.getByRole("navigation", { name: "Features" });
    expect(within(cards).getAllByRole("link").map((l) => l.getAttribute("href"))).toEqual(["/voice"]);
  });

  it("keeps Admin for admins and owners, so they can switch features back on", async () => {
    asAdmin({ "GET /v1/tenant/theme": () => json({ ...THEME, features: [] }) });
    renderAt("/dashboard");
    const nav = await screen.findByRole("navigation", { name: "Main" });
    await waitFor(() => expect(within(nav).queryByRole("link", { name: "Voice" })).toBeNull());
    expect(within(nav).getAllByRole("link").map((l) => l.textContent)).toEqual(["Dashboard", "Admin"]);
  });
});

describe("brand editor", () => {
  it("previews live, shows contrast, sends only the changes and re-themes the app", async () => {
    let themeCalls = 0;
    const api = asAdmin({
      "GET /v1/tenant/theme": () => {
        themeCalls += 1;
        return json(THEME);
      },
      "PATCH /v1/tenant": (call) => {
        const body = call.body as { name: string; colors: Record<string, string>; features: string[] };
        return json({
          ...TENANT,
          name: body.name,
          brand: { ...TENANT.brand, colors: { ...TENANT.brand.colors, ...body.colors } },
          features: body.features,
        });
      },
    });
    renderAt("/admin?tab=brand");
    const user = userEvent.setup();
    const form = await screen.findByRole("form", { name: "Brand" });
    const preview = screen.getByRole("group", { name: "Brand preview" });
    expect(preview.style.getPropertyValue("--flowai-primary")).toBe("#6d28d9");
    expect(screen.getByTestId("contrast-text-background").textContent).toMatch(/^1\d\.\d\d:1$/);
    expect((screen.getByRole("button", { name: "Save brand" }) as HTMLButtonElement).disabled).toBe(true);

    const name = within(form).getByLabelText("Workspace name");
    await user.clear(name);
    await user.type(name, "Nike Studio");
    const primary = within(form).getByLabelText("Primary colour");
    await user.clear(primary);
    await user.type(primary, "#FF6600");
    expect(preview.style.getPropertyValue("--flowai-primary")).toBe("#ff6600");
    expect(within(preview).getAllByText("Nike Studio").length).toBeGreaterThan(0);

    // Dark text on the dark background: the warning shows at once, under 4.5:1.
    const text = within(form).getByLabelText("Text colour");
    await user.clear(text);
    await user.type(text, "#333333");
    expect(screen.getByTestId("contrast-text-background").textContent).toBe("1.55:1");
    expect(screen.getByText(/under WCAG AA's 4\.5:1/)).toBeTruthy();
    await user.clear(text);
    await user.type(text, "#f4f4f5");
    expect(screen.queryByText(/under WCAG AA's 4\.5:1/)).toBeNull();

    await user.click(within(form).getByRole("checkbox", { name: "Shares" }));
    await user.click(screen.getByRole("button", { name: "Save brand" }));

    expect(await screen.findByText(/Saved\. The whole workspace now uses this brand/)).toBeTruthy();
    const [patch] = api.callsTo("PATCH /v1/tenant");
    expect(patch.body).toEqual({
      name: "Nike Studio",
      colors: { primary: "#ff6600" },
      features: ["voice", "editor", "admin"],
    });
    expect(patch.headers.get("X-CSRF-Token")).toBe("csrf-admin");
    // /theme.css is fetched again (cache-busted) and the tenant theme reloaded: no page reload.
    expect(document.head.querySelector('link[rel="stylesheet"][href^="/theme.css?v="]')).toBeTruthy();
    await waitFor(() => expect(themeCalls).toBeGreaterThanOrEqual(2));
    expect((screen.getByRole("button", { name: "Save brand" }) as HTMLButtonElement).disabled).toBe(true);
  }, 20_000);

  it("shows the server's 422 next to the field it names", async () => {
    asAdmin({
      "PATCH /v1/tenant": () =>
        problem(422, {
          type: "https://flowai.dev/problems/low-contrast",
          title: "Unprocessable Content",
          detail: "colors.text: text #5a5a5a on surface #16161f has contrast 2.61:1; WCAG AA needs at least 4.5:1",
          errors: [
            {
              field: "colors.text",
              message: "text #5a5a5a on surface #16161f has contrast 2.61:1; WCAG AA needs at least 4.5:1",
            },
          ],
        }),
    });
    renderAt("/admin");
    const user = userEvent.setup();
    const form = await screen.findByRole("form", { name: "Brand" });
    const text = within(form).getByLabelText("Text colour");
    await user.clear(text);
    await user.type(text, "#5a5a5a");
    await user.click(screen.getByRole("button", { name: "Save brand" }));
    await waitFor(() => expect(text.getAttribute("aria-invalid")).toBe("true"));
    expect(document.getElementById(text.getAttribute("aria-describedby")!)?.textContent).toMatch(/contrast 2\.61:1/);
  });

  it("refuses a colour that is not hex before sending", async () => {
    const api = asAdmin();
    renderAt("/admin");
    const user = userEvent.setup();
    const form = await screen.findByRole("form", { name: "Brand" });
    const surface = within(form).getByLabelText("Surface colour");
    await user.clear(surface);
    await user.type(surface, "#12");
    await user.click(screen.getByRole("button", { name: "Save brand" }));
    expect(surface.getAttribute("aria-invalid")).toBe("true");
    expect(api.callsTo("PATCH /v1/tenant")).toHaveLength(0);
  });

  it("uploads a logo as the raw request body", async () => {
    const api = asAdmin({ "PUT /v1/tenant/logo": () => json({ ...TENANT, brand: { ...TENANT.brand, logo_key: "k" } }) });
    renderAt("/admin");
    const user = userEvent.setup();
    const input = (await screen.findByLabelText("Upload a new logo")) as HTMLInputElement;
    const file = new File([new Uint8Array([137, 80, 78, 71])], "logo.png", { type: "image/png" });
    await user.upload(input, file);
    expect(await screen.findByText("Logo updated everywhere.")).toBeTruthy();
    const [put] = api.callsTo("PUT /v1/tenant/logo");
    expect(put.raw).toBe(file);
    expect(put.headers.get("Content-Type")).toBe("image/png");
    expect(document.documentElement.style.getPropertyValue("--flowai-logo")).toMatch(/\/v1\/tenant\/logo\?v=/);
  });
});

const SUBDOMAIN = {
  host: "acme.flowai.localhost",
  kind: "subdomain",
  verified: true,
  verified_at: "2026-11-01T10:00:00Z",
  txt_record: null,
  txt_value: null,
  last_checked_at: null,
  last_error: null,
};
const PENDING = {
  host: "ai.acme.com",
  kind: "custom",
  verified: false,
  verified_at: null,
  txt_record: "_flowai.ai.acme.com",
  txt_value: "flowai-verify=abc123",
  last_checked_at: "2026-11-26T09:00:00Z",
  last_error: "no TXT record at _flowai.ai.acme.com",
};

describe("domains", () => {
  it("shows a pending domain's TXT record with copy buttons, verifies and removes it", async () => {
    let verified = false;
    const api = asAdmin({
      "GET /v1/tenant/domains": () => json([SUBDOMAIN, PENDING]),
      "POST /v1/tenant/domains/ai.acme.com/verify": () => {
        verified = true;
        return json({ ...PENDING, verified: true, verified_at: "2026-11-26T10:00:00Z", txt_record: null, txt_value: null, last_error: null });
      },
      "DELETE /v1/tenant/domains/ai.acme.com": () => noContent(),
    });
    renderAt("/admin?tab=domains");
    const user = userEvent.setup();
    const pending = await screen.findByRole("listitem", { name: "ai.acme.com" });
    expect(within(pending).getByText("Pending verification")).toBeTruthy();
    expect(within(pending).getByText("_flowai.ai.acme.com")).toBeTruthy();
    expect(within(pending).getByText("flowai-verify=abc123")).toBeTruthy();
    expect(within(pending).getByRole("button", { name: "Copy TXT record name for ai.acme.com" })).toBeTruthy();
    expect(within(pending).getByRole("button", { name: "Copy TXT record value for ai.acme.com" })).toBeTruthy();
    expect(within(pending).getByText(/no TXT record at/)).toBeTruthy();
    expect(within(pending).getByText(/Last checked/)).toBeTruthy();

    const sub = screen.getByRole("listitem", { name: "acme.flowai.localhost" });
    expect(within(sub).getByText("Verified")).toBeTruthy();
    expect(within(sub).queryByRole("button", { name: /Remove/ })).toBeNull();

    await user.click(within(pending).getByRole("button", { name: "Verify ai.acme.com now" }));
    await waitFor(() => expect(verified).toBe(true));
    expect(await within(pending).findByText(/the workspace now answers on ai\.acme\.com/)).toBeTruthy();
    expect(within(pending).queryByText("flowai-verify=abc123")).toBeNull();

    await user.click(within(pending).getByRole("button", { name: "Remove ai.acme.com" }));
    const dialog = screen.getByRole("alertdialog", { name: "Remove ai.acme.com?" });
    await user.click(within(dialog).getByRole("button", { name: "Remove domain" }));
    await waitFor(() => expect(screen.queryByRole("listitem", { name: "ai.acme.com" })).toBeNull());
    expect(api.callsTo("DELETE /v1/tenant/domains/ai.acme.com")).toHaveLength(1);
  });

  it("adds a domain (a pasted URL is cleaned) and shows the server's error next to the field", async () => {
    let taken = false;
    const api = asAdmin({
      "GET /v1/tenant/domains": () => json([SUBDOMAIN]),
      "POST /v1/tenant/domains": () =>
        taken
          ? problem(409, { detail: "host: already claimed", errors: [{ field: "host", message: "already claimed by another workspace" }] })
          : json({ ...PENDING, last_checked_at: null, last_error: null }, { status: 201 }),
    });
    renderAt("/admin?tab=domains");
    const user = userEvent.setup();
    const field = await screen.findByLabelText("Custom domain");
    await user.type(field, "https://AI.acme.com/");
    await user.click(screen.getByRole("button", { name: "Add domain" }));
    expect(await screen.findByRole("listitem", { name: "ai.acme.com" })).toBeTruthy();
    expect(api.callsTo("POST /v1/tenant/domains")[0].body).toEqual({ host: "ai.acme.com" });

    taken = true;
    await user.type(field, "video.other.com");
    await user.click(screen.getByRole("button", { name: "Add domain" }));
    await waitFor(() => expect(field.getAttribute("aria-invalid")).toBe("true"));
    expect(document.getElementById(field.getAttribute("aria-describedby")!)?.textContent).toBe(
      "already claimed by another workspace",
    );
  });
});

describe("members", () => {
  it("changes a role and shows a 409 next to the select", async () => {
    const bob = { id: "usr_02", email: "bob@example.com", display_name: "Bob", role: "member", created_at: "2026-11-02T10:00:00Z", last_login_at: null };
    const ada = { id: "usr_01", email: "ada@example.com", display_name: "Ada Lovelace", role: "owner", created_at: "2026-11-01T10:00:00Z", last_login_at: "2026-11-26T09:00:00Z" };
    const api = asAdmin({
      "GET /v1/tenant/users?limit=100": () => json({ items: [ada, bob], next_cursor: null }),
      "GET /v1/tenant/invites": () => json({ items: [], next_cursor: null }),
      "PATCH /v1/tenant/users/usr_02": (call) => json({ ...bob, ...(call.body as object) }),
      "PATCH /v1/tenant/users/usr_01": () =>
        problem(409, { type: "https://flowai.dev/problems/own-role", detail: "You cannot change your own role; ask another owner." }),
    });
    renderAt("/admin?tab=members");
    const user = userEvent.setup();
    const bobRole = (await screen.findByLabelText("Role of bob@example.com")) as HTMLSelectElement;
    await user.selectOptions(bobRole, "admin");
    await waitFor(() => expect(bobRole.value).toBe("admin"));
    expect(api.callsTo("PATCH /v1/tenant/users/usr_02")[0].body).toEqual({ role: "admin" });

    const adaRole = screen.getByLabelText("Role of ada@example.com") as HTMLSelectElement;
    await user.selectOptions(adaRole, "member");
    expect((await screen.findByRole("alert")).textContent).toMatch(/cannot change your own role/);
    expect(adaRole.value).toBe("owner");
    expect(screen.getByRole("rowheader", { name: /Ada Lovelace \(you\)/ })).toBeTruthy();
  });
});

describe("invites", () => {
  it("invites by email with a role, shows the link once and withdraws a pending invite", async () => {
    const ada = { id: "usr_01", email: "ada@example.com", display_name: "Ada Lovelace", role: "owner", created_at: "2026-11-01T10:00:00Z", last_login_at: null };
    const invite = { id: "inv_01", email: "grace@example.com", role: "admin", invited_by: "usr_01", created_at: "2026-11-26T10:00:00Z", expires_at: "2026-12-03T10:00:00Z" };
    let pending: (typeof invite)[] = [];
    const api = asAdmin({
      "GET /v1/tenant/users?limit=100": () => json({ items: [ada], next_cursor: null }),
      "GET /v1/tenant/invites": () => json({ items: pending, next_cursor: null }),
      "POST /v1/tenant/invites": () => {
        pending = [invite];
        return json({ ...invite, link: "http://localhost/invite?token=abc" }, { status: 201 });
      },
      "DELETE /v1/tenant/invites/inv_01": () => {
        pending = [];
        return new Response(null, { status: 204 });
      },
    });
    renderAt("/admin?tab=members");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Invite by email"), "grace@example.com");
    await user.selectOptions(screen.getByLabelText("Role"), "admin");
    await user.click(screen.getByRole("button", { name: "Send invite" }));
    expect(await screen.findByText("http://localhost/invite?token=abc")).toBeTruthy();
    expect(api.callsTo("POST /v1/tenant/invites")[0].body).toEqual({ email: "grace@example.com", role: "admin" });
    const list = await screen.findByRole("list", { name: "Pending invitations" });
    expect(list.textContent).toMatch(/grace@example.com/);
    await user.click(screen.getByRole("button", { name: "Withdraw the invitation of grace@example.com" }));
    await waitFor(() => expect(screen.queryByRole("list", { name: "Pending invitations" })).toBeNull());
  });
});

describe("usage and audit", () => {
  it("shows users, jobs by status and storage", async () => {
    asAdmin({
      "GET /v1/tenant/usage": () => json({ users: 3, jobs: { succeeded: 5, failed: 1 }, storage_bytes: 3 * 1024 * 1024, files: 4 }),
    });
    renderAt("/admin?tab=usage");
    expect(await screen.findByText("3.0 MiB")).toBeTruthy();
    expect(screen.getByText("4 files")).toBeTruthy();
    expect(screen.getByRole("listitem", { name: "Succeeded: 5" })).toBeTruthy();
    expect(screen.getByRole("listitem", { name: "Failed: 1" })).toBeTruthy();
  });

  it("pages the audit log with its cursor", async () => {
    const entry = (i: number) => ({
      id: `aud_${i}`,
      actor_id: "usr_01",
      action: i === 1 ? "tenant.brand.updated" : "tenant.domain.added",
      target: i === 1 ? null : "ai.acme.com",
      data: {},
      ip: "127.0.0.1",
      created_at: "2026-11-26T09:00:00Z",
    });
    asAdmin({
      "GET /v1/tenant/audit?limit=50": () => json({ items: [entry(1)], next_cursor: "c2" }),
      "GET /v1/tenant/audit?limit=50&cursor=c2": () => json({ items: [entry(2)], next_cursor: null }),
    });
    renderAt("/admin?tab=audit");
    const user = userEvent.setup();
    expect(await screen.findByText("tenant.brand.updated")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Load more" }));
    expect(await screen.findByText("tenant.domain.added")).toBeTruthy();
    expect(screen.getByText("ai.acme.com")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });
});

const ENDPOINT = {
  id: "wh_1",
  url: "https://hooks.example.com/flowai",
  description: "Prod",
  event_types: ["export.succeeded"],
  format: "standard",
  enabled: true,
  disabled_reason: null,
  disabled_at: null,
  failing_since: null,
  previous_secret_expires_at: null,
  created_at: "2026-11-26T09:00:00Z",
  updated_at: "2026-11-26T09:00:00Z",
};
const DELIVERY = {
  id: "dlv_1",
  event_id: "msg_1",
  event_type: "export.succeeded",
  endpoint_id: "wh_1",
  status: "failed",
  attempts: 2,
  next_attempt_at: null,
  last_status_code: 500,
  last_error: "HTTP 500",
  replay_of: null,
  created_at: "2026-11-26T09:00:00Z",
  finished_at: "2026-11-26T09:01:00Z",
};

describe("webhooks", () => {
  it("creates an endpoint and shows its secret once", async () => {
    const api = asAdmin({
      "GET /v1/webhooks/endpoints?limit=100": () => json({ items: [], next_cursor: null }),
      "GET /v1/webhooks/event-types": () => json([{ type: "export.succeeded" }, { type: "export.failed" }]),
      "POST /v1/webhooks/endpoints": () => json({ ...ENDPOINT, secret: "whsec_s3cret" }, { status: 201 }),
    });
    renderAt("/admin?tab=webhooks");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add endpoint" }));
    const form = screen.getByRole("form", { name: "Add webhook endpoint" });
    await user.type(within(form).getByLabelText("Endpoint URL"), "https://hooks.example.com/flowai");
    await user.type(within(form).getByLabelText("Description"), "Prod");
    await waitFor(() => expect(within(form).getByRole("checkbox", { name: "export.failed" })).toBeTruthy());
    await user.click(within(form).getByRole("checkbox", { name: "export.succeeded" }));
    await user.click(within(form).getByRole("radio", { name: "Slack message" }));
    await user.click(within(form).getByRole("button", { name: "Add endpoint" }));

    const secret = (await screen.findByLabelText("Signing secret")) as HTMLInputElement;
    expect(secret.value).toBe("whsec_s3cret");
    expect(api.callsTo("POST /v1/webhooks/endpoints")[0].body).toEqual({
      url: "https://hooks.example.com/flowai",
      description: "Prod",
      event_types: ["export.succeeded"],
      format: "slack",
    });
    expect(screen.getByRole("listitem", { name: "Prod" })).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "I have saved it" }));
    expect(document.body.textContent).not.toContain("whsec_s3cret");
  });

  it("disables, sends a test, shows the delivery log with the response body and replays", async () => {
    const api = asAdmin({
      "GET /v1/webhooks/endpoints?limit=100": () => json({ items: [ENDPOINT], next_cursor: null }),
      "GET /v1/webhooks/event-types": () => json([{ type: "export.succeeded" }]),
      "PATCH /v1/webhooks/endpoints/wh_1": (call) => json({ ...ENDPOINT, ...(call.body as object) }),
      "POST /v1/webhooks/endpoints/wh_1/test": () => json({ ...DELIVERY, id: "dlv_2", event_type: "webhook.test", status: "succeeded" }, { status: 202 }),
      "GET /v1/webhooks/endpoints/wh_1/deliveries?limit=20": () => json({ items: [DELIVERY], next_cursor: null }),
      "GET /v1/webhooks/deliveries/dlv_1": () =>
        json({
          ...DELIVERY,
          log: [
            { attempt: 1, status_code: 500, response_body: "upstream exploded", error: null, duration_ms: 12, next_attempt_at: null, created_at: "2026-11-26T09:00:00Z" },
          ],
        }),
      "POST /v1/webhooks/deliveries/dlv_1/replay": () => json({ ...DELIVERY, id: "dlv_3", status: "pending", attempts: 0, replay_of: "dlv_1" }, { status: 202 }),
      "POST /v1/webhooks/endpoints/wh_1/rotate-secret": () => json({ secret: "whsec_new", previous_secret_expires_at: "2099-01-01T00:00:00Z" }),
    });
    renderAt("/admin?tab=webhooks");
    const user = userEvent.setup();
    const row = await screen.findByRole("listitem", { name: "Prod" });

    await user.click(within(row).getByRole("button", { name: "Send test event to Prod" }));
    expect(await within(row).findByText(/Test event queued/)).toBeTruthy();
    const log = await within(row).findByRole("table", { name: "Deliveries to Prod" });
    expect(within(log).getByText("500")).toBeTruthy();
    await user.click(within(log).getByRole("button", { name: "Details of delivery dlv_1" }));
    expect(await within(log).findByText("upstream exploded")).toBeTruthy();
    await user.click(within(log).getByRole("button", { name: "Replay delivery dlv_1" }));
    expect(await within(row).findByText(/Replay of export\.succeeded queued/)).toBeTruthy();
    expect(api.callsTo("POST /v1/webhooks/deliveries/dlv_1/replay")).toHaveLength(1);

    await user.click(within(row).getByRole("button", { name: "Rotate secret of Prod" }));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Rotate secret" }));
    expect(((await screen.findByLabelText("Signing secret")) as HTMLInputElement).value).toBe("whsec_new");
    expect(api.callsTo("POST /v1/webhooks/endpoints/wh_1/rotate-secret")[0].body).toEqual({ overlap_seconds: 86400 });

    await user.click(within(row).getByRole("button", { name: "Disable Prod" }));
    expect(await within(row).findByText("Disabled")).toBeTruthy();
    expect(api.callsTo("PATCH /v1/webhooks/endpoints/wh_1")[0].body).toEqual({ enabled: false });
  });
});

describe("brand files", () => {
  const FONT_KEY = "t/ten_1/brand/F1/font";
  const faces: { family: string; source: string }[] = [];
  const fontSet = { add: vi.fn(), delete: vi.fn() };

  beforeEach(() => {
    faces.length = 0;
    vi.stubGlobal(
      "FontFace",
      class {
        constructor(
          public family: string,
          public source: string,
        ) {
          faces.push({ family, source });
        }
        load() {
          return Promise.resolve(this);
        }
      },
    );
    Object.defineProperty(document, "fonts", { value: fontSet, configurable: true });
  });

  afterEach(() => {
    vi.unstubAllGlobals();
    Reflect.deleteProperty(document, "fonts");
    document.head.querySelectorAll('link[rel~="icon"]').forEach((l) => l.remove());
  });

  it("uploads a font file with its name; the preview, the card and the app use it at once", async () => {
    const withFont = {
      ...TENANT,
      brand: { ...TENANT.brand, font_key: FONT_KEY, font_format: "ttf", font_filename: "DejaVuSerif.ttf" },
    };
    const api = asAdmin({ "PUT /v1/tenant/font?filename=DejaVuSerif.ttf": () => json(withFont) });
    renderAt("/admin");
    const user = userEvent.setup();
    const card = within(await screen.findByRole("region", { name: "Font file" }));
    expect(card.queryByRole("button", { name: "Remove font file" })).toBeNull();
    const file = new File([new Uint8Array([0, 1, 0, 0])], "DejaVuSerif.ttf", { type: "font/ttf" });
    await user.upload(card.getByLabelText("Upload a font file"), file);

    expect(await card.findByText("Font updated everywhere.")).toBeTruthy();
    const [put] = api.callsTo("PUT /v1/tenant/font?filename=DejaVuSerif.ttf");
    expect(put.raw).toBe(file);
    expect(put.headers.get("X-CSRF-Token")).toBe("csrf-admin");
    expect(card.getByTestId("font-filename").textContent).toBe("DejaVuSerif.ttf");
    expect(card.getByTestId("font-filename").parentElement?.textContent).toBe("DejaVuSerif.ttf · TTF");
    expect(card.getByRole("button", { name: "Remove font file" })).toBeTruthy();
    // the preview loads the upload under a family of its own, ahead of the font family
    expect(faces).toContainEqual({
      family: "FlowAI Brand Preview F1",
      source: 'url("/v1/tenant/font?v=F1") format("truetype")',
    });
    const preview = screen.getByRole("group", { name: "Brand preview" });
    await waitFor(() =>
      expect(preview.style.getPropertyValue("--flowai-font")).toBe(
        '"FlowAI Brand Preview F1", Inter, system-ui, sans-serif',
      ),
    );
    expect(card.getByTestId("font-specimen").style.fontFamily).toContain("FlowAI Brand Preview F1");
    // the running app fetches /theme.css again (its @font-face names the new font) and the theme
    expect(document.head.querySelector('link[href^="/theme.css?v="]')).not.toBeNull();
    expect(api.callsTo("GET /v1/tenant/theme").length).toBeGreaterThanOrEqual(2);
  });

  it("refuses a favicon over 512 KiB before sending it", async () => {
    const api = asAdmin();
    renderAt("/admin");
    const user = userEvent.setup();
    const input = await screen.findByLabelText("Upload a new favicon");
    await user.upload(input, new File([new Uint8Array(512 * 1024 + 1)], "big.png", { type: "image/png" }));
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(input.getAttribute("aria-describedby")!)?.textContent).toBe(
      "That image is 513 KiB; favicons are limited to 512 KiB.",
    );
    expect(api.calls.filter((c) => c.method === "PUT")).toHaveLength(0);
  });

  it("shows the server's refusal of a file that is not what it says", async () => {
    asAdmin({
      "PUT /v1/tenant/favicon": () =>
        problem(415, {
          type: "https://flowai.dev/problems/unsupported-media",
          detail: "body: a favicon must be one of PNG, JPG, WEBP, GIF, ICO",
          errors: [{ field: "body", message: "a favicon must be one of PNG, JPG, WEBP, GIF, ICO" }],
        }),
    });
    renderAt("/admin");
    const user = userEvent.setup();
    const input = await screen.findByLabelText("Upload a new favicon");
    await user.upload(input, new File(["<svg/>"], "fake.png", { type: "image/png" }));
    expect(await screen.findByText("A favicon must be one of PNG, JPG, WEBP, GIF, ICO.")).toBeTruthy();
    expect(input.getAttribute("aria-invalid")).toBe("true");
  });

  it("removes the uploaded favicon after asking; tabs show the logo again", async () => {
    const withFavicon = {
      ...TENANT,
      brand: { ...TENANT.brand, logo_key: "t/ten_1/brand/L1/logo", favicon_key: "t/ten_1/brand/V1/favicon" },
    };
    const api = asAdmin({
      "GET /v1/tenant": () => json(withFavicon),
      "DELETE /v1/tenant/favicon": () => json({ ...withFavicon, brand: { ...withFavicon.brand, favicon_key: null } }),
    });
    renderAt("/admin");
    const user = userEvent.setup();
    const card = within(await screen.findByRole("region", { name: "Favicon" }));
    expect((card.getByRole("img", { name: "Current favicon of Acme Studios" }) as HTMLImageElement).src).toMatch(
      /\/v1\/tenant\/favicon\?v=V1$/,
    );
    await user.click(card.getByRole("button", { name: "Remove favicon" }));
    const dialog = within(screen.getByRole("alertdialog", { name: "Remove the favicon?" }));
    await user.click(dialog.getByRole("button", { name: "Remove favicon" }));

    expect(await card.findByText("Favicon removed: browsers show the logo again.")).toBeTruthy();
    expect(api.callsTo("DELETE /v1/tenant/favicon")).toHaveLength(1);
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(card.queryByRole("button", { name: "Remove favicon" })).toBeNull();
    // the favicon the page shows is the logo's now (the server redirects /v1/tenant/favicon to it)
    expect(document.head.querySelector('link[rel~="icon"]')?.getAttribute("href")).toBe("/v1/tenant/favicon?v=L1");
  });

  it("points the page's favicon at the theme's versioned favicon URL", async () => {
    const link = document.createElement("link");
    link.rel = "icon";
    link.href = "/v1/tenant/favicon";
    document.head.appendChild(link);
    asAdmin({ "GET /v1/tenant/theme": () => json({ ...THEME, favicon_url: "/v1/tenant/favicon?v=V9" }) });
    renderAt("/admin");
    await waitFor(() => expect(link.getAttribute("href")).toBe("/v1/tenant/favicon?v=V9"));
    expect(document.head.querySelectorAll('link[rel~="icon"]')).toHaveLength(1);
  });
});
