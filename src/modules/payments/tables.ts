import type { Generated } from 'kysely';

export type PaymentStatus = 'processing' | 'authorized' | 'captured' | 'failed' | 'released' | 'refunded' | 'partially_refunded';

export interface PaymentTable {
  merchant_id: string;
  id: string;
  order_id: string;
  checkout_id: string;
  /** What the buyer pays: the order's total. */
  amount_minor: bigint;
  /**
   * What the platform adds for the discounts it funds (the order's platform-funded discounts),
   * paid into escrow at capture so the seller is held amount_minor + this.
   */
  platform_funded_minor: Generated<bigint>;
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

/** A partial refund while the order goes on: a short-picked line that nobody else could send. */
export interface PaymentLineRefundTable {
  merchant_id: string;
  /** Also the ID of its ledger transfer (escrow -> provider clearing). */
  id: string;
  payment_id: string;
  order_id: string;
  /** 1, 2, ...: the escrow hold it leaves is hold_<payment>_<seq>. */
  seq: number;
  /** Returned to the buyer: what they paid for the refunded units. */
  amount_minor: bigint;
  /** Returned to the platform: its funded discount on those units. */
  platform_funded_minor: Generated<bigint>;
  reason: string;
  sent_at: Date | null;
  created_at: Generated<Date>;
}

export interface PaymentTables {
  payment: PaymentTable;
  payment_line_refund: PaymentLineRefundTable;
  provider_event: ProviderEventTable;
  payout: PayoutTable;
  payout_item: PayoutItemTable;
}
