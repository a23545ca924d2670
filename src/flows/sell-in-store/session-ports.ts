import type { AnyDb, AnyTrx } from '../../kernel/db.js';
import type { ModuleContext } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import type { InStoreSale, InStoreSaleResult, SellOutcome } from './contract.js';

/**
 * What the unattended gates need from the rest of the flow and from membership, in one place:
 * accepting the member's code at the entry gate, selling a session's basket, waiting for its
 * sale's receipt, and refunding a disputed line. (Wired to membership's `acceptConsumerCode` and
 * this flow's `sellInStore`, `awaitSale` and `refundInStore` once those land.)
 */
export interface EntryCode {
  code_use_id: string;
  consumer_id: string;
  member: Record<string, unknown>;
}

export function acceptEntryCode(_trx: AnyTrx, _input: { merchant_id: string; location_id: string; device_id: string; code: string }): Promise<EntryCode> {
  return Promise.reject(problems.notImplemented('accepting consumer codes (membership)'));
}

export function sellSession(_ctx: ModuleContext, _sale: InStoreSale): Promise<SellOutcome> {
  return Promise.reject(problems.notImplemented('selling in store'));
}

export function saleReceipt(_db: AnyDb, _merchant_id: string, _sale_id: string): Promise<InStoreSaleResult | undefined> {
  return Promise.reject(problems.notImplemented('in-store sales'));
}

export function refundSessionLine(_ctx: Pick<ModuleContext, 'db'>, _input: { merchant_id: string; order_id: string; variant_id: string; quantity: number; reason: string; actor: string }): Promise<string> {
  return Promise.reject(problems.notImplemented('in-store refunds'));
}
