import { describe, expect, it } from "vitest";
import { ApiError, api, mapFieldErrors, onUnauthorized, parseRetryAfter } from "./client";
import { fakeApi, json, noContent, problem } from "../test/fakeApi";

describe("CSRF", () => {
  it("sends the flowai_csrf cookie as X-CSRF-Token on every unsafe method", async () => {
    document.cookie = "flowai_csrf=tok-123; path=/";
    const { calls } = fakeApi({
      "POST /v1/things": () => json({ ok: true }, { status: 201 }),
      "PUT /v1/things/1": () => json({}),
      "PATCH /v1/things/1": () => json({}),
      "DELETE /v1/things/1": noContent,
    });
    await api.post("/v1/things", { a: 1 });
    await api.put("/v1/things/1", {});
    await api.patch("/v1/things/1", {});
    await api.delete("/v1/things/1");
    expect(calls.map((c) => c.method)).toEqual(["POST", "PUT", "PATCH", "DELETE"]);
    for (const call of calls) {
      expect(call.headers.get("X-CSRF-Token")).toBe("tok-123");
      expect(call.credentials).toBe("same-origin");
    }
    expect(calls[0].headers.get("Content-Type")).toBe("application/json");
    expect(calls[0].body).toEqual({ a: 1 });
  });

  it("does not send the token on GET", async () => {
    document.cookie = "flowai_csrf=tok-123; path=/";
    const { calls } = fakeApi({ "GET /v1/me": () => json({ id: "u" }) });
    await api.get("/v1/me");
    expect(calls[0].headers.has("X-CSRF-Token")).toBe(false);
    expect(calls[0].credentials).toBe("same-origin");
  });

  it("fetches a token first when there is no cookie yet (login, signup)", async () => {
    const { calls } = fakeApi({
      "GET /v1/auth/csrf": () => {
        document.cookie = "flowai_csrf=fresh-1; path=/"; // what Set-Cookie does in a browser
        return json({ csrf_token: "fresh-1" });
      },
      "POST /v1/auth/login": () => json({ id: "u" }),
    });
    await api.post("/v1/auth/login", { email: "a@b.co", password: "x" });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(["GET /v1/auth/csrf", "POST /v1/auth/login"]);
    expect(calls[1].headers.get("X-CSRF-Token")).toBe("fresh-1");
  });

  it("retries once with a fresh token when the server rejects the old one", async () => {
    document.cookie = "flowai_csrf=stale; path=/";
    let posts = 0;
    const { calls } = fakeApi({
      "GET /v1/auth/csrf": () => {
        document.cookie = "flowai_csrf=rotated; path=/";
        return json({ csrf_token: "rotated" });
      },
      "POST /v1/apikeys": (call) => {
        posts += 1;
        return call.headers.get("X-CSRF-Token") === "rotated"
          ? json({ id: "k" }, { status: 201 })
          : problem(403, { type: "https://flowai.dev/problems/csrf", title: "CSRF token missing or invalid" });
      },
    });
    await expect(api.post("/v1/apikeys", { name: "n" })).resolves.toEqual({ id: "k" });
    expect(posts).toBe(2);
    expect(calls.at(-1)?.headers.get("X-CSRF-Token")).toBe("rotated");
  });

  it("does not retry a 403 that is not about CSRF", async () => {
    document.cookie = "flowai_csrf=t; path=/";
    const { calls } = fakeApi({
      "DELETE /v1/apikeys/k1": () => problem(403, { title: "Forbidden", detail: "Admins only." }),
    });
    await expect(api.delete("/v1/apikeys/k1")).rejects.toMatchObject({ status: 403, detail: "Admins only." });
    expect(calls).toHaveLength(1);
  });
});

describe("errors", () => {
  it("maps problem+json errors[] to per-field messages", async () => {
    document.cookie = "flowai_csrf=t; path=/";
    fakeApi({
      "POST /v1/auth/signup": () =>
        problem(422, {
          type: "https://flowai.dev/problems/validation",
          title: "Validation failed",
          detail: "2 fields are invalid.",
          errors: [
            { field: "email", message: "Not a valid email address." },
            { field: "body.password", message: "Use at least 10 characters." },
            { field: "password", message: "Too common." },
          ],
        }),
    });
    const err = await api.post("/v1/auth/signup", {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(422);
    expect(e.type).toBe("https://flowai.dev/problems/validation");
    expect(e.detail).toBe("2 fields are invalid.");
    expect(e.message).toBe("2 fields are invalid.");
    expect(e.requestId).toBe("req-problem");
    expect(e.fieldErrors).toEqual({
      email: "Not a valid email address.",
      password: "Use at least 10 characters. Too common.",
    });
  });

  it("reads Retry-After on 429", async () => {
    document.cookie = "flowai_csrf=t; path=/";
    fakeApi({
      "POST /v1/auth/login": () => problem(429, { title: "Too Many Requests" }, { "Retry-After": "42" }),
    });
    const e = (await api.post("/v1/auth/login", {}).catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(429);
    expect(e.retryAfter).toBe(42);
    expect(e.detail).toBe("Too Many Requests");
  });

  it("gives a readable error for a non-JSON failure and for a network failure", async () => {
    fakeApi({ "GET /v1/jobs": () => new Response("<html>Bad gateway</html>", { status: 502 }) });
    const e = (await api.get("/v1/jobs").catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(502);
    expect(e.detail).toMatch(/server had a problem/i);

    globalThis.fetch = () => Promise.reject(new TypeError("Failed to fetch"));
    const n = (await api.get("/v1/jobs").catch((x: unknown) => x)) as ApiError;
    expect(n).toBeInstanceOf(ApiError);
    expect(n.status).toBe(0);
    expect(n.detail).toMatch(/cannot reach/i);
  });

  it("returns undefined for 204 and JSON for 200", async () => {
    document.cookie = "flowai_csrf=t; path=/";
    fakeApi({ "DELETE /v1/apikeys/a": noContent, "GET /v1/apikeys": () => json({ items: [], next_cursor: null }) });
    await expect(api.delete("/v1/apikeys/a")).resolves.toBeUndefined();
    await expect(api.get("/v1/apikeys")).resolves.toEqual({ items: [], next_cursor: null });
  });

  it("tells listeners about a 401 unless asked to keep quiet", async () => {
    fakeApi({ "GET /v1/jobs": () => problem(401, { title: "Unauthorized" }), "GET /v1/me": () => problem(401, {}) });
    let heard = 0;
    const stop = onUnauthorized(() => (heard += 1));
    await api.get("/v1/jobs").catch(() => undefined);
    await api.get("/v1/me", { quietUnauthorized: true }).catch(() => undefined);
    stop();
    expect(heard).toBe(1);
  });
});

describe("helpers", () => {
  it("parses Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("30")).toBe(30);
    const now = Date.parse("2026-11-26T12:00:00Z");
    expect(parseRetryAfter("Thu, 26 Nov 2026 12:01:00 GMT", now)).toBe(60);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
  });

  it("ignores malformed errors entries", () => {
    expect(mapFieldErrors(undefined)).toEqual({});
    expect(mapFieldErrors([{ field: "name", message: "Required." }, null as never])).toEqual({ name: "Required." });
  });
});
