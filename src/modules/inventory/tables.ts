import type { Generated } from 'kysely';

/** Why stock changed. Every change is one journal row with one of these reasons. */
export const stockReasons = ['receipt', 'adjustment', 'transfer_out', 'transfer_in', 'reservation', 'release', 'sale'] as const;
export type StockReason = (typeof stockReasons)[number];

export interface StockLevelTable {
  merchant_id: string;
  variant_id: string;
  location_id: string;
  on_hand: bigint;
  reserved: bigint;
  low_stock_threshold: number;
  updated_at: Generated<Date>;
}

export interface StockMovementTable {
  merchant_id: string;
  id: string;
  variant_id: string;
  location_id: string;
  reason: StockReason;
  on_hand_delta: bigint;
  reserved_delta: bigint;
  /** What caused it: an order, a transfer, a person's adjustment. */
  reference: string | null;
  note: string | null;
  created_at: Generated<Date>;
}

export interface InventoryTables {
  stock_level: StockLevelTable;
  stock_movement: StockMovementTable;
}
