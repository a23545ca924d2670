import { z } from 'zod';
import { sql, type Selectable } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import type { EventDefinition } from '../../kernel/events/event.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { cancelJob, defineJob, onJob, pauseJob, resumeJob, scheduleJob } from '../../kernel/jobs.js';
import { Problem, problems } from '../../kernel/problem.js';
import { applyStockChanges, type StockChange } from '../inventory/index.js';
import * as events from './events.js';
import type { OrderLineTable, OrderStatus, OrderTables, SalesOrderTable } from './tables.js';

/**
 * The order state machine. Each action names the states it may start from and the state it
 * leads to; anything else is a 409 `illegal_order_transition`. Every transition is a row in
 * `order_transition` (who, when, why) and a typed event, written in the same transaction.
 *
 *   awaiting_payment --pay--> paid --ship--> shipped --deliver--> delivered --complete--> completed
 *   awaiting_payment --close--> closed                 (timeout or cancel; stock released)
 *   paid|shipped|delivered --request_refund--> refund_requested
 *   refund_requested --approve_refund--> refunded       (before shipment: stock released)
 *   refund_requested --reject_refund--> the state it came from
 *   refund_requested --dispute--> disputed              (seller and buyer disagree)
 *   disputed --platform_refund--> refunded / --platform_reject--> the state it came from
 *                                                      (only the platform operator decides)
 */
export type OrderAction = 'pay' | 'close' | 'ship' | 'deliver' | 'complete' | 'request_refund' | 'approve_refund' | 'reject_refund' | 'dispute' | 'platform_refund' | 'platform_reject';

/**
 * Who acts, read from the actor recorded on every transition: the buyer (`consumer:…`), the
 * platform operator (`platform:…`), the platform's own timers (`system:…`), the payment flow
 * (`internal:…`, `provider:…`), and otherwise the seller (an API key or a console user of the merchant).
 */
export type Party = 'seller' | 'buyer' | 'platform' | 'system';

export function partyOf(actor: string): Party {
  if (actor.startsWith('consumer:')) return 'buyer';
  if (actor.startsWith('platform:')) return 'platform';
  if (actor.startsWith('system:') || actor.startsWith('internal:') || actor.startsWith('provider:')) return 'system';
  return 'seller';
}

interface Rule {
  from: readonly OrderStatus[];
  to: OrderStatus | 'previous';
  event: EventDefinition;
  /**
   * Who may take the action. Escrow exists so that the seller is paid only when the buyer
   * confirms, the auto-confirm timer runs out, or the platform decides a dispute: completing an
   * order releases its escrow, so no seller may complete one.
   */
  by: readonly Party[];
}

export const rules: Record<OrderAction, Rule> = {
  pay: { from: ['awaiting_payment'], to: 'paid', event: events.orderPaid, by: ['system', 'platform'] },
  close: { from: ['awaiting_payment'], to: 'closed', event: events.orderClosed, by: ['seller', 'buyer', 'system', 'platform'] },
  ship: { from: ['paid'], to: 'shipped', event: events.orderShipped, by: ['seller', 'platform'] },
  deliver: { from: ['shipped'], to: 'delivered', event: events.orderDelivered, by: ['seller', 'system', 'platform'] },
  complete: { from: ['shipped', 'delivered'], to: 'completed', event: events.orderCompleted, by: ['buyer', 'system', 'platform'] },
  request_refund: { from: ['paid', 'shipped', 'delivered'], to: 'refund_requested', event: events.orderRefundRequested, by: ['seller', 'buyer', 'platform'] },
  approve_refund: { from: ['refund_requested'], to: 'refunded', event: events.orderRefunded, by: ['seller', 'platform'] },
  reject_refund: { from: ['refund_requested'], to: 'previous', event: events.orderRefundRejected, by: ['seller', 'platform'] },
  dispute: { from: ['refund_requested'], to: 'disputed', event: events.orderDisputed, by: ['seller', 'buyer'] },
  platform_refund: { from: ['disputed'], to: 'refunded', event: events.orderRefunded, by: ['platform'] },
  platform_reject: { from: ['disputed'], to: 'previous', event: events.orderRefundRejected, by: ['platform'] },
};

export type Order = Selectable<SalesOrderTable>;
export type OrderLine = OrderLineTable;

export interface TransitionOptions {
  actor: string;
  reason?: string | undefined;
  tracking_number?: string | undefined;
  /** When requesting a refund: how much, in minor units; the whole order when absent. */
  refund_amount_minor?: bigint | undefined;
  /** When shipping: how long until the order confirms receipt by itself. */
  auto_confirm_after_s?: number | undefined;
}

export const auto_confirm_default_s = 10 * 24 * 3_600;
export const autoConfirmJob = defineJob('orders.auto_confirm', z.object({ merchant_id: z.string(), order_id: z.string() }));
const autoConfirmKey = (order_id: string) => `${autoConfirmJob.kind}:${order_id}`;

/**
 * The buyer confirms receipt, or the order confirms itself a while after shipment. A refund
 * request stops that clock (the money must not be released while a refund is open), a rejected
 * request restarts it with the time it had left, and completion or a refund ends it.
 */
async function moveAutoConfirmTimer(trx: AnyTrx, order: Order, action: OrderAction, to: OrderStatus, options: TransitionOptions): Promise<void> {
  const key = autoConfirmKey(order.id);
  if (action === 'ship') {
    const after_s = options.auto_confirm_after_s ?? auto_confirm_default_s;
    await scheduleJob(trx, autoConfirmJob, { merchant_id: order.merchant_id, order_id: order.id }, { key, run_at: new Date(Date.now() + after_s * 1_000) });
  } else if (action === 'request_refund') {
    await pauseJob(trx, key);
  } else if ((action === 'reject_refund' || action === 'platform_reject') && (to === 'shipped' || to === 'delivered')) {
    await resumeJob(trx, key);
  } else if (to === 'completed' || to === 'refunded' || to === 'closed') {
    await cancelJob(trx, key);
  }
}

