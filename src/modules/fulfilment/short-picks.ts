import { sql } from 'kysely';
import type { AnyDb, AnyTrx } from '../../kernel/db.js';
import { publishEach } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { Problem } from '../../kernel/problem.js';
import { shareOfUnits, toJsonAmount } from '../../kernel/money.js';
import { applyStockChanges, lockStock, type StockChange } from '../inventory/index.js';
import { distance_m, listLocations, type Location } from '../locations/index.js';
import { transitionOrders } from '../orders/index.js';
import { fulfilmentEvents, fulfilmentLineRefunded, fulfilmentShortPicked } from './events.js';
import { fulfilmentPayload, type Fulfilment, type FulfilmentLine } from './fulfilments.js';
import { openUntil } from './opening-hours.js';
import { defaultPromiseSettings } from './promise.js';

/**
 * Short picks. Packing confirmed less than a line asked for: the shelf was empty. Inside the
 * pack's transaction, never silently:
 *
 * 1. The stock at the location is corrected: the missing units leave on hand (an `adjustment`
 *    noting the fulfilment and "short pick") and the order's reservation for them is released.
 * 2. What another of the seller's locations can still send in time is re-routed there: reserved
 *    at that location and taken over by a new fulfilment (`rerouted_from` the short one). Carried
 *    methods (standard, cross-border, seller) take any active location with the stock, fewest
 *    locations first; express takes another store open until the promise, within the express
 *    radius of the buyer, holding every missing unit; pickup is never re-routed (the buyer comes
 *    to this store).
 * 3. The rest is refunded: `refunded_quantity` on the line, and `fulfilment.line_refunded`,
 *    which the release-escrow flow turns into a partial refund from escrow.
 *
 * A fulfilment that packed nothing is cancelled (`shortPicks` answers which); an order left with
 * no live fulfilment is refunded whole (`refundEmptiedOrders`).
 */
export interface PackedFulfilment {
  f: Fulfilment;
  lines: FulfilmentLine[];
  actor: string;
}

export interface ShortPickOutcome {
  /** Fulfilments that packed nothing at all: to be cancelled. */
  empty: Fulfilment[];
  /** Why, per short fulfilment: its pack transition's reason. */
  reasons: Map<string, string>;
}

/** Locations one re-route may consider. */
const locations_max = 10_000;
/** Minutes before an express promise its picking must be done, as for a new express fulfilment. */
const express_pick_margin_min = 15;

interface Part {
  location: Location;
  lines: { line: FulfilmentLine; quantity: number }[];
}

const shortOf = (l: FulfilmentLine) => l.quantity - (l.picked_quantity ?? l.quantity);

