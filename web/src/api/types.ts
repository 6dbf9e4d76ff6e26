/** Wire types of the FlowAI API (see the contract). Ids are opaque strings. */

export interface TenantRef {
  slug: string;
  name: string;
}

export interface User {
  id: string;
  email: string;
  display_name: string;
  avatar_url: string | null;
  tenant: TenantRef;
  created_at: string;
}

export interface TenantTheme {
  slug: string;
  name: string;
  logo_url: string | null;
  colors: {
    primary: string;
    secondary: string;
    background: string;
    surface: string;
    text: string;
    muted: string;
  };
  font_family: string;
}

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled" | (string & {});

export interface Job {
  id: string;
  kind: string;
  status: JobStatus;
  progress: number;
  stage: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export const API_KEY_SCOPES = [
  "read",
  "voice:write",
  "editor:write",
  "exports:write",
  "shares:write",
  "webhooks:manage",
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

export interface CreatedApiKey extends ApiKey {
  /** The full secret `fla_<id>_<secret>`: returned once, never again. */
  key: string;
}

export interface CreateApiKeyRequest {
  name: string;
  scopes: string[];
  expires_in_days?: number | null;
}
