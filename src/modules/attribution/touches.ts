import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { Problem } from '../../kernel/problem.js';
import { localDay } from '../../kernel/time-zone.js';
import { merchantTimeZone } from '../merchants/index.js';
import { getOrder, soldStatuses, type OrderDetail, type OrderStatus } from '../orders/index.js';
import { attributionOrderAttributed, attributionTouched } from './events.js';
import type { AttributionTables, TouchKind } from './tables.js';
import { verifyToken, type AttributionClaim, type TokenRefusal, type TokenSecret } from './token.js';

/**
 * Touches: what a storefront reports after showing an answer, each carrying the answer's token.
 * A touch is recorded once per answer, kind, product and order (sent again, it changes nothing);
 * views, clicks and carts count on the brand's day they happened, in the daily rollup. A purchase
 * names an order: once the order is paid, each of its lines of that product is attributed to the
 * answer, with what the buyer paid for the line; an order not yet paid waits for `order.paid`.
 */
export const touches_per_batch_max = 100;

export interface TouchInput {
  attribution_token: string;
  kind: TouchKind;
  product_id: string;
  order_id?: string | undefined;
  anonymous_id?: string | undefined;
  occurred_at?: Date | undefined;
}

export type TouchResult =
  | { index: number; ok: true; touch_id: string; recorded: boolean; source: AttributionClaim['source']; placement: AttributionClaim['placement']; attributed_lines: number }
  | { index: number; ok: false; problem: Problem };

const refusals: Record<TokenRefusal, string> = {
  token_malformed: 'The attribution token is not one the platform issues',
  token_forged: 'The attribution token’s signature does not match: it was altered or made up',
  token_expired: 'The attribution token is older than 30 days',
  token_other_merchant: 'The attribution token belongs to another brand’s answer',
};

/** Order statuses whose sales count: paid and not refunded. */
const paidStatuses: readonly OrderStatus[] = soldStatuses.filter((s) => s !== 'refunded');

interface Accepted {
  index: number;
  claim: AttributionClaim;
  input: TouchInput;
  occurred_at: Date;
  order: OrderDetail | undefined;
}

/**
 * Records a storefront's batch of touches; each is answered on its own (a refused token refuses
 * that touch only). `consumer_id`: the signed-in consumer, when the request carried one.
 */