export async function shortPicks(trx: AnyTrx, packed: readonly PackedFulfilment[], now = new Date()): Promise<ShortPickOutcome> {
  const outcome: ShortPickOutcome = { empty: [], reasons: new Map() };
  const short = packed.filter((p) => p.lines.some((l) => shortOf(l) > 0));
  if (short.length === 0) return outcome;

  // 1. The shelf was empty: those units are not on hand, and the order no longer holds them here.
  await applyStockChanges(
    trx,
    short.flatMap(({ f, lines }) =>
      lines
        .filter((l) => shortOf(l) > 0)
        .flatMap((l): StockChange[] => {
          const base = { merchant_id: f.merchant_id, variant_id: l.variant_id, location_id: f.location_id, reference: f.order_id };
          return [
            { ...base, reason: 'release', on_hand_delta: 0n, reserved_delta: -BigInt(shortOf(l)), note: f.id },
            { ...base, reason: 'adjustment', on_hand_delta: -BigInt(shortOf(l)), reserved_delta: 0n, note: `short pick: ${f.id}` },
          ];
        }),
    ),
  );

  const places = new Map<string, Location[]>();
  const opened: { f: Fulfilment; from: Fulfilment; lines: FulfilmentLine[]; actor: string; reason: string }[] = [];
  for (const p of short) {
    if (!places.has(p.f.merchant_id)) places.set(p.f.merchant_id, (await listLocations(trx, p.f.merchant_id, { limit: locations_max })).filter((l) => l.active));
    const parts = await rerouteParts(trx, p, places.get(p.f.merchant_id)!, now);
    const rerouted = new Map<number, number>();
    for (const part of parts) {
      const id = newId('ful');
      const pick_by = p.f.method === 'express' && p.f.promised_by !== null ? new Date(p.f.promised_by.getTime() - express_pick_margin_min * 60_000) : p.f.pick_by;
      const f: Fulfilment = { ...p.f, id, location_id: part.location.id, status: 'awaiting_pick', pick_by, rerouted_from: p.f.id, shipment_id: null, created_at: now, updated_at: now };
      const lines = part.lines.map(({ line, quantity }) => ({ ...line, fulfilment_id: id, quantity, picked_quantity: null, refunded_quantity: 0 }));
      for (const { line, quantity } of part.lines) rerouted.set(line.line_no, (rerouted.get(line.line_no) ?? 0) + quantity);
      opened.push({ f, from: p.f, lines, actor: p.actor, reason: `short pick at ${p.f.location_id}: re-routed from ${p.f.id}` });
    }
    for (const l of p.lines) l.refunded_quantity = shortOf(l) - (rerouted.get(l.line_no) ?? 0);
    if (p.lines.every((l) => l.picked_quantity === 0)) outcome.empty.push(p.f);
    outcome.reasons.set(
      p.f.id,
      `short pick: ${p.lines
        .filter((l) => shortOf(l) > 0)
        .map((l) => `${l.sku} picked ${l.picked_quantity} of ${l.quantity}${rerouted.has(l.line_no) ? `, ${rerouted.get(l.line_no)} re-routed` : ''}${l.refunded_quantity > 0 ? `, ${l.refunded_quantity} refunded` : ''}`)
        .join('; ')}`,
    );
  }

  await openRerouted(trx, opened);
  const rows = short.flatMap(({ lines }) => lines.filter((l) => l.refunded_quantity > 0));
  if (rows.length > 0) {
    await sql`update fulfilment_line fl set refunded_quantity = v.refunded
      from unnest(${rows.map((l) => l.merchant_id)}::text[], ${rows.map((l) => l.fulfilment_id)}::text[], ${rows.map((l) => l.line_no)}::int[], ${rows.map((l) => l.refunded_quantity)}::int[]) as v(merchant_id, fulfilment_id, line_no, refunded)
      where fl.merchant_id = v.merchant_id and fl.fulfilment_id = v.fulfilment_id and fl.line_no = v.line_no`.execute(trx);
  }
  await publishShortPicks(trx, short, opened);
  return outcome;
}

