import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "./App";
import { THEME, USER, fakeApi, json, noContent, problem } from "./test/fakeApi";

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

const KEY = {
  id: "key_1",
  name: "CI deploys",
  prefix: "fla_key_1",
  scopes: ["read", "exports:write"],
  expires_at: "2027-02-24T00:00:00Z",
  last_used_at: null,
  revoked_at: null,
  created_at: "2026-11-26T09:00:00Z",
};

const signedIn = (extra: Record<string, () => Response> = {}) =>
  fakeApi({
    "GET /v1/tenant/theme": () => json(THEME),
    "GET /v1/me": () => json(USER),
    "GET /v1/jobs?limit=10": () =>
      json({
        items: [
          {
            id: "job_1",
            kind: "voice_clone",
            status: "succeeded",
            progress: 100,
            stage: "done",
            error: null,
            created_at: "2026-11-26T09:00:00Z",
            updated_at: "2026-11-26T09:05:00Z",
          },
        ],
        next_cursor: null,
      }),
    "GET /v1/apikeys": () => json({ items: [KEY], next_cursor: null }),
    ...extra,
  });

const signedOut = (extra: Record<string, () => Response> = {}) =>
  fakeApi({
    "GET /v1/tenant/theme": () => json(THEME),
    "GET /v1/me": () => problem(401, { title: "Unauthorized" }),
    "GET /v1/auth/csrf": () => {
      document.cookie = "flowai_csrf=csrf-abc; path=/";
      return json({ csrf_token: "csrf-abc" });
    },
    ...extra,
  });

beforeEach(() => {
  document.title = "";
});

describe("routing", () => {
  it("sends a signed-out visitor from an app page to /login", async () => {
    signedOut();
    renderAt("/dashboard");
    expect(await screen.findByRole("heading", { name: "Welcome back" })).toBeTruthy();
    expect(screen.queryByRole("heading", { name: /Good (morning|afternoon|evening)/ })).toBeNull();
  });

  it("sends / to /login when signed out and to /dashboard when signed in", async () => {
    signedOut();
    const first = renderAt("/");
    expect(await screen.findByRole("heading", { name: "Welcome back" })).toBeTruthy();
    first.unmount();

    signedIn();
    renderAt("/");
    expect(await screen.findByRole("heading", { name: /Ada/ })).toBeTruthy();
  });

  it("shows the dashboard: greeting, tenant, feature cards, jobs; logo and title from the tenant", async () => {
    signedIn();
    renderAt("/dashboard");
    expect(await screen.findByRole("heading", { level: 1, name: /, Ada$/ })).toBeTruthy();
    const features = screen.getByRole("navigation", { name: "Features" });
    for (const name of ["Voice", "Editor", "Shares", "Admin"]) {
      expect(within(features).getByRole("link", { name: new RegExp(`^${name}`) }).getAttribute("href")).toBe(
        `/${name.toLowerCase()}`,
      );
    }
    const jobs = await screen.findByRole("list", { name: "Recent jobs" });
    expect(within(jobs).getByText("Voice clone")).toBeTruthy();
    expect(within(jobs).getByRole("progressbar", { name: "Voice clone progress" }).getAttribute("aria-valuenow")).toBe(
      "100",
    );
    expect(screen.getAllByRole("img", { name: "Acme Studios" }).length).toBeGreaterThan(0);
    await waitFor(() => expect(document.title).toBe("Dashboard · Acme Studios"));
  });

  it("routes each feature page with its heading and says it is not there yet", async () => {
    signedIn();
    renderAt("/voice");
    expect(await screen.findByRole("heading", { level: 1, name: "Voice" })).toBeTruthy();
    const main = screen.getByRole("navigation", { name: "Main" });
    expect(within(main).getByRole("link", { name: "Voice" }).getAttribute("aria-current")).toBe("page");
    expect(within(main).getByRole("link", { name: "Dashboard" }).getAttribute("aria-current")).toBeNull();
  });

  it("logs out from the header with a CSRF-protected POST", async () => {
    const api = signedIn({ "POST /v1/auth/logout": noContent });
    document.cookie = "flowai_csrf=csrf-xyz; path=/";
    renderAt("/dashboard");
    await userEvent.click(await screen.findByRole("button", { name: "Log out" }));
    expect(await screen.findByRole("heading", { name: "Welcome back" })).toBeTruthy();
    const [logout] = api.callsTo("POST /v1/auth/logout");
    expect(logout.headers.get("X-CSRF-Token")).toBe("csrf-xyz");
  });
});

