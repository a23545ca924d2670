import { z } from 'zod';
import { sql, type Selectable } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import type { EventDefinition } from '../../kernel/events/event.js';
import { publishEach } from '../../kernel/events/outbox.js';
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
 *   refund_requested --await_return--> awaiting_return  (approved on condition that the goods come back;
 *                                                      the auto-confirm timer stays paused)
 *   awaiting_return --receive_return--> refunded        (the goods are back: the refund posts)
 *   refund_requested|awaiting_return --dispute--> disputed (seller and buyer disagree; a return never
 *                                                      received, or received short, keeps the money in escrow)
 *   disputed --platform_refund--> refunded / --platform_reject--> the state it came from
 *                                                      (only the platform operator decides)
 *   paid --hand_over--> delivered                      (sold in a store: the buyer has the goods at the
 *                                                      till; the reservation becomes a sale, docs/STORES.md)
 */
export type OrderAction = 'pay' | 'close' | 'ship' | 'deliver' | 'complete' | 'request_refund' | 'approve_refund' | 'reject_refund' | 'await_return' | 'receive_return' | 'dispute' | 'platform_refund' | 'platform_reject' | 'hand_over';

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
  // The system asks and approves a refund only for a pickup nobody collected within its hold
  // window (src/modules/fulfilment/pickup.ts): the goods never left the store.
  request_refund: { from: ['paid', 'shipped', 'delivered'], to: 'refund_requested', event: events.orderRefundRequested, by: ['seller', 'buyer', 'platform', 'system'] },
  approve_refund: { from: ['refund_requested'], to: 'refunded', event: events.orderRefunded, by: ['seller', 'platform', 'system'] },
  reject_refund: { from: ['refund_requested'], to: 'previous', event: events.orderRefundRejected, by: ['seller', 'platform'] },
  await_return: { from: ['refund_requested'], to: 'awaiting_return', event: events.orderAwaitingReturn, by: ['seller', 'platform'] },
  receive_return: { from: ['awaiting_return'], to: 'refunded', event: events.orderRefunded, by: ['seller', 'system', 'platform'] },
  dispute: { from: ['refund_requested', 'awaiting_return'], to: 'disputed', event: events.orderDisputed, by: ['seller', 'buyer'] },
  platform_refund: { from: ['disputed'], to: 'refunded', event: events.orderRefunded, by: ['platform'] },
  platform_reject: { from: ['disputed'], to: 'previous', event: events.orderRefundRejected, by: ['platform'] },
  // An in-store sale: paid at the till, the goods leave the store with the buyer.
  hand_over: { from: ['paid'], to: 'delivered', event: events.orderDelivered, by: ['seller', 'system', 'platform'] },
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
 * The buyer confirms receipt, or the order confirms itself a while after delivery (or pickup):
 * the clock starts when the goods reach the buyer, not when they leave. Shipping sets a fallback
 * of twice the window, for a parcel whose delivery is never reported; delivery restarts the clock
 * with the whole window. A refund request stops it (the money must not be released while a
 * refund is open), a rejected request restarts it with the time it had left, and completion or a
 * refund ends it.
 */
async function moveAutoConfirmTimer(trx: AnyTrx, order: Order, action: OrderAction, to: OrderStatus, options: TransitionOptions): Promise<void> {
  const key = autoConfirmKey(order.id);
  if (action === 'ship' || action === 'deliver' || action === 'hand_over') {
    const after_s = (options.auto_confirm_after_s ?? auto_confirm_default_s) * (action === 'ship' ? 2 : 1);
    await scheduleJob(trx, autoConfirmJob, { merchant_id: order.merchant_id, order_id: order.id }, { key, run_at: new Date(Date.now() + after_s * 1_000), reschedule: action !== 'ship' });
  } else if (action === 'request_refund') {
    await pauseJob(trx, key);
  } else if ((action === 'reject_refund' || action === 'platform_reject') && (to === 'shipped' || to === 'delivered')) {
    await resumeJob(trx, key);
  } else if (to === 'completed' || to === 'refunded' || to === 'closed') {
    await cancelJob(trx, key);
  }
}

/**
 * Stock consequence of a transition: reservations are released or turned into sales. Once an
 * order's fulfilments are open (`stock_by_fulfilment`), they move its stock at their own
 * locations instead, through the transition hooks below.
 */
