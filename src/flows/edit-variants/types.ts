/** One row of a bulk edit: a variant's new base price in a currency, its stock at a location, or both. */
export interface VariantEdit {
  variant_id: string;
  price?: { currency: string; amount_minor: number } | undefined;
  /** `on_hand` sets the count (a stocktake); `on_hand_delta` adds to it or takes from it. */
  stock?: { location_id: string; on_hand?: number | undefined; on_hand_delta?: number | undefined } | undefined;
}

export interface StockResult {
  variant_id: string;
  location_id: string;
  on_hand: number;
  reserved: number;
  available: number;
}
