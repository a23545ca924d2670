import type { Placement, AttributionSource } from './token.js';

/** One answer served: a recommendation placement's or a search's (raw rows kept 35 days). */
export interface AttrServedTable {
  merchant_id: string;
  /** The answer's ID (`srv_…`), the token's `served_id`. */
  id: string;
  source: AttributionSource;
  placement: Placement | 'search';
  served_at: Date;
  /** The brand's calendar day of `served_at`, in its time zone when served. */
  day: string;
  product_ids: string[];
  profile_id: string | null;
  query: string | null;
}

/** Per brand, day (its time zone) and placement: answers, items shown and touches. */
export interface AttrDailyTable {
  merchant_id: string;
  day: string;
  placement: Placement | 'search';
  answers: bigint;
  items: bigint;
  views: bigint;
  clicks: bigint;
  carts: bigint;
}

export interface AttributionTables {
  attr_served: AttrServedTable;
  attr_daily: AttrDailyTable;
}
