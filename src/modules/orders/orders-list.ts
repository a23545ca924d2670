import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { minorUnitDigits } from '../../kernel/money.js';
import { Problem, problems } from '../../kernel/problem.js';
import { getLocation } from '../locations/index.js';
import { orderChannel } from './http.js';
import { countOrdersByStatus, listOrders, type OrderFilter } from './orders.js';
import { transitionOrders, type Order, type OrderAction, type OrderLine, type TransitionOptions } from './state-machine.js';
import { orderStatuses, type OrderStatus } from './tables.js';

/**
 * What the seller's orders list needs beside the orders themselves: counts per state for its
 * tabs, the store each order ships from, a CSV export of a filtered list and bulk actions.
 */

/** Orders per state of one merchant (one grouped query); every state is present, zero when none. */
export async function orderCounts(db: AnyDb, merchant_id: string): Promise<{ all: number; by_status: Record<OrderStatus, number> }> {
  const counted = await countOrdersByStatus(db, merchant_id);
  const by_status = Object.fromEntries(orderStatuses.map((s) => [s, counted[s] ?? 0])) as Record<OrderStatus, number>;
  return { all: Object.values(by_status).reduce((a, b) => a + b, 0), by_status };
}

export interface OrderLocation {
  id: string;
  code: string;
  name: string;
}

/**
 * The stores (locations) that orders ship from, by ID, read through the locations module. A
 * merchant has few locations, so a page of orders names a handful: one lookup each, cached by
 * the caller across pages (the export reuses one map).
 */
export async function locationsOf(db: AnyDb, merchant_id: string, location_ids: Iterable<string>, known = new Map<string, OrderLocation | null>()): Promise<Map<string, OrderLocation | null>> {
  const missing = [...new Set(location_ids)].filter((id) => !known.has(id));
  const found = await Promise.all(missing.map((id) => getLocation(db, merchant_id, id)));
  missing.forEach((id, i) => {
    const l = found[i];
    known.set(id, l === undefined ? null : { id: l.id, code: l.code, name: l.name });
  });
  return known;
}

export const export_page_size = 500;

/** Every order matching the filter, page by page (newest first), so an export never holds them all. */
export async function* allOrders(db: AnyDb, merchant_id: string, filter: Omit<OrderFilter, 'limit' | 'before_id'>): AsyncGenerator<(Order & { lines: OrderLine[] })[]> {
  let before_id: string | undefined;
  for (;;) {
    const page = await listOrders(db, merchant_id, { ...filter, before_id, limit: export_page_size });
    if (page.length > 0) yield page;
    if (page.length < export_page_size) return;
    before_id = page[page.length - 1]!.id;
  }
}

/** An amount in minor units as a decimal in its currency's unit (12345 EUR cents: `123.45`). */
export function decimalAmount(amount_minor: bigint, currency: string): string {
  const digits = minorUnitDigits(currency);
  const negative = amount_minor < 0n;
  const text = (negative ? -amount_minor : amount_minor).toString().padStart(digits + 1, '0');
  const whole = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return negative ? `-${whole}` : whole;
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled.
 * A field that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is prefixed with
 * a quote mark, since buyer emails and titles come from buyers.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvHeader = ['number', 'id', 'created_at', 'status', 'channel', 'store_code', 'store_name', 'buyer_email', 'items', 'currency', 'subtotal', 'total', 'tracking_number', 'shipped_at'];

export function csvRow(o: Order & { lines: readonly OrderLine[] }, location: OrderLocation | null): string {
  const items = o.lines.map((l) => `${l.quantity} x ${l.sku}`).join('; ');
  return [
    `#${o.number}`, o.id, o.created_at.toISOString(), o.status, orderChannel(o), location?.code ?? null, location?.name ?? null, o.buyer_email, items,
    o.currency, decimalAmount(o.subtotal_minor, o.currency), decimalAmount(o.total_minor, o.currency), o.tracking_number, o.shipped_at?.toISOString() ?? null,
  ].map(csvField).join(',');
}

/** The CSV of every order matching the filter, as a stream of lines (header first, CRLF ends). */
export function ordersCsv(db: AnyDb, merchant_id: string, filter: Omit<OrderFilter, 'limit' | 'before_id'>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pages = allOrders(db, merchant_id, filter);
  const locations = new Map<string, OrderLocation | null>();
  let headerSent = false;
  return new ReadableStream({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(`${csvHeader.join(',')}\r\n`));
        return;
      }
      const next = await pages.next();
      if (next.done === true) return controller.close();
      await locationsOf(db, merchant_id, next.value.map((o) => o.location_id), locations);
      controller.enqueue(encoder.encode(next.value.map((o) => `${csvRow(o, locations.get(o.location_id) ?? null)}\r\n`).join('')));
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
}

export const bulkActions = { ship: 'ship', deliver: 'deliver', cancel: 'close' } as const satisfies Record<string, OrderAction>;
export type BulkAction = keyof typeof bulkActions;
export const bulk_orders_max = 100;

export type BulkOutcome = { order_id: string; ok: true; order: Order } | { order_id: string; ok: false; problem: Problem };

/**
 * One seller action on many orders, in one transaction through the state machine's batch
 * (`transitionOrders`, a fixed number of statements however many orders). An order the action
 * does not apply to (or that does not exist) is reported and left as it was; the others move.
 */
export async function bulkOrderAction(
  db: AnyDb,
  merchant_id: string,
  action: BulkAction,
  order_ids: readonly string[],
  options: Omit<TransitionOptions, 'tracking_number'> & { tracking_numbers?: Readonly<Record<string, string>> | undefined },
): Promise<BulkOutcome[]> {
  const { tracking_numbers, ...shared } = options;
  const answers = await inTransaction(db, (trx) =>
    transitionOrders(trx, order_ids.map((order_id) => ({ merchant_id, order_id, action: bulkActions[action], options: { ...shared, tracking_number: tracking_numbers?.[order_id] } }))),
  );
  return order_ids.map((order_id, i): BulkOutcome => {
    const answer = answers[i];
    if (answer === undefined) return { order_id, ok: false, problem: problems.notFound('The order') };
    if (answer instanceof Problem) return { order_id, ok: false, problem: answer };
    return { order_id, ok: true, order: answer };
  });
}
