import { vi } from "vitest";

export interface Call {
  method: string;
  path: string;
  headers: Headers;
  body: unknown;
  /** The body as sent when it is not JSON (a Blob for uploads). */
  raw: BodyInit | null | undefined;
  credentials: RequestCredentials | undefined;
}

type Handler = (call: Call) => Response | Promise<Response>;

export function json(body: unknown, init: ResponseInit = {}): Response {
  return new Response(JSON.stringify(body), {
    ...init,
    headers: { "Content-Type": "application/json", "X-Request-ID": "req-test", ...init.headers },
  });
}

export function problem(
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ status, ...body }), {
    status,
    headers: { "Content-Type": "application/problem+json", "X-Request-ID": "req-problem", ...headers },
  });
}

export const noContent = () => new Response(null, { status: 204 });

/**
 * Replaces `fetch` with a router over "METHOD /path" keys (the query string is part of the path).
 * Unknown routes answer 404 problem+json, so a test sees a wrong URL instead of hanging.
 */
export function fakeApi(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const method = (init.method ?? "GET").toUpperCase();
    const path = typeof input === "string" ? input : input instanceof URL ? input.pathname + input.search : input.url;
    const call: Call = {
      method,
      path,
      headers: new Headers(init.headers),
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
      raw: init.body,
      credentials: init.credentials,
    };
    calls.push(call);
    const handler = routes[`${method} ${path}`];
    if (!handler) return problem(404, { title: "Not Found", detail: `no fake route ${method} ${path}` });
    return handler(call);
  });
  vi.stubGlobal("fetch", fetchMock);
  vi.stubGlobal("XMLHttpRequest", fakeXhr(fetchMock));
  return { calls, fetchMock, callsTo: (key: string) => calls.filter((c) => `${c.method} ${c.path}` === key) };
}

/**
 * An XMLHttpRequest (what uploads with progress use) over the same routes: `send` reports upload
 * progress at half and all of the body, then answers through the fetch router.
 */
function fakeXhr(fetchMock: (input: string, init: RequestInit) => Promise<Response>) {
  return class FakeXMLHttpRequest {
    status = 0;
    responseText = "";
    withCredentials = false;
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
    private method = "GET";
    private url = "";
    private headers: Record<string, string> = {};
    private answerHeaders = new Headers();

    open(method: string, url: string) {
      this.method = method;
      this.url = url;
    }

    setRequestHeader(name: string, value: string) {
      this.headers[name] = value;
    }

    getResponseHeader(name: string) {
      return this.answerHeaders.get(name);
    }

    send(body?: Blob | string | null) {
      const total = body instanceof Blob ? body.size : typeof body === "string" ? body.length : 0;
      void (async () => {
        for (const share of [0.5, 1]) {
          await new Promise((r) => setTimeout(r, 0));
          this.upload.onprogress?.({ lengthComputable: total > 0, loaded: total * share, total } as ProgressEvent);
        }
        try {
          const response = await fetchMock(this.url, {
            method: this.method,
            headers: this.headers,
            body: body ?? undefined,
            credentials: this.withCredentials ? "include" : "same-origin",
          });
          this.status = response.status;
          this.answerHeaders = response.headers;
          this.responseText = await response.text();
          this.onload?.();
        } catch {
          this.onerror?.();
        }
      })();
    }
  };
}

export const USER = {
  id: "usr_01",
  email: "ada@example.com",
  display_name: "Ada Lovelace",
  avatar_url: null,
  tenant: { slug: "acme", name: "Acme Studios" },
  created_at: "2026-11-01T10:00:00Z",
};

export const THEME = {
  slug: "acme",
  name: "Acme Studios",
  logo_url: "/v1/tenant/logo",
  colors: {
    primary: "#6d28d9",
    secondary: "#0ea5e9",
    background: "#0b0b10",
    surface: "#16161f",
    text: "#f4f4f5",
    muted: "#a1a1aa",
  },
  font_family: "Inter, system-ui, sans-serif",
};