export async function recordTouches(db: AnyDb, secret: TokenSecret, merchant_id: string, inputs: readonly TouchInput[], consumer_id: string | null, now = new Date()): Promise<TouchResult[]> {
  const results: TouchResult[] = [];
  const accepted: Accepted[] = [];
  const orders = new Map<string, OrderDetail | undefined>();
  const claims = inputs.map((input) => verifyToken(secret, input.attribution_token, merchant_id, now));
  const shown = await productsShown(db, merchant_id, claims.filter((c) => typeof c !== 'string').map((c) => c.served_id));
  for (const [index, input] of inputs.entries()) {
    const claim = claims[index]!;
    if (typeof claim === 'string') {
      results.push({ index, ok: false, problem: new Problem(422, claim, 'The touch was refused', refusals[claim]) });
      continue;
    }
    const products = shown.get(claim.served_id);
    if (products !== undefined && !products.has(input.product_id)) {
      results.push({ index, ok: false, problem: new Problem(422, 'product_not_in_answer', 'The touch was refused', 'The answer this token belongs to did not show this product') });
      continue;
    }
    let order: OrderDetail | undefined;
    if (input.kind === 'purchase') {
      const order_id = input.order_id!;
      if (!orders.has(order_id)) orders.set(order_id, await getOrder(db, merchant_id, order_id));
      order = orders.get(order_id);
      if (order === undefined) {
        results.push({ index, ok: false, problem: new Problem(404, 'not_found', 'Not found', 'The order was not found') });
        continue;
      }
      if (!order.lines.some((l) => l.product_id === input.product_id)) {
        results.push({ index, ok: false, problem: new Problem(422, 'product_not_in_order', 'The touch was refused', 'The order has no line of this product') });
        continue;
      }
    }
    const sent = input.occurred_at?.getTime() ?? now.getTime();
    const at = Math.min(Math.max(sent, claim.served_at.getTime()), Math.max(now.getTime(), claim.served_at.getTime()));
    accepted.push({ index, claim, input, occurred_at: new Date(at), order });
  }
  if (accepted.length === 0) return results.sort((a, b) => a.index - b.index);

  const zone = await merchantTimeZone(db, merchant_id);
  const rows = accepted.map((a) => ({
    merchant_id,
    id: newId('atc'),
    served_id: a.claim.served_id,
    source: a.claim.source,
    placement: a.claim.placement,
    served_at: a.claim.served_at.toISOString(),
    kind: a.input.kind,
    product_id: a.input.product_id,
    order_id: a.input.order_id ?? '',
    anonymous_id: a.input.anonymous_id ?? null,
    consumer_id,
    occurred_at: a.occurred_at.toISOString(),
    day: localDay(a.occurred_at, zone),
  }));

  await inTransaction(db, async (trx) => {
    // Only the touches not yet recorded go in, and only those count in the day's rollup. Rows and
    // rollup rows are taken in one order, so two batches never deadlock on each other.
    const inserted = await sql<{ id: string; served_id: string; kind: TouchKind; product_id: string; order_id: string }>`
      with input as (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as r(merchant_id text, id text, served_id text, source text, placement text, served_at timestamptz, kind text, product_id text, order_id text, anonymous_id text, consumer_id text, occurred_at timestamptz, day date)
      ), inserted as (
        insert into attr_touch (merchant_id, id, served_id, source, placement, served_at, kind, product_id, order_id, anonymous_id, consumer_id, occurred_at, day)
        select merchant_id, id, served_id, source, placement, served_at, kind, product_id, order_id, anonymous_id, consumer_id, occurred_at, day from input
        order by served_id, kind, product_id, order_id
        on conflict do nothing
        returning id, served_id, kind, product_id, order_id, day, placement
      ), counted as (
        insert into attr_daily (merchant_id, day, placement, views, clicks, carts)
        select ${merchant_id}, day, placement, count(*) filter (where kind = 'view'), count(*) filter (where kind = 'click'), count(*) filter (where kind = 'cart')
          from inserted where kind <> 'purchase' group by day, placement
          order by day, placement
        on conflict (merchant_id, day, placement) do update
          set views = attr_daily.views + excluded.views, clicks = attr_daily.clicks + excluded.clicks, carts = attr_daily.carts + excluded.carts
      )
      select id, served_id, kind, product_id, order_id from inserted`.execute(trx);
    const key = (t: { served_id: string; kind: string; product_id: string; order_id: string }) => `${t.served_id}|${t.kind}|${t.product_id}|${t.order_id}`;
    const fresh = new Map(inserted.rows.map((r) => [key(r), r.id]));
    const missing = rows.filter((r) => !fresh.has(key(r)));
    const existing = new Map<string, string>();
    if (missing.length > 0) {
      const found = await tablesOf<AttributionTables>(trx)
        .selectFrom('attr_touch')
        .select(['id', 'served_id', 'kind', 'product_id', 'order_id'])
        .where('merchant_id', '=', merchant_id)
        .where('served_id', 'in', [...new Set(missing.map((r) => r.served_id))])
        .execute();
      for (const f of found) existing.set(key(f), f.id);
    }
    if (inserted.rows.length > 0) {
      const byId = new Map(rows.map((r) => [key(r), r]));
      await publish(
        trx,
        attributionTouched,
        merchant_id,
        inserted.rows.map((t) => {
          const r = byId.get(key(t))!;
          return { touch_id: t.id, served_id: r.served_id, source: r.source, placement: r.placement, kind: r.kind, product_id: r.product_id, order_id: r.order_id === '' ? null : r.order_id, anonymous_id: r.anonymous_id, consumer_id: r.consumer_id, occurred_at: r.occurred_at };
        }),
      );
    }
    // Purchases of orders already paid are attributed now; the others wait for `order.paid`.
    const attributed = new Map<string, number>();
    for (const order_id of [...new Set(inserted.rows.filter((t) => t.kind === 'purchase').map((t) => t.order_id))].sort()) {
      for (const line of await settleOrder(trx, merchant_id, order_id, zone)) attributed.set(line.touch_id, (attributed.get(line.touch_id) ?? 0) + 1);
    }
    for (const [k, a] of accepted.entries()) {
      const r = rows[k]!;
      const id = fresh.get(key(r)) ?? existing.get(key(r));
      if (id === undefined) throw new Error(`touch ${key(r)} was neither recorded nor found`);
      results.push({ index: a.index, ok: true, touch_id: id, recorded: fresh.get(key(r)) === id && !rows.slice(0, k).some((p) => key(p) === key(r)), source: a.claim.source, placement: a.claim.placement, attributed_lines: attributed.get(id) ?? 0 });
    }
  });
  return results.sort((a, b) => a.index - b.index);
}

