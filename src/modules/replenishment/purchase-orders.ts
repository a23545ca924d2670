/**
 * Purchase orders to suppliers: created `approved` (from a suggestion or by hand), received into
 * stock at their location in one or more receipts, never more than ordered, and cancelled for
 * what was not received. Every receipt is a stock movement `receipt` whose reference is the
 * purchase order's ID, so `replenishment.received_units_moved` can prove the two agree.
 */
import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { existingVariants } from '../catalog/index.js';
import { applyStockChanges } from '../inventory/index.js';
import { getLocation } from '../locations/index.js';
import { purchaseOrderCreated, purchaseOrderReceived } from './events.js';
import type { PurchaseOrderStatus, ReplenishmentTables } from './tables.js';
import { endSoldOutMarkdowns } from './sold-out.js';

export interface PurchaseOrderLine {
  variant_id: string;
  quantity: number;
  received_quantity: number;
  unit_cost_minor: bigint;
}

export interface PurchaseOrder {
  merchant_id: string;
  id: string;
  supplier_id: string;
  location_id: string;
  status: PurchaseOrderStatus;
  currency: string;
  suggestion_id: string | null;
  note: string | null;
  expected_at: Date;
  created_at: Date;
  updated_at: Date;
  lines: PurchaseOrderLine[];
}

export interface NewPurchaseOrder {
  supplier_id: string;
  location_id: string;
  lines: readonly { variant_id: string; quantity: number; unit_cost_minor?: number | undefined }[];
  note?: string | undefined;
  suggestion_id?: string | undefined;
}

/** Lines of one purchase order: a supplier's delivery, not a catalogue. */
export const purchase_order_lines_max = 500;
const day_ms = 86_400_000;
const t = (db: AnyDb) => tablesOf<ReplenishmentTables>(db);

/**
 * Creates an approved purchase order inside the caller's transaction. The supplier, the location
 * and every variant must be the merchant's own; a line's unit cost is the supplier's for that
 * variant unless given; it is expected after the longest lead time of its lines.
 */
export async function createPurchaseOrder(trx: AnyTrx, merchant_id: string, input: NewPurchaseOrder): Promise<PurchaseOrder> {
  const supplier = await t(trx).selectFrom('supplier').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', input.supplier_id).executeTakeFirst();
  if (supplier === undefined) throw problems.notFound('The supplier');
  if (supplier.status !== 'active') throw problems.unprocessable('supplier_archived', `Supplier ${supplier.id} is archived: reactivate it to order from it`);
  if ((await getLocation(trx, merchant_id, input.location_id)) === undefined) throw problems.notFound('The location');
  const lines = input.lines.filter((l) => l.quantity > 0);
  if (lines.length === 0) throw problems.unprocessable('empty_purchase_order', 'A purchase order needs at least one line with a quantity');
  if (lines.length > purchase_order_lines_max) throw problems.unprocessable('too_many_lines', `At most ${purchase_order_lines_max} lines per purchase order`);
  const variant_ids = lines.map((l) => l.variant_id);
  if (new Set(variant_ids).size !== variant_ids.length) throw problems.unprocessable('duplicate_lines', 'Each variant may appear on one line only');
  const owned = await existingVariants(trx, merchant_id, variant_ids);
  const missing = variant_ids.find((v) => !owned.has(v));
  if (missing !== undefined) throw problems.notFound("A line’s variant");
  const items = new Map((await t(trx).selectFrom('supplier_item').selectAll().where('merchant_id', '=', merchant_id).where('supplier_id', '=', supplier.id).where('variant_id', 'in', variant_ids).execute()).map((i) => [i.variant_id, i]));
  const costOf = (l: NewPurchaseOrder['lines'][number]) => {
    if (l.unit_cost_minor !== undefined) return BigInt(l.unit_cost_minor);
    const item = items.get(l.variant_id);
    if (item === undefined) throw problems.unprocessable('unit_cost_unknown', `Supplier ${supplier.id} has no item for ${l.variant_id}: give its unit_cost_minor`);
    return item.unit_cost_minor;
  };
  const lead_time_days = Math.max(...lines.map((l) => items.get(l.variant_id)?.lead_time_days ?? supplier.lead_time_days));
  const id = newId('po');
  const order = await t(trx)
    .insertInto('purchase_order')
    .values({ merchant_id, id, supplier_id: supplier.id, location_id: input.location_id, status: 'approved', currency: supplier.currency, suggestion_id: input.suggestion_id ?? null, note: input.note ?? null, expected_at: new Date(Date.now() + lead_time_days * day_ms) })
    .returningAll()
    .executeTakeFirstOrThrow();
  const rows = await t(trx)
    .insertInto('purchase_order_line')
    .values(lines.map((l) => ({ merchant_id, purchase_order_id: id, variant_id: l.variant_id, quantity: l.quantity, unit_cost_minor: costOf(l) })))
    .returning(['variant_id', 'quantity', 'received_quantity', 'unit_cost_minor'])
    .execute();
  const created = { ...order, lines: rows };
  await publish(trx, purchaseOrderCreated, merchant_id, { ...eventOf(created), suggestion_id: created.suggestion_id });
  return created;
}

