/** Response types of the viral-shares API (wei amounts are decimal strings). */

export interface VideoShares {
  video_id: string;
  status: string;
  error: string | null;
  job_id: string | null;
  chain_id: number;
  token_id: string | null;
  vault: string | null;
  creator: string;
  total_shares: number;
  price_per_share_wei: string;
  shares_for_sale: number;
  shares_sold: number;
  sales_wei: string;
  holders: number;
  revenue_share_bps: number;
  revenue_to_date_wei: string;
  shareholder_revenue_wei: string;
  deposited_wei: string;
  pending_deposit_wei: string;
  indexed_block: number;
  creator_calls?: { step: "lock" | "list"; to: string; data: string }[];
  custody?: string;
  offer_id?: string | null;
  export_id?: string | null;
  title?: string | null;
  page_url?: string | null;
  created_at: string;
}

/** What the offer form shows before Confirm (GET /v1/shares/offer-terms). */
export interface OfferTerms {
  total_shares: number;
  platform_fee_bps: number;
  display_currency: string | null;
  display_rate: string | null;
  chain_id: number;
  chain_name: string;
  estimated_gas: number;
  creator_gas: number;
  gas_price_wei: string | null;
  estimated_gas_cost_wei: string | null;
}

export interface RevenuePoint {
  at: string;
  source: string;
  amount_wei: string;
  shareholder_wei: string;
}

/** An offer's public view (GET /v1/offers/{id}): no sign-in needed. */
export interface Offer {
  id: string;
  title: string;
  status: string;
  page_url: string;
  poster_url: string | null;
  video_url: string | null;
  chain_id: number;
  chain_name: string;
  nft: string | null;
  token_id: string | null;
  vault: string | null;
  creator: string;
  explorer_url: string | null;
  total_shares: number;
  price_per_share_wei: string;
  shares_for_sale: number;
  shares_sold: number;
  holders: number;
  revenue_share_bps: number;
  platform_fee_bps: number;
  revenue_to_date_wei: string;
  shareholder_revenue_wei: string;
  deposited_wei: string;
  revenue_history: RevenuePoint[];
  display_currency: string | null;
  display_rate: string | null;
  indexed_block: number;
  created_at: string;
}

export interface Holding {
  video_id: string;
  vault: string | null;
  chain_id: number;
  address: string;
  balance: string;
  shares: number;
  claimable_wei: string;
  claimed_wei: string;
}

export interface Holdings {
  address: string;
  items: Holding[];
  total_claimable_wei: string;
}

export interface ChainInfo {
  chain_id: number;
  chain_id_hex: string;
  chain_name: string;
  rpc_url: string | null;
  nft: string;
  factory: string;
  selectors: Record<string, string>;
  errors: Record<string, string>;
}