/** Where the short units can still come from in time, by the fulfilment's method. */
async function rerouteParts(trx: AnyTrx, p: PackedFulfilment, places: readonly Location[], now: Date): Promise<Part[]> {
  const missing = p.lines.filter((l) => shortOf(l) > 0);
  if (p.f.method === 'pickup') return [];
  const levels = await lockStock(trx, missing.map((l) => ({ merchant_id: p.f.merchant_id, variant_id: l.variant_id })));
  const available = new Map(levels.map((s) => [`${s.location_id}|${s.variant_id}`, Number(s.available)]));
  const has = (location_id: string, variant_id: string) => available.get(`${location_id}|${variant_id}`) ?? 0;
  const others = places.filter((l) => l.id !== p.f.location_id);

  if (p.f.method === 'express') {
    const at = await sql<{ latitude: number | null; longitude: number | null }>`
      select latitude, longitude from order_delivery where merchant_id = ${p.f.merchant_id} and order_id = ${p.f.order_id}`.execute(trx);
    const dest = at.rows[0];
    if (dest?.latitude == null || dest.longitude == null) return [];
    const to = { latitude: dest.latitude, longitude: dest.longitude };
    const keeps = (l: Location) => {
      const closes = openUntil(l.opening_hours, l.timezone, now);
      return closes !== undefined && (p.f.promised_by === null || closes >= p.f.promised_by);
    };
    const store = others
      .filter((l) => l.kind === 'store' && distance_m(l, to) <= defaultPromiseSettings.express_radius_m && missing.every((m) => has(l.id, m.variant_id) >= shortOf(m)) && keeps(l))
      .sort((a, b) => distance_m(a, to) - distance_m(b, to))[0];
    return store === undefined ? [] : [{ location: store, lines: missing.map((line) => ({ line, quantity: shortOf(line) })) }];
  }

  // Carried: a greedy cover, each round the location that can send the most of what is left
  // (warehouses before stores at a tie), for as many units as it has; never more than it has.
  const left = new Map(missing.map((l) => [l.line_no, shortOf(l)]));
  const parts: Part[] = [];
  for (let round = 0; round < others.length && [...left.values()].some((q) => q > 0); round++) {
    let best: Part | undefined;
    let bestUnits = 0;
    for (const location of others) {
      if (parts.some((x) => x.location.id === location.id)) continue;
      const lines = missing.map((line) => ({ line, quantity: Math.min(left.get(line.line_no)!, has(location.id, line.variant_id)) })).filter((x) => x.quantity > 0);
      const units = lines.reduce((s, x) => s + x.quantity, 0);
      if (units > bestUnits || (units === bestUnits && units > 0 && best !== undefined && location.kind === 'warehouse' && best.location.kind !== 'warehouse')) [best, bestUnits] = [{ location, lines }, units];
    }
    if (best === undefined) break;
    parts.push(best);
    for (const x of best.lines) left.set(x.line.line_no, left.get(x.line.line_no)! - x.quantity);
  }
  return parts;
}

/** Opens the fulfilments that took short lines over: reserved at their location, recorded and published. */
async function openRerouted(trx: AnyTrx, opened: readonly { f: Fulfilment; from: Fulfilment; lines: FulfilmentLine[]; actor: string; reason: string }[]): Promise<void> {
  if (opened.length === 0) return;
  await applyStockChanges(
    trx,
    opened.flatMap(({ f, lines }) => lines.map((l): StockChange => ({ merchant_id: f.merchant_id, variant_id: l.variant_id, location_id: f.location_id, reason: 'reservation', on_hand_delta: 0n, reserved_delta: BigInt(l.quantity), reference: f.order_id, note: f.id }))),
  );
  const col = <T>(pick: (o: (typeof opened)[number]) => T) => opened.map(pick);
  await sql`insert into fulfilment (merchant_id, id, order_id, location_id, method, status, promised_by, pick_by, rerouted_from)
    select merchant_id, id, order_id, location_id, method, 'awaiting_pick', promised_by, pick_by, rerouted_from
    from unnest(${col((o) => o.f.merchant_id)}::text[], ${col((o) => o.f.id)}::text[], ${col((o) => o.f.order_id)}::text[], ${col((o) => o.f.location_id)}::text[],
      ${col((o) => o.f.method)}::text[], ${col((o) => o.f.promised_by)}::timestamptz[], ${col((o) => o.f.pick_by)}::timestamptz[], ${col((o) => o.from.id)}::text[])
      as v(merchant_id, id, order_id, location_id, method, promised_by, pick_by, rerouted_from)`.execute(trx);
  const lines = opened.flatMap((o) => o.lines);
  const lc = <K extends keyof FulfilmentLine>(k: K) => lines.map((l) => l[k]);
  await sql`insert into fulfilment_line (merchant_id, fulfilment_id, order_id, line_no, variant_id, sku, title, quantity)
    select * from unnest(${lc('merchant_id')}::text[], ${lc('fulfilment_id')}::text[], ${lc('order_id')}::text[], ${lc('line_no')}::int[], ${lc('variant_id')}::text[], ${lc('sku')}::text[], ${lc('title')}::text[], ${lc('quantity')}::int[])`.execute(trx);
  await sql`insert into fulfilment_transition (merchant_id, id, fulfilment_id, order_id, from_status, to_status, action, actor, reason)
    select merchant_id, id, fulfilment_id, order_id, null, 'awaiting_pick', 'reroute', actor, reason
    from unnest(${col((o) => o.f.merchant_id)}::text[], ${col(() => newId('ftr'))}::text[], ${col((o) => o.f.id)}::text[], ${col((o) => o.f.order_id)}::text[], ${col((o) => o.actor)}::text[], ${col((o) => o.reason)}::text[])
      as v(merchant_id, id, fulfilment_id, order_id, actor, reason)`.execute(trx);
  await publishEach(
    trx,
    fulfilmentEvents.awaiting_pick,
    opened.map((o) => ({ merchant_id: o.f.merchant_id, payload: fulfilmentPayload(o.f, o.lines, null, 'reroute', o.actor, o.reason) })),
  );
}