function eventOf(po: PurchaseOrder) {
  return { purchase_order_id: po.id, supplier_id: po.supplier_id, location_id: po.location_id, lines: po.lines.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity, received_quantity: l.received_quantity })), expected_at: po.expected_at.toISOString() };
}

async function linesOf(db: AnyDb, merchant_id: string, ids: readonly string[]): Promise<Map<string, PurchaseOrderLine[]>> {
  const lines = new Map<string, PurchaseOrderLine[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return lines;
  const rows = await t(db).selectFrom('purchase_order_line').select(['purchase_order_id', 'variant_id', 'quantity', 'received_quantity', 'unit_cost_minor']).where('merchant_id', '=', merchant_id).where('purchase_order_id', 'in', ids).orderBy('purchase_order_id').orderBy('variant_id').execute();
  for (const { purchase_order_id, ...line } of rows) lines.get(purchase_order_id)?.push(line);
  return lines;
}

export async function getPurchaseOrder(db: AnyDb, merchant_id: string, id: string, options: { forUpdate?: boolean } = {}): Promise<PurchaseOrder | undefined> {
  let query = t(db).selectFrom('purchase_order').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id);
  if (options.forUpdate === true) query = query.forUpdate();
  const order = await query.executeTakeFirst();
  if (order === undefined) return undefined;
  return { ...order, lines: (await linesOf(db, merchant_id, [id])).get(id) ?? [] };
}

/** Newest first. */
export async function listPurchaseOrders(db: AnyDb, merchant_id: string, filter: { status?: PurchaseOrderStatus | undefined; supplier_id?: string | undefined; before_id?: string | undefined; limit: number }): Promise<PurchaseOrder[]> {
  let query = t(db).selectFrom('purchase_order').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.supplier_id !== undefined) query = query.where('supplier_id', '=', filter.supplier_id);
  if (filter.before_id !== undefined) query = query.where('id', '<', filter.before_id);
  const orders = await query.orderBy('id', 'desc').limit(filter.limit).execute();
  const lines = await linesOf(db, merchant_id, orders.map((o) => o.id));
  return orders.map((o) => ({ ...o, lines: lines.get(o.id) ?? [] }));
}

/**
 * Receives units of a purchase order into stock at its location: the lines given, or everything
 * outstanding when none are. Refuses (nothing moved) a line the order does not have, or more
 * than is outstanding; an order received in full or cancelled receives nothing more.
 */
