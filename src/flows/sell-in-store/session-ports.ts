import type { AnyDb, AnyTrx } from '../../kernel/db.js';
import type { ModuleContext } from '../../kernel/module.js';
import { acceptConsumerCode, memberJson } from '../../modules/membership/index.js';
import { awaitSale } from './await-sale.js';
import type { InStoreSale, InStoreSaleResult, SellOutcome } from './contract.js';
import { refundInStore } from './refund.js';
import { sellInStore } from './sell.js';

/**
 * What the unattended gates need from the rest of the flow and from membership, in one place:
 * accepting the member's code at the entry gate, selling a session's basket, waiting for its
 * sale's receipt, and refunding a disputed line.
 */
export interface EntryCode {
  code_use_id: string;
  consumer_id: string;
  member: Record<string, unknown>;
}

/** How long an exit gate waits for the sale's capture (its receipt) before answering it as it stands (`processing`). */
export const gate_receipt_wait_ms = 2_000;

export async function acceptEntryCode(trx: AnyTrx, input: { merchant_id: string; location_id: string; device_id: string; code: string }): Promise<EntryCode> {
  const accepted = await acceptConsumerCode(trx, { ...input, purpose: 'enter' });
  return { code_use_id: accepted.code_use_id, consumer_id: accepted.consumer_id, member: memberJson(accepted.member) };
}

export function sellSession(ctx: ModuleContext, sale: InStoreSale): Promise<SellOutcome> {
  return sellInStore(ctx, sale);
}

export function saleReceipt(db: AnyDb, merchant_id: string, sale_id: string): Promise<InStoreSaleResult | undefined> {
  return awaitSale(db, merchant_id, sale_id, gate_receipt_wait_ms);
}

/** Refunds the disputed units through the sale's order (in the caller's transaction when `ctx.db` is one); the refund's ID. */
export async function refundSessionLine(ctx: Pick<ModuleContext, 'db'>, input: { merchant_id: string; order_id: string; variant_id: string; quantity: number; reason: string; actor: string }): Promise<string> {
  const refunded = await refundInStore(ctx, { merchant_id: input.merchant_id, order_id: input.order_id, lines: [{ variant_id: input.variant_id, quantity: input.quantity }], actor: input.actor });
  if (!refunded.ok) throw refunded.problem;
  return refunded.refund.refund_id;
}
