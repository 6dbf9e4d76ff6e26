import { api } from "../../api/client";
import type { Page } from "../../api/types";
import type { ChainInfo, Holdings, Offer, OfferTerms, VideoShares } from "./types";

const enc = encodeURIComponent;

export const listShares = (signal?: AbortSignal) => api.get<Page<VideoShares>>("/v1/shares?limit=100", { signal });
export const getChain = () => api.get<ChainInfo>("/v1/shares/chain");
export const getHoldings = (address: string, signal?: AbortSignal) =>
  api.get<Holdings>(`/v1/shares/holdings/${enc(address)}`, { signal });
/** Ask the server to read new vault events now (it also does so every few seconds). */
export const indexNow = () => api.post<{ applied: number }>("/v1/shares/index");

/** The body of POST /v1/exports/{id}/shares (wei as decimal strings). */
export interface OfferRequest {
  price_per_share_wei: string;
  shares_for_sale: number;
  revenue_share_bps: number;
  creator_address?: string;
}
export const getOfferTerms = () => api.get<OfferTerms>("/v1/shares/offer-terms");
export const offerExport = (exportId: string, body: OfferRequest) =>
  api.post<VideoShares>(`/v1/exports/${enc(exportId)}/shares`, body);
export const getVideoShares = (videoId: string) => api.get<VideoShares>(`/v1/videos/${enc(videoId)}/shares`);
/** Public: answers signed out too. */
export const getOffer = (offerId: string, signal?: AbortSignal) => api.get<Offer>(`/v1/offers/${enc(offerId)}`, { signal });
