import { sql } from 'kysely';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import { applyOrderAction, type Order, type OrderLine } from './state-machine.js';
import type { OrderDeliveryTable, OrderStatus, OrderTables, OrderTransitionTable } from './tables.js';

export type OrderTransition = Omit<OrderTransitionTable, 'occurred_at'> & { occurred_at: Date };
/** An order as its seller sees it: with the delivery chosen at checkout (recipient and address included), when there is one. */
export type OrderDetail = Order & { lines: OrderLine[]; transitions: OrderTransition[]; delivery: OrderDeliveryTable | null };

export async function getOrder(db: AnyDb, merchant_id: string, order_id: string): Promise<OrderDetail | undefined> {
  const t = tablesOf<OrderTables>(db);
  const order = await t.selectFrom('sales_order').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', order_id).executeTakeFirst();
  if (order === undefined) return undefined;
  const [lines, transitions, delivery] = await Promise.all([
    t.selectFrom('order_line').selectAll().where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).orderBy('line_no').execute(),
    t.selectFrom('order_transition').selectAll().where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).orderBy('id').execute(),
    t.selectFrom('order_delivery').selectAll().where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).executeTakeFirst(),
  ]);
  return { ...order, lines, transitions, delivery: (delivery as OrderDeliveryTable | undefined) ?? null };
}

export interface OrderFilter {
  status?: OrderStatus | undefined;
  created_from?: Date | undefined;
  created_to?: Date | undefined;
  before_id?: string | undefined;
  limit: number;
}

/** Newest first. */
export async function listOrders(db: AnyDb, merchant_id: string, filter: OrderFilter): Promise<(Order & { lines: OrderLine[] })[]> {
  const t = tablesOf<OrderTables>(db);
  let query = t.selectFrom('sales_order').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.created_from !== undefined) query = query.where('created_at', '>=', filter.created_from);
  if (filter.created_to !== undefined) query = query.where('created_at', '<', filter.created_to);
  if (filter.before_id !== undefined) query = query.where('id', '<', filter.before_id);
  const orders = await query.orderBy('id', 'desc').limit(filter.limit).execute();
  if (orders.length === 0) return [];
  const lines = await t.selectFrom('order_line').selectAll().where('merchant_id', '=', merchant_id).where('order_id', 'in', orders.map((o) => o.id)).orderBy('order_id').orderBy('line_no').execute();
  return orders.map((o) => ({ ...o, lines: lines.filter((l) => l.order_id === o.id) }));
}

/** A signed-in consumer's orders with every seller, newest first. */
export async function consumerOrders(db: AnyDb, consumer_id: string, before_id: string | undefined, limit: number): Promise<(Order & { lines: OrderLine[] })[]> {
  const t = tablesOf<OrderTables>(db);
  let query = t.selectFrom('sales_order').selectAll().where('consumer_id', '=', consumer_id);
  if (before_id !== undefined) query = query.where('id', '<', before_id);
  const orders = await query.orderBy('id', 'desc').limit(limit).execute();
  if (orders.length === 0) return [];
  const lines = await t.selectFrom('order_line').selectAll().where('order_id', 'in', orders.map((o) => o.id)).orderBy('order_id').orderBy('line_no').execute();
  return orders.map((o) => ({ ...o, lines: lines.filter((l) => l.order_id === o.id && l.merchant_id === o.merchant_id) }));
}

/** One of a consumer's orders, whichever seller it is with. */
export async function consumerOrder(db: AnyDb, consumer_id: string, order_id: string): Promise<Order | undefined> {
  return tablesOf<OrderTables>(db).selectFrom('sales_order').selectAll().where('consumer_id', '=', consumer_id).where('id', '=', order_id).executeTakeFirst();
}

export async function ordersOfCheckout(db: AnyDb, checkout_id: string): Promise<Order[]> {
  return tablesOf<OrderTables>(db).selectFrom('sales_order').selectAll().where('checkout_id', '=', checkout_id).orderBy('id').execute();
}

/** How many of the merchant's orders are in each state (states without orders are absent), in one grouped query. */
export async function countOrdersByStatus(db: AnyDb, merchant_id: string): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; count: number }>`select status, count(*)::int as count from sales_order where merchant_id = ${merchant_id} group by status`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.status, r.count]));
}

export const unpaid_close_batch_max = 500;

/** Closes unpaid orders past their deadline and releases their stock; returns how many. */
export async function closeExpiredOrders(db: AnyDb, now: Date = new Date()): Promise<number> {
  const due = await tablesOf<OrderTables>(db)
    .selectFrom('sales_order')
    .select(['merchant_id', 'id'])
    .where('status', '=', 'awaiting_payment')
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(unpaid_close_batch_max)
    .execute();
  let closed = 0;
  for (const order of due) {
    try {
      await applyOrderAction(db, order.merchant_id, order.id, 'close', { actor: 'system:unpaid-timeout', reason: 'not paid in time' });
      closed++;
    } catch (error) {
      // Paid (or closed by another process) since it was read: nothing to close.
      if ((error as { code?: string }).code !== 'illegal_order_transition') throw error;
    }
  }
  return closed;
}
