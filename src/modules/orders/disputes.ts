import { sql } from 'kysely';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import { recordAudit } from '../merchants/index.js';
import { transitionOrder, type Order } from './state-machine.js';

/**
 * Refund disputes the platform operator decides: the seller contested a buyer's refund request,
 * and the order waits in `disputed` until the platform refunds the buyer or rejects the request.
 * The console's operator area and `bos disputes` both decide through `decideDispute`.
 */
export const disputes_page_max = 100;

export interface Dispute {
  merchant_id: string;
  order_id: string;
  number: bigint;
  currency: string;
  total_minor: bigint;
  /** What the refund request asks back; the whole total when it named no amount. */
  refund_asked_minor: bigint;
  buyer_email: string | null;
  /** Why the refund was asked for, and by whom (`consumer:…` the buyer, or the seller on the buyer's behalf). */
  refund_reason: string | null;
  refund_requested_by: string | null;
  /** Why the seller contested it. */
  dispute_reason: string | null;
  disputed_by: string | null;
  disputed_at: Date;
}

/** Orders in dispute, oldest dispute first (`after_id` continues after the previous page's last order). */
export async function listDisputes(db: AnyDb, options: { after_id?: string | undefined; limit: number }): Promise<Dispute[]> {
  const limit = Math.min(options.limit, disputes_page_max + 1);
  const rows = await sql<Dispute>`
    select o.merchant_id, o.id as order_id, o.number, o.currency, o.total_minor,
      coalesce(o.refund_amount_minor, o.total_minor) as refund_asked_minor, o.buyer_email,
      r.reason as refund_reason, r.actor as refund_requested_by,
      d.reason as dispute_reason, d.actor as disputed_by, coalesce(d.occurred_at, o.updated_at) as disputed_at
    from sales_order o
    left join lateral (select reason, actor from order_transition t
      where t.merchant_id = o.merchant_id and t.order_id = o.id and t.action = 'request_refund'
      order by t.occurred_at desc, t.id desc limit 1) r on true
    left join lateral (select reason, actor, occurred_at from order_transition t
      where t.merchant_id = o.merchant_id and t.order_id = o.id and t.action = 'dispute'
      order by t.occurred_at desc, t.id desc limit 1) d on true
    where o.status = 'disputed' ${options.after_id === undefined ? sql`` : sql`and o.id > ${options.after_id}`}
    order by o.id
    limit ${limit}`.execute(db);
  return rows.rows;
}

/** The seller of an order in dispute, or undefined when no order of that ID is in dispute. */
export async function sellerOfDispute(db: AnyDb, order_id: string): Promise<string | undefined> {
  const row = await sql<{ merchant_id: string }>`select merchant_id from sales_order where status = 'disputed' and id = ${order_id}`.execute(db);
  return row.rows[0]?.merchant_id;
}

export type DisputeOutcome = 'refund' | 'reject';

/**
 * Decides a dispute through the order state machine (`platform_refund` or `platform_reject`; the
 * release-escrow flow then moves the money on the order's event), and records the decision in
 * the seller's audit trail and, when an operator's account decided, in the operator's, in the
 * same transaction. `actor` must be the platform's (`platform:…`): the state machine refuses
 * anyone else.
 */
export async function decideDispute(db: AnyDb, merchant_id: string, order_id: string, outcome: DisputeOutcome, options: { actor: string; reason?: string | undefined; operator_merchant_id?: string | undefined }): Promise<Order> {
  const order = await inTransaction(db, async (trx) => {
    const decided = await transitionOrder(trx, merchant_id, order_id, outcome === 'refund' ? 'platform_refund' : 'platform_reject', { actor: options.actor, reason: options.reason });
    if (decided === undefined) return undefined;
    const details = { outcome, reason: options.reason ?? null, seller_id: merchant_id, status: decided.status };
    await recordAudit(trx, { merchant_id, actor: options.actor, action: 'dispute.decide', target: order_id, details });
    if (options.operator_merchant_id !== undefined && options.operator_merchant_id !== merchant_id) {
      await recordAudit(trx, { merchant_id: options.operator_merchant_id, actor: options.actor, action: 'dispute.decide', target: order_id, details });
    }
    return decided;
  });
  if (order === undefined) throw problems.notFound('The order');
  return order;
}
