import type { Generated } from 'kysely';

export type PaymentStatus = 'processing' | 'authorized' | 'captured' | 'failed' | 'released' | 'refunded' | 'partially_refunded';

export interface PaymentTable {
  merchant_id: string;
  id: string;
  order_id: string;
  checkout_id: string;
  amount_minor: bigint;
  currency: string;
  status: PaymentStatus;
  provider: string;
  provider_payment_id: string | null;
  commission_bps: number;
  failure_code: string | null;
  refund_amount_minor: bigint | null;
  refund_sent_at: Date | null;
  payout_id: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ProviderEventTable {
  provider: string;
  event_id: string;
  type: string;
  provider_payment_id: string;
  /** The platform's payment ID, when the provider carried it back. */
  reference: string | null;
  amount_minor: bigint;
  currency: string;
  payload: unknown;
  received_at: Generated<Date>;
}

export interface PayoutTable {
  merchant_id: string;
  id: string;
  currency: string;
  amount_minor: bigint;
  gross_minor: bigint;
  commission_minor: bigint;
  refunded_minor: bigint;
  transfer_id: string;
  /** Who asked for it (`user:usr_…`, `key:key_…`); null when the platform's scheduled run paid it. */
  requested_by: Generated<string | null>;
  created_at: Generated<Date>;
}

export interface PayoutItemTable {
  merchant_id: string;
  payout_id: string;
  order_id: string;
  payment_id: string;
  gross_minor: bigint;
  commission_minor: bigint;
  refunded_minor: bigint;
  net_minor: bigint;
}

export interface PaymentTables {
  payment: PaymentTable;
  provider_event: ProviderEventTable;
  payout: PayoutTable;
  payout_item: PayoutItemTable;
}