describe("signup and login forms", () => {
  it("checks the password length before sending and shows the error next to the field", async () => {
    const api = signedOut();
    renderAt("/signup");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Display name"), "Ada");
    await user.type(screen.getByLabelText("Password"), "short");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    const password = screen.getByLabelText("Password");
    expect(password.getAttribute("aria-invalid")).toBe("true");
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toBe("Use at least 10 characters.");
    expect(password.getAttribute("aria-describedby")).toContain(alert.id);
    expect(api.callsTo("POST /v1/auth/signup")).toHaveLength(0);
  });

  it("shows the server's 422 field errors next to their fields, and 409 on the email", async () => {
    let answer = problem(422, {
      title: "Validation failed",
      errors: [{ field: "display_name", message: "That name is reserved." }],
    });
    const api = signedOut({ "POST /v1/auth/signup": () => answer });
    renderAt("/signup");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Display name"), "admin");
    await user.type(screen.getByLabelText("Password"), "long enough password");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    const nameInput = screen.getByLabelText("Display name");
    await waitFor(() => expect(nameInput.getAttribute("aria-invalid")).toBe("true"));
    expect(document.getElementById(nameInput.getAttribute("aria-describedby")!)?.textContent).toBe(
      "That name is reserved.",
    );
    const [sent] = api.callsTo("POST /v1/auth/signup");
    expect(sent.body).toEqual({ email: "ada@example.com", password: "long enough password", display_name: "admin" });
    expect(sent.headers.get("X-CSRF-Token")).toBe("csrf-abc");

    answer = problem(409, { title: "Conflict", detail: "Email already registered." });
    await user.click(screen.getByRole("button", { name: "Create account" }));
    const email = screen.getByLabelText("Email");
    await waitFor(() => expect(email.getAttribute("aria-invalid")).toBe("true"));
    expect(document.getElementById(email.getAttribute("aria-describedby")!)?.textContent).toMatch(/already exists/);
  });

  it("shows how long to wait after 429 and disables the button", async () => {
    signedOut({
      "POST /v1/auth/login": () => problem(429, { title: "Too Many Requests" }, { "Retry-After": "42" }),
    });
    renderAt("/login");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "whatever-pass");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/Try again in 42 seconds/);
    expect((screen.getByRole("button", { name: "Log in" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows wrong credentials, then signs in and returns to the page asked for", async () => {
    let ok = false;
    let me = false;
    fakeApi({
      "GET /v1/tenant/theme": () => json(THEME),
      "GET /v1/me": () => (me ? json(USER) : problem(401, {})),
      "GET /v1/auth/csrf": () => json({ csrf_token: "c" }),
      "POST /v1/auth/login": () => {
        if (!ok) return problem(401, { title: "Unauthorized", detail: "Wrong email or password." });
        me = true;
        return json(USER);
      },
    });
    renderAt("/editor");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "wrong-password");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Wrong email or password.");
    ok = true;
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Editor" })).toBeTruthy();
  });
});

describe("API keys", () => {
  it("creates a key and shows its secret once, with a warning", async () => {
    const created = { ...KEY, id: "key_2", name: "Render bot", prefix: "fla_key_2", key: "fla_key_2_s3cr3t" };
    const api = signedIn({ "POST /v1/apikeys": () => json(created, { status: 201 }) });
    document.cookie = "flowai_csrf=csrf-k; path=/";
    renderAt("/dashboard");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Create key" }));
    const form = screen.getByRole("form", { name: "Create API key" });
    await user.type(within(form).getByLabelText("Key name"), "Render bot");
    await user.click(within(form).getByRole("checkbox", { name: /editor:write/ }));
    await user.clear(within(form).getByLabelText("Expires after (days)"));
    await user.type(within(form).getByLabelText("Expires after (days)"), "30");
    await user.click(within(form).getByRole("button", { name: "Create key" }));

    const secret = (await screen.findByLabelText("New API key")) as HTMLInputElement;
    expect(secret.value).toBe("fla_key_2_s3cr3t");
    expect(secret.readOnly).toBe(true);
    expect(screen.getByText(/will not be shown again/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "Copy API key" })).toBeTruthy();
    const [post] = api.callsTo("POST /v1/apikeys");
    expect(post.body).toEqual({ name: "Render bot", scopes: ["read", "editor:write"], expires_in_days: 30 });
    expect(post.headers.get("X-CSRF-Token")).toBe("csrf-k");
    expect(screen.getByRole("rowheader", { name: /Render bot/ })).toBeTruthy();

    await user.click(screen.getByRole("button", { name: "I have saved it" }));
    expect(screen.queryByLabelText("New API key")).toBeNull();
    expect(document.body.textContent).not.toContain("s3cr3t");
  });

  it("validates the create form next to each field", async () => {
    const api = signedIn();
    renderAt("/dashboard");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Create key" }));
    const form = screen.getByRole("form", { name: "Create API key" });
    await user.click(within(form).getByRole("checkbox", { name: /^read/ })); // untick the default
    await user.clear(within(form).getByLabelText("Expires after (days)"));
    await user.type(within(form).getByLabelText("Expires after (days)"), "0");
    await user.click(within(form).getByRole("button", { name: "Create key" }));
    const alerts = within(form).getAllByRole("alert").map((a) => a.textContent);
    expect(alerts).toEqual([
      expect.stringMatching(/Give the key a name/),
      expect.stringMatching(/whole number of days/),
      "Choose at least one scope.",
    ]);
    expect(api.callsTo("POST /v1/apikeys")).toHaveLength(0);
  });

  it("revokes a key only after confirming", async () => {
    let revoked = false;
    const api = signedIn({
      "DELETE /v1/apikeys/key_1": () => {
        revoked = true;
        return noContent();
      },
      "GET /v1/apikeys": () =>
        json({ items: [{ ...KEY, revoked_at: revoked ? "2026-11-26T10:00:00Z" : null }], next_cursor: null }),
    });
    document.cookie = "flowai_csrf=csrf-r; path=/";
    renderAt("/dashboard");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Revoke key CI deploys" }));
    let dialog = screen.getByRole("alertdialog", { name: "Revoke “CI deploys”?" });
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(api.callsTo("DELETE /v1/apikeys/key_1")).toHaveLength(0);

    await user.click(screen.getByRole("button", { name: "Revoke key CI deploys" }));
    dialog = screen.getByRole("alertdialog");
    await user.click(within(dialog).getByRole("button", { name: "Revoke key" }));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
    const [del] = api.callsTo("DELETE /v1/apikeys/key_1");
    expect(del.headers.get("X-CSRF-Token")).toBe("csrf-r");
    const row = screen.getByRole("row", { name: /CI deploys/ });
    expect(within(row).getByText(/Revoked/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Revoke key CI deploys" })).toBeNull();
  });
});