async function publishShortPicks(trx: AnyTrx, short: readonly PackedFulfilment[], opened: readonly { f: Fulfilment; from: Fulfilment; lines: FulfilmentLine[] }[]): Promise<void> {
  await publishEach(
    trx,
    fulfilmentShortPicked,
    short.map(({ f, lines, actor }) => {
      const mine = opened.filter((o) => o.from.id === f.id);
      const rerouted = (line_no: number) => mine.reduce((s, o) => s + (o.lines.find((l) => l.line_no === line_no)?.quantity ?? 0), 0);
      return {
        merchant_id: f.merchant_id,
        payload: {
          fulfilment_id: f.id,
          order_id: f.order_id,
          location_id: f.location_id,
          method: f.method,
          actor,
          lines: lines.filter((l) => shortOf(l) > 0).map((l) => ({ line_no: l.line_no, variant_id: l.variant_id, sku: l.sku, quantity: l.quantity, picked_quantity: l.picked_quantity ?? l.quantity, rerouted_quantity: rerouted(l.line_no), refunded_quantity: l.refunded_quantity })),
          rerouted_to: mine.map((o) => ({ fulfilment_id: o.f.id, location_id: o.f.location_id })),
        },
      };
    }),
  );
  const refunding = short.filter(({ lines }) => lines.some((l) => l.refunded_quantity > 0));
  if (refunding.length === 0) return;
  // Each line's refunded units so far, this pack's included (its refunded_quantity is written).
  const prices = await sql<PricedLine & { merchant_id: string; order_id: string; currency: string }>`
    select l.merchant_id, l.order_id, l.line_no, l.quantity, l.unit_price_minor::text, l.discount_minor::text, o.currency,
      (select coalesce(sum(fl.refunded_quantity), 0)::int from fulfilment_line fl where fl.merchant_id = l.merchant_id and fl.order_id = l.order_id and fl.line_no = l.line_no) as refunded_quantity
    from order_line l join sales_order o on o.merchant_id = l.merchant_id and o.id = l.order_id
    where (l.merchant_id, l.order_id) in (select * from unnest(${refunding.map((r) => r.f.merchant_id)}::text[], ${refunding.map((r) => r.f.order_id)}::text[]))`.execute(trx);
  const price = new Map(prices.rows.map((p) => [`${p.merchant_id}|${p.order_id}|${p.line_no}`, p]));
  await publishEach(
    trx,
    fulfilmentLineRefunded,
    refunding.map(({ f, lines }) => {
      const refunded = lines
        .filter((l) => l.refunded_quantity > 0)
        .map((l) => {
          const line = price.get(`${f.merchant_id}|${f.order_id}|${l.line_no}`)!;
          // This pack's units are the last refunded so far: their share is what the cumulative shares add.
          const amount = paidFor(line, line.refunded_quantity) - paidFor(line, line.refunded_quantity - l.refunded_quantity);
          return { line_no: l.line_no, variant_id: l.variant_id, sku: l.sku, refunded_quantity: l.refunded_quantity, unit_price_minor: toJsonAmount(BigInt(line.unit_price_minor)), amount_minor: toJsonAmount(amount) };
        });
      return {
        merchant_id: f.merchant_id,
        payload: { fulfilment_id: f.id, order_id: f.order_id, currency: price.get(`${f.merchant_id}|${f.order_id}|${lines[0]!.line_no}`)!.currency, amount_minor: refunded.reduce((s, l) => s + l.amount_minor, 0), lines: refunded },
      };
    }),
  );
}

