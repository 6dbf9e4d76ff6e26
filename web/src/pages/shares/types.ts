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
