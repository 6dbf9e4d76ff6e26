import type { BrandFileKind } from "../lib/brandFiles";
import { api } from "./client";
import type {
  ApiKey,
  AuditEntry,
  Capabilities,
  CreatedInvite,
  Invite,
  InviteInfo,
  CreateApiKeyRequest,
  CreatedApiKey,
  CreatedWebhookEndpoint,
  Domain,
  Job,
  Member,
  Page,
  Tenant,
  TenantPatch,
  TenantTheme,
  Usage,
  User,
  WebhookDelivery,
  WebhookDeliveryDetail,
  WebhookEndpoint,
  WebhookEndpointIn,
  WebhookEndpointPatch,
  WebhookSecret,
} from "./types";

export const getMe = (signal?: AbortSignal) =>
  api.get<User>("/v1/me", { signal, quietUnauthorized: true });
export const login = (body: { email: string; password: string }) =>
  api.post<User>("/v1/auth/login", body, { quietUnauthorized: true });
export const signup = (body: { email: string; password: string; display_name: string }) =>
  api.post<User>("/v1/auth/signup", body);
export const logout = () => api.post<void>("/v1/auth/logout");

export const getTenantTheme = (signal?: AbortSignal) =>
  api.get<TenantTheme>("/v1/tenant/theme", { signal, quietUnauthorized: true });

export const listJobs = (limit = 10, signal?: AbortSignal) =>
  api.get<Page<Job>>(`/v1/jobs?limit=${limit}`, { signal });

export const listApiKeys = (signal?: AbortSignal) => api.get<Page<ApiKey>>("/v1/apikeys", { signal });
export const createApiKey = (body: CreateApiKeyRequest) =>
  api.post<CreatedApiKey>("/v1/apikeys", body);
export const revokeApiKey = (id: string) => api.delete(`/v1/apikeys/${encodeURIComponent(id)}`);

// --- tenant administration (admins and owners) -------------------------------------------

const enc = encodeURIComponent;

export const getTenant = (signal?: AbortSignal) => api.get<Tenant>("/v1/tenant", { signal });
export const updateTenant = (body: TenantPatch) => api.patch<Tenant>("/v1/tenant", body);
/**
 * A brand file as the raw body: the logo (PNG, JPEG, WebP or GIF, 2 MiB), the favicon (those or
 * ICO, 512 KiB) or the font (WOFF2, WOFF, TTF or OTF, 2 MiB; its file name goes along).
 */
export const uploadBrandFile = (kind: BrandFileKind, file: Blob) =>
  api.put<Tenant>(
    kind === "font" && file instanceof File && file.name
      ? `/v1/tenant/font?filename=${enc(file.name)}`
      : `/v1/tenant/${kind}`,
    file,
  );
/** Back to the default: the monogram logo, the logo as favicon, the font family alone. */
export const removeBrandFile = (kind: BrandFileKind) => api.delete<Tenant>(`/v1/tenant/${kind}`);
export const uploadLogo = (file: Blob) => uploadBrandFile("logo", file);

export const listDomains = (signal?: AbortSignal) => api.get<Domain[]>("/v1/tenant/domains", { signal });
export const addDomain = (host: string) => api.post<Domain>("/v1/tenant/domains", { host });
export const verifyDomain = (host: string) => api.post<Domain>(`/v1/tenant/domains/${enc(host)}/verify`);
export const removeDomain = (host: string) => api.delete(`/v1/tenant/domains/${enc(host)}`);

export const listMembers = (cursor?: string | null, signal?: AbortSignal) =>
  api.get<Page<Member>>(`/v1/tenant/users?limit=100${cursor ? `&cursor=${enc(cursor)}` : ""}`, { signal });
export const setMemberRole = (id: string, role: string) =>
  api.patch<Member>(`/v1/tenant/users/${enc(id)}`, { role });

export const AUDIT_PAGE = 50;
export const listAudit = (cursor?: string | null, signal?: AbortSignal) =>
  api.get<Page<AuditEntry>>(`/v1/tenant/audit?limit=${AUDIT_PAGE}${cursor ? `&cursor=${enc(cursor)}` : ""}`, {
    signal,
  });

export const getUsage = (signal?: AbortSignal) => api.get<Usage>("/v1/tenant/usage", { signal });

// --- webhooks (admins and owners, scope webhooks:manage) -----------------------------------

export const listWebhookEventTypes = (signal?: AbortSignal) =>
  api.get<{ type: string }[]>("/v1/webhooks/event-types", { signal });
export const listWebhookEndpoints = (signal?: AbortSignal) =>
  api.get<Page<WebhookEndpoint>>("/v1/webhooks/endpoints?limit=100", { signal });
export const createWebhookEndpoint = (body: WebhookEndpointIn) =>
  api.post<CreatedWebhookEndpoint>("/v1/webhooks/endpoints", body);
export const updateWebhookEndpoint = (id: string, body: WebhookEndpointPatch) =>
  api.patch<WebhookEndpoint>(`/v1/webhooks/endpoints/${enc(id)}`, body);
export const deleteWebhookEndpoint = (id: string) => api.delete(`/v1/webhooks/endpoints/${enc(id)}`);
export const rotateWebhookSecret = (id: string, overlapSeconds = 86400) =>
  api.post<WebhookSecret>(`/v1/webhooks/endpoints/${enc(id)}/rotate-secret`, { overlap_seconds: overlapSeconds });
export const sendWebhookTest = (id: string) =>
  api.post<WebhookDelivery>(`/v1/webhooks/endpoints/${enc(id)}/test`);
export const DELIVERY_PAGE = 20;
export const listWebhookDeliveries = (id: string, cursor?: string | null, signal?: AbortSignal) =>
  api.get<Page<WebhookDelivery>>(
    `/v1/webhooks/endpoints/${enc(id)}/deliveries?limit=${DELIVERY_PAGE}${cursor ? `&cursor=${enc(cursor)}` : ""}`,
    { signal },
  );
export const getWebhookDelivery = (id: string, signal?: AbortSignal) =>
  api.get<WebhookDeliveryDetail>(`/v1/webhooks/deliveries/${enc(id)}`, { signal });
export const replayWebhookDelivery = (id: string) =>
  api.post<WebhookDelivery>(`/v1/webhooks/deliveries/${enc(id)}/replay`);

// --- accounts: forgot/reset password, invitations, what this caller can use ---------------------
export const forgotPassword = (email: string) =>
  api.post<{ detail: string }>("/v1/auth/password/forgot", { email }, { quietUnauthorized: true });
export const resetPassword = (token: string, password: string) =>
  api.post<User>("/v1/auth/password/reset", { token, password }, { quietUnauthorized: true });
export const lookupInvite = (token: string) =>
  api.post<InviteInfo>("/v1/auth/invites/lookup", { token }, { quietUnauthorized: true });
export const acceptInvite = (body: { token: string; password: string; display_name?: string }) =>
  api.post<User>("/v1/auth/invites/accept", body, { quietUnauthorized: true });
export const listInvites = (signal?: AbortSignal) => api.get<Page<Invite>>("/v1/tenant/invites", { signal });
export const createInvite = (email: string, role: string) =>
  api.post<CreatedInvite>("/v1/tenant/invites", { email, role });
export const revokeInvite = (id: string) => api.delete(`/v1/tenant/invites/${enc(id)}`);
export const getCapabilities = (signal?: AbortSignal) => api.get<Capabilities>("/v1/capabilities", { signal });