/** An order line's price and discount, and how many of its units short picks refunded. */
interface PricedLine {
  line_no: number;
  quantity: number;
  unit_price_minor: string;
  discount_minor: string;
  refunded_quantity: number;
}

/**
 * What the buyer paid for the first `units` of an order line: their price less the share of the
 * line's discount they carry (cumulative floor, so the shares add up to the line's discount).
 */
function paidFor(line: Pick<PricedLine, 'quantity' | 'unit_price_minor' | 'discount_minor'>, units: number): bigint {
  return BigInt(line.unit_price_minor) * BigInt(units) - shareOfUnits(BigInt(line.discount_minor), units, line.quantity);
}

/** One order line's units refunded by short picks so far, and what the buyer paid for them. */
export interface ShortPickRefund {
  line_no: number;
  quantity: number;
  refunded_quantity: number;
  paid_minor: bigint;
}

/**
 * What an order's short picks refunded, per line: the refunded units and what the buyer paid for
 * them (the list price less their share of the line's discount). The release-escrow flow returns
 * this much from escrow before anything else leaves it.
 */
export async function shortPickRefundsOf(db: AnyDb, merchant_id: string, order_id: string): Promise<ShortPickRefund[]> {
  const r = await sql<PricedLine>`
    select l.line_no, l.quantity, l.unit_price_minor::text, l.discount_minor::text, sum(fl.refunded_quantity)::int as refunded_quantity
    from fulfilment_line fl join order_line l on l.merchant_id = fl.merchant_id and l.order_id = fl.order_id and l.line_no = fl.line_no
    where fl.merchant_id = ${merchant_id} and fl.order_id = ${order_id} and fl.refunded_quantity > 0
    group by l.line_no, l.quantity, l.unit_price_minor, l.discount_minor order by l.line_no`.execute(db);
  return r.rows.map((line) => ({ line_no: line.line_no, quantity: line.quantity, refunded_quantity: line.refunded_quantity, paid_minor: paidFor(line, line.refunded_quantity) }));
}

/**
 * Orders whose every fulfilment ended cancelled by short picks have nothing left to send: they
 * are refunded whole through the order's own refund (request, then approve, by whoever packed),
 * so the buyer also gets back what the lines alone would not return (the delivery price).
 * The release-escrow flow returns first what the short picks refunded, then the rest.
 */
export async function refundEmptiedOrders(trx: AnyTrx, emptied: readonly { merchant_id: string; order_id: string; actor: string }[]): Promise<void> {
  if (emptied.length === 0) return;
  const unique = [...new Map(emptied.map((e) => [`${e.merchant_id}|${e.order_id}`, e])).values()];
  const dead = await sql<{ merchant_id: string; order_id: string }>`
    select o.merchant_id, o.id as order_id from sales_order o
    where (o.merchant_id, o.id) in (select * from unnest(${unique.map((e) => e.merchant_id)}::text[], ${unique.map((e) => e.order_id)}::text[]))
      and o.status = 'paid'
      and not exists (select 1 from fulfilment f where f.merchant_id = o.merchant_id and f.order_id = o.id and f.status <> 'cancelled')`.execute(trx);
  if (dead.rows.length === 0) return;
  const actorOf = new Map(unique.map((e) => [`${e.merchant_id}|${e.order_id}`, e.actor]));
  const reason = 'short pick: nothing of the order was on the shelf anywhere it could come from in time';
  for (const action of ['request_refund', 'approve_refund'] as const) {
    const answers = await transitionOrders(
      trx,
      dead.rows.map((d) => ({ merchant_id: d.merchant_id, order_id: d.order_id, action, options: { actor: actorOf.get(`${d.merchant_id}|${d.order_id}`)!, reason } })),
    );
    for (const a of answers) if (a instanceof Problem) throw a;
  }
}