export async function receivePurchaseOrder(db: AnyDb, merchant_id: string, id: string, lines?: readonly { variant_id: string; quantity: number }[]): Promise<PurchaseOrder> {
  return inTransaction(db, async (trx) => {
    const order = await getPurchaseOrder(trx, merchant_id, id, { forUpdate: true });
    if (order === undefined) throw problems.notFound('The purchase order');
    if (order.status === 'received' || order.status === 'cancelled') throw problems.conflict('purchase_order_closed', `Purchase order ${id} is ${order.status}: nothing more can be received`);
    const outstanding = new Map(order.lines.map((l) => [l.variant_id, l.quantity - l.received_quantity]));
    const asked = lines ?? order.lines.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity - l.received_quantity }));
    const receipt = new Map<string, number>();
    for (const l of asked) {
      const left = outstanding.get(l.variant_id);
      if (left === undefined) throw problems.unprocessable('not_on_purchase_order', `Purchase order ${id} has no line for ${l.variant_id}`);
      const total = (receipt.get(l.variant_id) ?? 0) + l.quantity;
      if (total > left) throw problems.conflict('over_receipt', `Only ${left} units of ${l.variant_id} are outstanding on purchase order ${id}`);
      receipt.set(l.variant_id, total);
    }
    const received = [...receipt].filter(([, quantity]) => quantity > 0).map(([variant_id, quantity]) => ({ variant_id, quantity }));
    if (received.length === 0) throw problems.unprocessable('nothing_to_receive', 'No units to receive');
    // A markdown whose stock sold out must not discount the new units: its promotion ends first.
    await endSoldOutMarkdowns(trx, merchant_id, { location_id: order.location_id, variant_ids: received.map((r) => r.variant_id) });
    await applyStockChanges(trx, received.map((r) => ({ merchant_id, variant_id: r.variant_id, location_id: order.location_id, reason: 'receipt' as const, on_hand_delta: BigInt(r.quantity), reserved_delta: 0n, reference: id, note: `purchase order ${id}` })));
    await sql`update purchase_order_line l set received_quantity = l.received_quantity + r.quantity
      from unnest(${received.map((r) => r.variant_id)}::text[], ${received.map((r) => r.quantity)}::int[]) as r(variant_id, quantity)
      where l.merchant_id = ${merchant_id} and l.purchase_order_id = ${id} and l.variant_id = r.variant_id`.execute(trx);
    const complete = order.lines.every((l) => l.received_quantity + (receipt.get(l.variant_id) ?? 0) >= l.quantity);
    const status = complete ? 'received' : 'partially_received';
    await t(trx).updateTable('purchase_order').set({ status, updated_at: sql`now()` }).where('merchant_id', '=', merchant_id).where('id', '=', id).execute();
    const after = (await getPurchaseOrder(trx, merchant_id, id))!;
    await publish(trx, purchaseOrderReceived, merchant_id, { ...eventOf(after), status, received });
    return after;
  });
}

/** Cancels what was not received; what was received stays in stock. */
export async function cancelPurchaseOrder(db: AnyDb, merchant_id: string, id: string): Promise<PurchaseOrder> {
  return inTransaction(db, async (trx) => {
    const order = await getPurchaseOrder(trx, merchant_id, id, { forUpdate: true });
    if (order === undefined) throw problems.notFound('The purchase order');
    if (order.status === 'received' || order.status === 'cancelled') throw problems.conflict('purchase_order_closed', `Purchase order ${id} is already ${order.status}`);
    await t(trx).updateTable('purchase_order').set({ status: 'cancelled', updated_at: sql`now()` }).where('merchant_id', '=', merchant_id).where('id', '=', id).execute();
    return { ...order, status: 'cancelled' };
  });
}

/** Units ordered and not yet received per variant and location (`variant|location`), of the orders still open. */
export async function onOrder(db: AnyDb, merchant_id: string): Promise<Map<string, number>> {
  const rows = await t(db)
    .selectFrom('purchase_order_line as l')
    .innerJoin('purchase_order as o', (j) => j.onRef('o.merchant_id', '=', 'l.merchant_id').onRef('o.id', '=', 'l.purchase_order_id'))
    .select(['l.variant_id', 'o.location_id', sql<number>`sum(l.quantity - l.received_quantity)::int`.as('units')])
    .where('l.merchant_id', '=', merchant_id)
    .where('o.status', 'in', ['approved', 'partially_received'])
    .groupBy(['l.variant_id', 'o.location_id'])
    .execute();
  return new Map(rows.map((r) => [`${r.variant_id}|${r.location_id}`, r.units]));
}

/** Whose purchase order this is, for the command line, which names it by ID alone. */
export async function purchaseOrderMerchant(db: AnyDb, id: string): Promise<string | undefined> {
  return (await t(db).selectFrom('purchase_order').select('merchant_id').where('id', '=', id).executeTakeFirst())?.merchant_id;
}
