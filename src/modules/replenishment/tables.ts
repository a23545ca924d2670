import type { ColumnType, Generated } from 'kysely';

export const supplierStatuses = ['active', 'archived'] as const;
export type SupplierStatus = (typeof supplierStatuses)[number];
export const purchaseOrderStatuses = ['approved', 'partially_received', 'received', 'cancelled'] as const;
export type PurchaseOrderStatus = (typeof purchaseOrderStatuses)[number];
export const suggestionKinds = ['purchase_order', 'transfer'] as const;
export type SuggestionKind = (typeof suggestionKinds)[number];
/** `superseded`: a later plan no longer needed it (an open one of the same group is updated in place instead). */
export const suggestionStatuses = ['open', 'approved', 'rejected', 'superseded'] as const;
export type SuggestionStatus = (typeof suggestionStatuses)[number];

export interface SupplierTable {
  merchant_id: string;
  id: string;
  name: string;
  email: string | null;
  currency: string;
  lead_time_days: number;
  status: SupplierStatus;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SupplierItemTable {
  merchant_id: string;
  supplier_id: string;
  variant_id: string;
  /** Overrides the supplier's lead time for this variant. */
  lead_time_days: number | null;
  min_order: number;
  pack_size: number;
  unit_cost_minor: bigint;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ReplenishmentSettingTable {
  merchant_id: string;
  variant_id: string;
  service_level: number;
  review_days: number;
  shelf_life_days: number | null;
  updated_at: Generated<Date>;
}

export interface PurchaseOrderTable {
  merchant_id: string;
  id: string;
  supplier_id: string;
  location_id: string;
  status: PurchaseOrderStatus;
  currency: string;
  suggestion_id: string | null;
  note: string | null;
  expected_at: Date;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PurchaseOrderLineTable {
  merchant_id: string;
  purchase_order_id: string;
  variant_id: string;
  quantity: number;
  received_quantity: Generated<number>;
  unit_cost_minor: bigint;
}

/** Why a line's quantity is what it is: the destination's position against its policy. */
export interface LineWhy {
  available: number;
  on_order: number;
  reorder_point: number;
  order_up_to: number;
  safety_stock: number;
  lead_time_demand: number;
  service_level: number;
  lead_time_days: number;
}

export interface SuggestionLine {
  variant_id: string;
  /** What the plan suggested; `quantity` is what was approved once decided. */
  suggested_quantity: number;
  quantity: number;
  why: LineWhy;
}

export interface SuggestionTable {
  merchant_id: string;
  id: string;
  kind: SuggestionKind;
  status: SuggestionStatus;
  group_key: string;
  supplier_id: string | null;
  from_location_id: string | null;
  to_location_id: string;
  /** Written as JSON text, read back as lines. */
  lines: ColumnType<SuggestionLine[], string, string>;
  reason: ColumnType<string | null, string | null | undefined, string | null>;
  purchase_order_id: ColumnType<string | null, string | null | undefined, string | null>;
  transfer_ids: ColumnType<string[], string[] | undefined, string[]>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  decided_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface ReplenishmentTables {
  supplier: SupplierTable;
  supplier_item: SupplierItemTable;
  replenishment_setting: ReplenishmentSettingTable;
  purchase_order: PurchaseOrderTable;
  purchase_order_line: PurchaseOrderLineTable;
  replenishment_suggestion: SuggestionTable;
}