/**
 * The products each recorded answer showed. An answer not (yet) recorded, still in the recorder's
 * buffer or older than the retention, is not found, and its touches are taken on the token alone.
 */
async function productsShown(db: AnyDb, merchant_id: string, served_ids: readonly string[]): Promise<Map<string, Set<string>>> {
  const ids = [...new Set(served_ids)];
  if (ids.length === 0) return new Map();
  const rows = await tablesOf<AttributionTables>(db).selectFrom('attr_served').select(['id', 'product_ids']).where('merchant_id', '=', merchant_id).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, new Set(r.product_ids)]));
}

async function lockOrder(trx: AnyTrx, merchant_id: string, order_id: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('attribution'), hashtext(${merchant_id} || '/' || ${order_id}))`.execute(trx);
}

export interface AttributedLine {
  line_no: number;
  touch_id: string;
  served_id: string;
  placement: string;
  product_id: string;
  amount_minor: bigint;
}

/**
 * Attributes a paid order's lines to the purchase touches that name it: each line not yet
 * attributed goes to the latest touch of its product (one attribution per line, whatever came
 * later), with what the buyer paid for it (the line's total less its share of discounts), on the
 * brand's day the order was paid. Does nothing for an order not paid (or refunded). Runs under
 * the order's lock, so a touch arriving while the order is being paid is never missed: either the
 * touch's request sees the order paid, or the `order.paid` handler sees the touch.
 */
export async function settleOrder(trx: AnyTrx, merchant_id: string, order_id: string, zone?: string): Promise<AttributedLine[]> {
  await lockOrder(trx, merchant_id, order_id);
  const t = tablesOf<AttributionTables>(trx);
  const touches = await t
    .selectFrom('attr_touch')
    .select(['id', 'served_id', 'placement', 'product_id', 'settled_at'])
    .where('merchant_id', '=', merchant_id)
    .where('order_id', '=', order_id)
    .where('kind', '=', 'purchase')
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  if (!touches.some((x) => x.settled_at === null)) return [];
  const order = await getOrder(trx, merchant_id, order_id);
  if (order === undefined) return [];
  if (!paidStatuses.includes(order.status)) {
    // A refunded order attributes nothing; an unpaid one waits.
    if (order.status === 'refunded') await markSettled(trx, merchant_id, order_id);
    return [];
  }
  const done = await t.selectFrom('attr_order_line').select(['line_no', 'placement']).where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).execute();
  const doneLines = new Set(done.map((d) => d.line_no));
  const placementsBefore = new Set<string>(done.map((d) => d.placement));
  const paid_at = order.transitions.find((x) => x.to_status === 'paid')?.occurred_at ?? new Date();
  const day = localDay(paid_at, zone ?? (await merchantTimeZone(trx, merchant_id)));
  const lines: AttributedLine[] = [];
  for (const line of order.lines) {
    if (doneLines.has(line.line_no)) continue;
    const touch = touches.find((x) => x.product_id === line.product_id);
    if (touch === undefined) continue;
    const amount = line.total_minor - line.discount_minor;
    lines.push({ line_no: line.line_no, touch_id: touch.id, served_id: touch.served_id, placement: touch.placement, product_id: line.product_id, amount_minor: amount < 0n ? 0n : amount });
  }
  if (lines.length > 0) {
    await t
      .insertInto('attr_order_line')
      .values(lines.map((l) => ({ merchant_id, order_id, line_no: l.line_no, touch_id: l.touch_id, served_id: l.served_id, placement: l.placement as 'search', product_id: l.product_id, currency: order.currency, amount_minor: l.amount_minor, order_total_minor: order.total_minor, day })))
      .execute();
    const perPlacement = new Map<string, bigint>();
    for (const l of lines) perPlacement.set(l.placement, (perPlacement.get(l.placement) ?? 0n) + l.amount_minor);
    for (const [placement, sales] of perPlacement) {
      const orders = placementsBefore.has(placement) ? 0 : 1;
      await sql`insert into attr_daily_sales (merchant_id, day, placement, currency, orders, sales_minor)
        values (${merchant_id}, ${day}::date, ${placement}, ${order.currency}, ${orders}, ${sales})
        on conflict (merchant_id, day, placement, currency) do update
          set orders = attr_daily_sales.orders + excluded.orders, sales_minor = attr_daily_sales.sales_minor + excluded.sales_minor`.execute(trx);
    }
    await publish(trx, attributionOrderAttributed, merchant_id, {
      order_id,
      currency: order.currency,
      lines: lines.map((l) => ({ line_no: l.line_no, product_id: l.product_id, placement: l.placement, served_id: l.served_id, amount_minor: Number(l.amount_minor) })),
    });
  }
  await markSettled(trx, merchant_id, order_id);
  return lines;
}

async function markSettled(trx: AnyTrx, merchant_id: string, order_id: string): Promise<void> {
  await tablesOf<AttributionTables>(trx)
    .updateTable('attr_touch')
    .set({ settled_at: new Date() })
    .where('merchant_id', '=', merchant_id)
    .where('order_id', '=', order_id)
    .where('kind', '=', 'purchase')
    .where('settled_at', 'is', null)
    .execute();
}

/**
 * A refunded order takes its attributed sales back: each attributed line is refunded in the
 * share the refund took of the order's total (all of it without an amount), on the day the sale
 * was counted, so a day's sales are net of what was later refunded. Computed from the refund,
 * not added to what was there, so a redelivered event changes nothing.
 */
export async function reverseOrder(db: AnyDb, merchant_id: string, order_id: string, refund: { total_minor: bigint; refund_amount_minor: bigint | null }): Promise<number> {
  return inTransaction(db, async (trx) => {
    await lockOrder(trx, merchant_id, order_id);
    const t = tablesOf<AttributionTables>(trx);
    const lines = await t
      .selectFrom('attr_order_line')
      .select(['line_no', 'placement', 'currency', 'amount_minor', 'refunded_minor', sql<string>`day::text`.as('day')])
      .where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).execute();
    let changed = 0;
    for (const line of lines) {
      const whole = refund.refund_amount_minor === null || refund.total_minor <= 0n || refund.refund_amount_minor >= refund.total_minor;
      const share = whole ? line.amount_minor : (line.amount_minor * refund.refund_amount_minor! + refund.total_minor / 2n) / refund.total_minor;
      const refunded = share > line.amount_minor ? line.amount_minor : share;
      const delta = refunded - line.refunded_minor;
      if (delta === 0n) continue;
      changed += 1;
      await t.updateTable('attr_order_line').set({ refunded_minor: refunded }).where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).where('line_no', '=', line.line_no).execute();
      await sql`update attr_daily_sales set sales_minor = sales_minor - ${delta}
        where merchant_id = ${merchant_id} and day = ${line.day}::date and placement = ${line.placement} and currency = ${line.currency}`.execute(trx);
    }
    // Touches of a refunded order still waiting will never be attributed.
    await markSettled(trx, merchant_id, order_id);
    return changed;
  });
}
