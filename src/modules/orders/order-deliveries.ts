import type { Selectable } from 'kysely';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import type { OrderDeliveryTable, OrderTables } from './tables.js';

/** Orders one read may ask for (a page of shipments). */
export const order_deliveries_max = 500;

/**
 * The deliveries chosen at checkout of some of a seller's orders, by order ID (orders without one
 * are absent). Personal data: the recipient and the address; only the seller who delivers may see
 * them (masked once the buyer was erased).
 */
export async function orderDeliveries(db: AnyDb, merchant_id: string, order_ids: readonly string[]): Promise<Map<string, Selectable<OrderDeliveryTable>>> {
  if (order_ids.length > order_deliveries_max) throw new Error(`at most ${order_deliveries_max} orders at once`);
  if (order_ids.length === 0) return new Map();
  const rows = await tablesOf<OrderTables>(db).selectFrom('order_delivery').selectAll().where('merchant_id', '=', merchant_id).where('order_id', 'in', [...new Set(order_ids)]).execute();
  return new Map(rows.map((r) => [r.order_id, r]));
}
