import { api } from "../../api/client";
import type { Page } from "../../api/types";
import type { ChainInfo, Holdings, VideoShares } from "./types";

const enc = encodeURIComponent;

export const listShares = (signal?: AbortSignal) => api.get<Page<VideoShares>>("/v1/shares?limit=100", { signal });
export const getChain = () => api.get<ChainInfo>("/v1/shares/chain");
export const getHoldings = (address: string, signal?: AbortSignal) =>
  api.get<Holdings>(`/v1/shares/holdings/${enc(address)}`, { signal });
/** Ask the server to read new vault events now (it also does so every few seconds). */
export const indexNow = () => api.post<{ applied: number }>("/v1/shares/index");
