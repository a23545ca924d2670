import type { Generated } from 'kysely';
import type { ShelfEventKind } from './basket-builder.js';

export const deviceKinds = ['entry_gate', 'exit_gate', 'shelf', 'screen', 'register'] as const;
export type DeviceKind = (typeof deviceKinds)[number];
export const sessionStatuses = ['open', 'charging', 'charged', 'review', 'empty'] as const;
export type SessionStatus = (typeof sessionStatuses)[number];
export const disputeStatuses = ['open', 'refunded', 'rejected'] as const;
export type DisputeStatus = (typeof disputeStatuses)[number];

export interface UnattendedStoreTable {
  merchant_id: string;
  location_id: string;
  unattended: boolean;
  updated_at: Generated<Date>;
}

export interface StoreDeviceTable {
  merchant_id: string;
  id: string;
  location_id: string;
  kind: DeviceKind;
  name: string;
  last_seen_at: Date | null;
  errors: Generated<number>;
  last_error: string | null;
  last_error_at: Date | null;
  created_at: Generated<Date>;
}

export interface StoreSessionTable {
  merchant_id: string;
  id: string;
  location_id: string;
  consumer_id: string;
  code_use_id: string | null;
  entry_device_id: string;
  exit_device_id: string | null;
  status: Generated<SessionStatus>;
  opened_at: Generated<Date>;
  closed_at: Date | null;
  review_reasons: Generated<unknown>;
  /** The frozen basket being charged (the exit's, or a merchant's resolution). */
  charge_lines: { variant_id: string; quantity: number }[] | null;
  sale_id: string | null;
  order_id: string | null;
  resolved_by: string | null;
  stale_flagged_at: Date | null;
}

export interface ShelfEventTable {
  merchant_id: string;
  id: string;
  event_id: string;
  device_id: string;
  location_id: string;
  variant_id: string;
  kind: ShelfEventKind;
  quantity: number;
  at: Date;
  candidates: { session_id: string; confidence: number }[];
  received_at: Generated<Date>;
}

export interface ShelfEventCandidateTable {
  merchant_id: string;
  session_id: string;
  shelf_event_id: string;
  confidence: number;
}

export interface StoreSessionLineTable {
  merchant_id: string;
  session_id: string;
  variant_id: string;
  quantity: number;
  uncertain: boolean;
  reasons: unknown;
  evidence: unknown;
}

export interface StoreDisputeTable {
  merchant_id: string;
  id: string;
  session_id: string;
  consumer_id: string;
  variant_id: string;
  quantity: number;
  reason: string;
  status: Generated<DisputeStatus>;
  note: string | null;
  refund_ref: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  created_at: Generated<Date>;
}

export interface SessionsTables {
  unattended_store: UnattendedStoreTable;
  store_device: StoreDeviceTable;
  store_session: StoreSessionTable;
  shelf_event: ShelfEventTable;
  shelf_event_candidate: ShelfEventCandidateTable;
  store_session_line: StoreSessionLineTable;
  store_dispute: StoreDisputeTable;
}