function stockChanges(order: Order, lines: readonly OrderLine[], action: OrderAction): StockChange[] {
  if (order.stock_by_fulfilment) return [];
  const shipped = order.shipped_at !== null;
  const release = action === 'close' || ((action === 'approve_refund' || action === 'platform_refund') && !shipped);
  const sell = action === 'ship' || action === 'hand_over';
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

/** An order that moved, as the transition hooks see it: its row after the action. */
export interface MovedOrder {
  order: Order;
  from: OrderStatus;
  action: OrderAction;
  actor: string;
  lines: readonly OrderLine[];
}

/**
 * What other modules do when orders move, inside the same transaction, before the orders' events
 * are published: the fulfilment module opens fulfilments when an order is paid and follows a
 * shipment, delivery or refund decided on the order. A hook sees the whole batch at once and
 * must cost a fixed number of statements whatever its size. Modules register themselves.
 */
export type OrderTransitionHook = (trx: AnyTrx, moved: readonly MovedOrder[]) => Promise<void>;

/**
 * When a hook runs. The lock order of every transaction that touches an order is: the orders,
 * then stock, then everything else (promotions, ...), the order a checkout takes them in too. So
 * hooks that move stock (`'stock'`) run before the others (`'after_stock'`), whatever order the
 * modules were imported in: a refund whose fulfilment gives stock back must not hold a promotion
 * while it waits for the stock a concurrent close holds (a deadlock seen in CI when the
 * promotions module happened to register first).
 */
export type OrderHookStage = 'stock' | 'after_stock';
const hooks: { hook: OrderTransitionHook; stage: OrderHookStage }[] = [];
export function onOrderTransitions(hook: OrderTransitionHook, stage: OrderHookStage = 'after_stock'): void {
  if (hooks.some((h) => h.hook === hook)) return;
  hooks.push({ hook, stage });
  // Stable: registration order within a stage.
  hooks.sort((a, b) => (a.stage === b.stage ? 0 : a.stage === 'stock' ? -1 : 1));
}

/** The registered hooks in the order they run: for tests of the lock order. */
export const orderHookStages = (): readonly { name: string; stage: OrderHookStage }[] => hooks.map((h) => ({ name: h.hook.name, stage: h.stage }));

/** One action on one order, for `transitionOrders`. */
export interface TransitionRequest {
  merchant_id: string;
  order_id: string;
  action: OrderAction;
  options: TransitionOptions;
}

/** The refusal of a transition, before anything is written: who may not, or from which state. */
function refusal(order: Order, action: OrderAction, options: TransitionOptions): Problem | undefined {
  const rule = rules[action];
  if (!rule.by.includes(partyOf(options.actor))) {
    return new Problem(403, 'not_yours_to_do', 'This party may not do that', `${action.replace('_', ' ')} is for the ${rule.by.join(', ')}, not the ${partyOf(options.actor)}${action === 'complete' ? ': escrow is released only when the buyer confirms receipt, the auto-confirm timer runs out, or the platform decides' : ''}`);
  }
  if (!rule.from.includes(order.status)) {
    return new Problem(409, 'illegal_order_transition', 'This order cannot do that now', `An order that is ${order.status} cannot ${action.replace('_', ' ')}; allowed from: ${rule.from.join(', ')}`);
  }
  if (action === 'request_refund' && options.refund_amount_minor !== undefined && (options.refund_amount_minor <= 0n || options.refund_amount_minor > order.total_minor)) {
    return problems.unprocessable('refund_exceeds_paid', `A refund must be between 1 and ${order.total_minor} minor units (what was paid)`);
  }
  return undefined;
}

/** The order's row after the action, computed from its locked row. */
function nextRow(order: Order, action: OrderAction, options: TransitionOptions): Order {
  const rule = rules[action];
  const to = rule.to === 'previous' ? (order.status_before_refund ?? 'paid') : rule.to;
  return {
    ...order,
    status: to,
    status_before_refund: action === 'request_refund' ? order.status : to === 'refunded' || rule.to === 'previous' ? null : order.status_before_refund,
    expires_at: to === 'awaiting_payment' ? order.expires_at : null,
    tracking_number: action === 'ship' ? (options.tracking_number ?? null) : order.tracking_number,
    refund_amount_minor: action === 'request_refund' ? (options.refund_amount_minor ?? order.total_minor) : rule.to === 'previous' ? null : order.refund_amount_minor,
  };
}

/**
 * Applies actions to orders inside the caller's transaction, in a fixed number of statements
 * however many: the orders are locked in one (in key order), their lines read in one, their stock
 * moved, rows updated and transitions recorded in one each, and their events published per type.
 * Each answer is the updated order, the refusal (a Problem, nothing written for that order), or
 * undefined for an order that does not exist. An order named twice is transitioned twice, in order.
 */
export async function transitionOrders(trx: AnyTrx, requests: readonly TransitionRequest[]): Promise<(Order | Problem | undefined)[]> {
  if (requests.length === 0) return [];
  // Each round takes an order at most once, so one update statement never touches a row twice.
  const seen = new Set<string>();
  const first: number[] = [];
  const later: number[] = [];
  requests.forEach((r, i) => {
    const key = `${r.merchant_id}|${r.order_id}`;
    (seen.has(key) ? later : first).push(i);
    seen.add(key);
  });
  const answers = new Array<Order | Problem | undefined>(requests.length);
  const done = await transitionDistinct(trx, first.map((i) => requests[i]!));
  first.forEach((i, k) => (answers[i] = done[k]));
  if (later.length > 0) {
    const rest = await transitionOrders(trx, later.map((i) => requests[i]!));
    later.forEach((i, k) => (answers[i] = rest[k]));
  }
  return answers;
}

async function transitionDistinct(trx: AnyTrx, requests: readonly TransitionRequest[]): Promise<(Order | Problem | undefined)[]> {
  const t = tablesOf<OrderTables>(trx);
  const locked = await sql<Order>`
    select * from sales_order
    where (merchant_id, id) in (select * from unnest(${requests.map((r) => r.merchant_id)}::text[], ${requests.map((r) => r.order_id)}::text[]))
    order by merchant_id, id
    for update`.execute(trx);
  const orders = new Map(locked.rows.map((o) => [`${o.merchant_id}|${o.id}`, o]));
  const answers = requests.map((r) => {
    const order = orders.get(`${r.merchant_id}|${r.order_id}`);
    return order === undefined ? undefined : (refusal(order, r.action, r.options) ?? order);
  });
  const moving = requests.flatMap((r, i) => {
    const order = answers[i];
    return order === undefined || order instanceof Problem ? [] : [{ i, request: r, order, next: nextRow(order, r.action, r.options) }];
  });
  if (moving.length === 0) return answers;

  const lineRows = await t
    .selectFrom('order_line')
    .selectAll()
    .where((eb) => eb.or([...new Set(moving.map((m) => m.order.merchant_id))].map((merchant_id) => eb.and([eb('merchant_id', '=', merchant_id), eb('order_id', 'in', moving.filter((m) => m.order.merchant_id === merchant_id).map((m) => m.order.id))]))))
    .orderBy('line_no')
    .execute();
  const lines = new Map<string, OrderLine[]>();
  for (const l of lineRows) lines.set(`${l.merchant_id}|${l.order_id}`, [...(lines.get(`${l.merchant_id}|${l.order_id}`) ?? []), l]);
  const linesOf = (order: Order) => lines.get(`${order.merchant_id}|${order.id}`) ?? [];
  await applyStockChanges(trx, moving.flatMap((m) => stockChanges(m.order, linesOf(m.order), m.request.action)));

  const col = <T>(pick: (m: (typeof moving)[number]) => T) => moving.map(pick);
  const updated = await sql<Order>`
    update sales_order o set status = v.status, status_before_refund = v.status_before_refund, expires_at = v.expires_at,
      shipped_at = case when v.ships then now() else o.shipped_at end, tracking_number = v.tracking_number,
      refund_amount_minor = v.refund_amount_minor, updated_at = now()
    from unnest(${col((m) => m.order.merchant_id)}::text[], ${col((m) => m.order.id)}::text[], ${col((m) => m.next.status)}::text[],
                ${col((m) => m.next.status_before_refund)}::text[], ${col((m) => m.next.expires_at)}::timestamptz[], ${col((m) => m.request.action === 'ship' || m.request.action === 'hand_over')}::boolean[],
                ${col((m) => m.next.tracking_number)}::text[], ${col((m) => m.next.refund_amount_minor?.toString() ?? null)}::bigint[])
      as v(merchant_id, id, status, status_before_refund, expires_at, ships, tracking_number, refund_amount_minor)
    where o.merchant_id = v.merchant_id and o.id = v.id
    returning o.*`.execute(trx);
  const after = new Map(updated.rows.map((o) => [`${o.merchant_id}|${o.id}`, o]));

  await sql`insert into order_transition (merchant_id, id, order_id, from_status, to_status, action, actor, reason)
    select * from unnest(${col((m) => m.order.merchant_id)}::text[], ${col(() => newId('otr'))}::text[], ${col((m) => m.order.id)}::text[], ${col((m) => m.order.status)}::text[],
      ${col((m) => m.next.status)}::text[], ${col((m) => m.request.action)}::text[], ${col((m) => m.request.options.actor)}::text[], ${col((m) => m.request.options.reason ?? null)}::text[])`.execute(trx);

  for (const { hook } of hooks) {
    await hook(trx, moving.map((m) => ({ order: after.get(`${m.order.merchant_id}|${m.order.id}`)!, from: m.order.status, action: m.request.action, actor: m.request.options.actor, lines: linesOf(m.order) })));
  }

  const byEvent = new Map<EventDefinition, { merchant_id: string; payload: events.OrderTransitionPayload }[]>();
  for (const m of moving) {
    const order = after.get(`${m.order.merchant_id}|${m.order.id}`)!;
    answers[m.i] = order;
    const list = byEvent.get(rules[m.request.action].event) ?? [];
    list.push({ merchant_id: order.merchant_id, payload: eventPayload(order, linesOf(order), m.order.status, order.status, m.request.options.actor) });
    byEvent.set(rules[m.request.action].event, list);
    await moveAutoConfirmTimer(trx, order, m.request.action, order.status, m.request.options);
  }
  for (const [event, list] of byEvent) await publishEach(trx, event, list);
  return answers;
}

/** Applies one action to one order, inside the caller's transaction, with the order row locked. */
export async function transitionOrder(trx: AnyTrx, merchant_id: string, order_id: string, action: OrderAction, options: TransitionOptions): Promise<Order | undefined> {
  const [answer] = await transitionOrders(trx, [{ merchant_id, order_id, action, options }]);
  if (answer instanceof Problem) throw answer;
  return answer;
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
