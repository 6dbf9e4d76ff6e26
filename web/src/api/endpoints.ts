import { api } from "./client";
import type {
  ApiKey,
  CreateApiKeyRequest,
  CreatedApiKey,
  Job,
  Page,
  TenantTheme,
  User,
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
