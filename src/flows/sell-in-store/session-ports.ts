import type { AnyDb, AnyTrx } from '../../kernel/db.js';
import type { ModuleContext } from '../../kernel/module.js';
import { getSale } from '../../modules/instore/index.js';
import { acceptConsumerCode, memberJson } from '../../modules/membership/index.js';
import type { InStoreSale, InStoreSaleResult, SellOutcome } from './contract.js';
import { refundInStore } from './refund.js';
import { saleResult, sellInStore } from './sell.js';

/**
 * What the unattended gates need from the rest of the flow and from membership, in one place:
 * accepting the member's code at the entry gate (membership's `acceptConsumerCode`, purpose
 * `enter`), selling a session's basket (`sellInStore`), its sale as it stands (`saleResult`), and
 * refunding a disputed line (`refundInStore`). Wired at the merge of issue 18's parts.
 */
export interface EntryCode {
  code_use_id: string;
  consumer_id: string;
  member: Record<string, unknown>;
}

export async function acceptEntryCode(trx: AnyTrx, input: { merchant_id: string; location_id: string; device_id: string; code: string }): Promise<EntryCode> {
  const accepted = await acceptConsumerCode(trx, { ...input, purpose: 'enter' });
  return { code_use_id: accepted.code_use_id, consumer_id: accepted.consumer_id, member: memberJson(accepted.member) };
}

export function sellSession(ctx: ModuleContext, sale: InStoreSale): Promise<SellOutcome> {
  return sellInStore(ctx, sale);
}

export async function saleReceipt(db: AnyDb, merchant_id: string, sale_id: string): Promise<InStoreSaleResult | undefined> {
  const sale = await getSale(db, merchant_id, sale_id);
  return sale === undefined ? undefined : saleResult(sale);
}

export async function refundSessionLine(ctx: Pick<ModuleContext, 'db'>, input: { merchant_id: string; order_id: string; variant_id: string; quantity: number; reason: string; actor: string }): Promise<string> {
  const outcome = await refundInStore(ctx, { merchant_id: input.merchant_id, order_id: input.order_id, lines: [{ variant_id: input.variant_id, quantity: input.quantity }], actor: input.actor });
  if (!outcome.ok) throw outcome.problem;
  return outcome.refund.refund_id;
}
