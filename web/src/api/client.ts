/**
 * The one way the web app talks to the FlowAI API.
 *
 * - Cookies only (`credentials: "same-origin"`): the session cookie is HttpOnly.
 * - Every unsafe method (POST/PUT/PATCH/DELETE) sends `X-CSRF-Token` with the value of the
 *   `flowai_csrf` cookie; when that cookie is missing, it is fetched from GET /v1/auth/csrf first.
 * - Errors come back as RFC 9457 problem+json and are raised as `ApiError`, with the
 *   per-field messages (`errors[].field`) mapped into `fieldErrors` for forms.
 */

export const CSRF_COOKIE = "flowai_csrf";
export const CSRF_HEADER = "X-CSRF-Token";
const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export interface ProblemFieldError {
  field: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: ProblemFieldError[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  /** Message per field name (`email`, `password`, ...); several messages for a field are joined. */
  readonly fieldErrors: Record<string, string>;
  readonly requestId: string | null;
  /** Seconds from a `Retry-After` header (429/503), or null. */
  readonly retryAfter: number | null;

  constructor(init: {
    status: number;
    problem: Problem;
    requestId?: string | null;
    retryAfter?: number | null;
  }) {
    const { status, problem } = init;
    const title = problem.title || defaultTitle(status);
    const detail = problem.detail || title;
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.type = problem.type || "about:blank";
    this.title = title;
    this.detail = detail;
    this.fieldErrors = mapFieldErrors(problem.errors);
    this.requestId = init.requestId ?? null;
    this.retryAfter = init.retryAfter ?? null;
  }
}

function defaultTitle(status: number): string {
  if (status === 0) return "Cannot reach the FlowAI server. Check your connection and try again.";
  if (status === 401) return "Please sign in to continue.";
  if (status === 403) return "You do not have permission to do that.";
  if (status === 404) return "Not found.";
  if (status === 429) return "Too many requests. Please wait a moment and try again.";
  if (status >= 500) return `The server had a problem (HTTP ${status}). Please try again.`;
  return `The request failed (HTTP ${status}).`;
}

/** `body.email` / `email` → `email`; messages for one field are joined with a space. */
export function mapFieldErrors(errors: ProblemFieldError[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(errors)) return out;
  for (const err of errors) {
    if (!err || typeof err.message !== "string") continue;
    const field = String(err.field ?? "").replace(/^body\./, "") || "_";
    out[field] = out[field] ? `${out[field]} ${err.message}` : err.message;
  }
  return out;
}

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

export function readCookie(name: string): string | null {
  if (typeof document === "undefined") return null;
  for (const part of document.cookie.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

let csrfFromBody: string | null = null;
let csrfInFlight: Promise<string> | null = null;

/** The CSRF token: the cookie's value, fetched from the server first when there is none. */
export async function csrfToken(force = false): Promise<string> {
  const cookie = readCookie(CSRF_COOKIE);
  if (cookie && !force) return cookie;
  if (csrfFromBody && !force) return csrfFromBody;
  csrfInFlight ??= (async () => {
    try {
      const data = await request<{ csrf_token: string }>("/v1/auth/csrf");
      // The cookie is the source of truth (the server compares header and cookie).
      csrfFromBody = readCookie(CSRF_COOKIE) ?? data.csrf_token;
      return csrfFromBody;
    } finally {
      csrfInFlight = null;
    }
  })();
  return csrfInFlight;
}

/** Forget any cached token (tests; after logout the server may rotate it). */
export function resetCsrf(): void {
  csrfFromBody = null;
  csrfInFlight = null;
}

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** Called when any request other than GET /v1/me answers 401 (the session ended). */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** Do not tell the unauthorized listeners about a 401 (used by GET /v1/me). */
  quietUnauthorized?: boolean;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = (options.method ?? "GET").toUpperCase();
  const unsafe = UNSAFE_METHODS.has(method);
  let response = await send(path, method, options, unsafe ? await csrfToken() : null);
  if (unsafe && response.status === 403 && (await isCsrfProblem(response))) {
    // The token rotated (for example at login): fetch a fresh one and try once more.
    response = await send(path, method, options, await csrfToken(true));
  }
  return parseResponse<T>(response, options);
}

async function send(
  path: string,
  method: string,
  options: RequestOptions,
  csrf: string | null,
): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json, application/problem+json" };
  // A Blob (a File from an <input type=file>) goes as the raw body with its own type (uploads).
  const raw = typeof Blob !== "undefined" && options.body instanceof Blob ? options.body : null;
  if (raw) headers["Content-Type"] = raw.type || "application/octet-stream";
  else if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (csrf) headers[CSRF_HEADER] = csrf;
  try {
    return await fetch(path, {
      method,
      headers,
      body: raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError({ status: 0, problem: {} });
  }
}

async function isCsrfProblem(response: Response): Promise<boolean> {
  try {
    const problem = (await response.clone().json()) as Problem;
    return /csrf/i.test(`${problem.type ?? ""} ${problem.title ?? ""} ${problem.detail ?? ""}`);
  } catch {
    return false;
  }
}

async function parseResponse<T>(response: Response, options: RequestOptions): Promise<T> {
  const requestId = response.headers.get("X-Request-ID");
  const contentType = response.headers.get("Content-Type") ?? "";
  const isJson = /[/+]json\b/.test(contentType);
  if (response.ok) {
    if (response.status === 204 || !isJson) return undefined as T;
    return (await response.json()) as T;
  }
  let problem: Problem = {};
  if (isJson) {
    try {
      const parsed: unknown = await response.json();
      if (parsed && typeof parsed === "object") problem = parsed as Problem;
    } catch {
      /* a broken body still gives a useful status */
    }
  }
  const error = new ApiError({
    status: response.status,
    problem,
    requestId,
    retryAfter: parseRetryAfter(response.headers.get("Retry-After")),
  });
  if (response.status === 401 && !options.quietUnauthorized) {
    for (const listener of unauthorizedListeners) listener();
  }
  throw error;
}

export const api = {
  get: <T>(path: string, options?: Omit<RequestOptions, "method" | "body">) =>
    request<T>(path, { ...options, method: "GET" }),
  post: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, "method" | "body">) =>
    request<T>(path, { ...options, method: "POST", body }),
  put: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, "method" | "body">) =>
    request<T>(path, { ...options, method: "PUT", body }),
  patch: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, "method" | "body">) =>
    request<T>(path, { ...options, method: "PATCH", body }),
  delete: <T = void>(path: string, options?: Omit<RequestOptions, "method" | "body">) =>
    request<T>(path, { ...options, method: "DELETE" }),
};
