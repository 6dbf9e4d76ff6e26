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
  /** "member" | "admin" | "owner" (older servers may leave it out). */
  role?: Role;
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
  /** The uploaded font ("/v1/tenant/font?v=<id>"), declared in /theme.css as "FlowAI Brand Font"; null when none. */
  font_url?: string | null;
  /** The favicon to show ("/v1/tenant/favicon?v=<id>"): the uploaded one, else the logo. */
  favicon_url?: string;
  /** Premium features the tenant's users see; missing means all of them. */
  features?: Feature[];
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
  "admin",
  "platform",
] as const;
/** Scopes a key gets only when an admin asks for them (platform: in the platform's workspace). */
export const ADMIN_SCOPES: readonly string[] = ["admin", "platform"];
export const PLATFORM_TENANT = "flowai";
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

export const ROLES = ["member", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number] | (string & {});

export const FEATURES = ["voice", "editor", "shares", "admin"] as const;
export type Feature = (typeof FEATURES)[number] | (string & {});

export const COLOR_NAMES = ["primary", "secondary", "background", "surface", "text", "muted"] as const;
export type ColorName = (typeof COLOR_NAMES)[number];
export type BrandColors = Record<ColorName, string>;

/** GET/PATCH /v1/tenant (tenant admins only). */
export interface Tenant {
  id: string;
  slug: string;
  name: string;
  plan: string;
  brand: {
    colors?: Partial<BrandColors>;
    font_family?: string;
    /** Uploaded files (PUT /v1/tenant/{logo,favicon,font}): storage key and sniffed format, null when none. */
    logo_key?: string | null;
    logo_format?: string | null;
    favicon_key?: string | null;
    favicon_format?: string | null;
    font_key?: string | null;
    /** "woff2", "woff", "ttf" or "otf". */
    font_format?: string | null;
    font_filename?: string | null;
  };
  features: Feature[];
  /** Where the workspace's rows live on PostgreSQL: row-level security in shared tables, or its own schema. */
  isolation: "shared" | "schema";
  created_at: string;
}

export interface TenantPatch {
  name?: string;
  colors?: Partial<BrandColors>;
  font_family?: string;
  features?: Feature[];
}

export interface Domain {
  host: string;
  kind: "subdomain" | "custom" | (string & {});
  verified: boolean;
  verified_at: string | null;
  /** While pending: create a TXT record with this name… */
  txt_record: string | null;
  /** …holding this value, then verify. */
  txt_value: string | null;
  last_checked_at: string | null;
  last_error: string | null;
}

export interface Member {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  created_at: string;
  last_login_at: string | null;
}

export interface AuditEntry {
  id: string;
  actor_id: string | null;
  action: string;
  target: string | null;
  data: Record<string, unknown>;
  ip: string | null;
  created_at: string;
}

export interface Usage {
  users: number;
  jobs: Record<string, number>;
  storage_bytes: number;
  files: number;
}

export type WebhookFormat = "standard" | "slack";

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  /** Empty: every event type. */
  event_types: string[];
  format: WebhookFormat | (string & {});
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: string | null;
  failing_since: string | null;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface CreatedWebhookEndpoint extends WebhookEndpoint {
  /** The signing secret `whsec_…`. */
  secret: string;
}

export interface WebhookEndpointIn {
  url: string;
  description?: string;
  event_types: string[];
  /** null: slack for hooks.slack.com, else standard. */
  format?: WebhookFormat | null;
}

export interface WebhookEndpointPatch {
  url?: string;
  description?: string;
  event_types?: string[];
  format?: WebhookFormat;
  enabled?: boolean;
}

export interface WebhookSecret {
  secret: string;
  previous_secret_expires_at: string | null;
}

export interface WebhookDelivery {
  id: string;
  /** The webhook-id header the receiver saw. */
  event_id: string;
  event_type: string;
  endpoint_id: string;
  status: "pending" | "succeeded" | "failed" | (string & {});
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  replay_of: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface WebhookAttempt {
  attempt: number;
  status_code: number | null;
  /** The first 1000 characters of the receiver's response. */
  response_body: string | null;
  error: string | null;
  duration_ms: number;
  next_attempt_at: string | null;
  created_at: string;
}

export interface WebhookDeliveryDetail extends WebhookDelivery {
  log: WebhookAttempt[];
}

export interface Invite {
  id: string;
  email: string;
  role: string;
  invited_by: string | null;
  created_at: string;
  expires_at: string;
}

export interface CreatedInvite extends Invite {
  /** The invitation link, shown once (it is also emailed). */
  link: string;
}

export interface InviteInfo {
  email: string;
  role: string;
  workspace: string;
  account_exists: boolean;
  expires_at: string;
}

/** GET /v1/capabilities: what this workspace and this caller can use now. */
export interface Capabilities {
  role: string;
  scopes: string[];
  admin: boolean;
  voice: { enabled: boolean; tts: boolean; engine: string; clone_status: string; cloned: boolean };
  editor: { enabled: boolean; export: boolean };
  shares: { enabled: boolean; chain_configured: boolean; chain: string; chain_id: number; offer: boolean };
}