/** Stock consequence of a transition: reservations are released or turned into sales. */
function stockChanges(order: Order, lines: readonly OrderLine[], action: OrderAction): StockChange[] {
  const shipped = order.shipped_at !== null;
  const release = action === 'close' || ((action === 'approve_refund' || action === 'platform_refund') && !shipped);
  const sell = action === 'ship';
  if (!release && !sell) return [];
  return lines.map((l) => ({
    merchant_id: order.merchant_id,
    variant_id: l.variant_id,
    location_id: order.location_id,
    reason: sell ? ('sale' as const) : ('release' as const),
    on_hand_delta: sell ? -BigInt(l.quantity) : 0n,
    reserved_delta: -BigInt(l.quantity),
    reference: order.id,
  }));
}

export function eventPayload(order: Order, lines: readonly OrderLine[], from: OrderStatus | null, to: OrderStatus, actor: string): events.OrderTransitionPayload {
  return {
    order_id: order.id,
    checkout_id: order.checkout_id,
    from_status: from,
    to_status: to,
    actor,
    currency: order.currency,
    total_minor: Number(order.total_minor),
    buyer_email: order.buyer_email,
    refund_amount_minor: order.refund_amount_minor === null ? null : Number(order.refund_amount_minor),
    lines: lines.map((l) => ({ variant_id: l.variant_id, sku: l.sku, quantity: l.quantity, unit_price_minor: Number(l.unit_price_minor) })),
  };
}

/** Applies one action to one order, inside the caller's transaction, with the order row locked. */
export async function transitionOrder(trx: AnyTrx, merchant_id: string, order_id: string, action: OrderAction, options: TransitionOptions): Promise<Order | undefined> {
  const t = tablesOf<OrderTables>(trx);
  const order = await t.selectFrom('sales_order').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', order_id).forUpdate().executeTakeFirst();
  if (order === undefined) return undefined;
  const rule = rules[action];
  if (!rule.by.includes(partyOf(options.actor))) {
    throw new Problem(403, 'not_yours_to_do', 'This party may not do that', `${action.replace('_', ' ')} is for the ${rule.by.join(', ')}, not the ${partyOf(options.actor)}${action === 'complete' ? ': escrow is released only when the buyer confirms receipt, the auto-confirm timer runs out, or the platform decides' : ''}`);
  }
  if (!rule.from.includes(order.status)) {
    throw new Problem(409, 'illegal_order_transition', 'This order cannot do that now', `An order that is ${order.status} cannot ${action.replace('_', ' ')}; allowed from: ${rule.from.join(', ')}`);
  }
  const to = rule.to === 'previous' ? (order.status_before_refund ?? 'paid') : rule.to;
  if (action === 'request_refund' && options.refund_amount_minor !== undefined && (options.refund_amount_minor <= 0n || options.refund_amount_minor > order.total_minor)) {
    throw problems.unprocessable('refund_exceeds_paid', `A refund must be between 1 and ${order.total_minor} minor units (what was paid)`);
  }
  const lines = await t.selectFrom('order_line').selectAll().where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).orderBy('line_no').execute();
  await applyStockChanges(trx, stockChanges(order, lines, action));
  const updated = await t
    .updateTable('sales_order')
    .set({
      status: to,
      status_before_refund: action === 'request_refund' ? order.status : to === 'refunded' || rule.to === 'previous' ? null : order.status_before_refund,
      expires_at: to === 'awaiting_payment' ? order.expires_at : null,
      ...(action === 'ship' ? { shipped_at: sql<Date>`now()`, tracking_number: options.tracking_number ?? null } : {}),
      ...(action === 'request_refund' ? { refund_amount_minor: options.refund_amount_minor ?? order.total_minor } : {}),
      ...(rule.to === 'previous' ? { refund_amount_minor: null } : {}),
      updated_at: sql`now()`,
    })
    .where('merchant_id', '=', merchant_id)
    .where('id', '=', order_id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await t
    .insertInto('order_transition')
    .values({ merchant_id, id: newId('otr'), order_id, from_status: order.status, to_status: to, action, actor: options.actor, reason: options.reason ?? null })
    .execute();
  await publish(trx, rule.event, merchant_id, eventPayload(updated, lines, order.status, to, options.actor));
  await moveAutoConfirmTimer(trx, updated, action, to, options);
  return updated;
}

export async function applyOrderAction(db: AnyDb, merchant_id: string, order_id: string, action: OrderAction, options: TransitionOptions): Promise<Order> {
  const order = await inTransaction(db, (trx) => transitionOrder(trx, merchant_id, order_id, action, options));
  if (order === undefined) throw problems.notFound('The order');
  return order;
}

/** The auto-confirm timer fired: complete the order if it is still waiting for confirmation. */
export const autoConfirm = onJob(autoConfirmJob, async (trx, { merchant_id, order_id }) => {
  const order = await tablesOf<OrderTables>(trx).selectFrom('sales_order').select('status').where('merchant_id', '=', merchant_id).where('id', '=', order_id).executeTakeFirst();
  if (order === undefined || !rules.complete.from.includes(order.status)) return;
  await transitionOrder(trx, merchant_id, order_id, 'complete', { actor: 'system:auto-confirm', reason: 'no confirmation or refund request in time' });
});
