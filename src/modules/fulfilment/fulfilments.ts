import { sql, type Selectable } from 'kysely';
import { tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publishEach } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems } from '../../kernel/problem.js';
import { applyStockChanges, type StockChange } from '../inventory/index.js';
import { transitionOrders, type MovedOrder, type OrderAction, type TransitionRequest } from '../orders/index.js';
import { fulfilmentEvents, type FulfilmentTransitionPayload } from './events.js';
import { refundEmptiedOrders, shortPicks, type ShortPickOutcome } from './short-picks.js';
import type { FulfilmentLineTable, FulfilmentMethod, FulfilmentStatus, FulfilmentTable, FulfilmentTables } from './tables.js';

export type Fulfilment = Selectable<FulfilmentTable>;
export type FulfilmentLine = Selectable<FulfilmentLineTable>;
export type FulfilmentWithLines = Fulfilment & { lines: FulfilmentLine[] };

/**
 * The fulfilment state machine. Each action names the states it may start from, the state it
 * leads to and the methods it applies to; anything else is a 409 `illegal_fulfilment_transition`.
 *
 *   awaiting_pick --start_pick--> picking --pack--> packed
 *   packed --hand_over--> handed_to_carrier        (standard, cross-border, seller; the ship-parcel flow)
 *   packed --ready--> ready_for_pickup             (pickup)
 *   packed --dispatch--> out_for_delivery          (express: a rider of the store)
 *   handed_to_carrier|out_for_delivery|delivery_failed --deliver--> delivered   (a later attempt succeeded)
 *   ready_for_pickup --collect--> picked_up        (the buyer's pickup code at the desk)
 *   awaiting_pick|picking|packed|ready_for_pickup --cancel--> cancelled    (stock released)
 *   handed_to_carrier|out_for_delivery --fail--> delivery_failed
 *   handed_to_carrier|delivery_failed --lose--> lost                      (the carrier's tracking: the parcel is lost)
 *   handed_to_carrier|out_for_delivery|delivered|picked_up|delivery_failed --return--> returned
 *                                                  (goods back on the shelf: what came back, returns.ts)
 *
 * Stock: the order's reservation stays at the fulfilment's location until the fulfilment leaves
 * it (hand over, dispatch, collect), when what was packed becomes a sale there; a cancelled
 * fulfilment releases what it held. Movements reference the order (whose reservation they
 * settle) and name the fulfilment in their note.
 *
 * The order follows: when every live fulfilment of a paid order has left its location the order
 * ships, and when every one has reached the buyer it is delivered (which starts the escrow's
 * auto-confirm clock). A shipment, delivery or refund decided on the order moves its
 * fulfilments the same way (`followOrders`).
 */
export type FulfilmentAction = 'start_pick' | 'pack' | 'hand_over' | 'ready' | 'dispatch' | 'deliver' | 'collect' | 'cancel' | 'fail' | 'lose' | 'return';

interface Rule {
  from: readonly FulfilmentStatus[];
  to: FulfilmentStatus;
  methods: readonly FulfilmentMethod[];
}

const carried: readonly FulfilmentMethod[] = ['standard', 'cross_border', 'seller'];
const allMethods: readonly FulfilmentMethod[] = ['express', 'pickup', 'standard', 'cross_border', 'seller'];

export const fulfilmentRules: Record<FulfilmentAction, Rule> = {
  start_pick: { from: ['awaiting_pick'], to: 'picking', methods: allMethods },
  pack: { from: ['awaiting_pick', 'picking'], to: 'packed', methods: allMethods },
  hand_over: { from: ['awaiting_pick', 'picking', 'packed'], to: 'handed_to_carrier', methods: carried },
  ready: { from: ['packed'], to: 'ready_for_pickup', methods: ['pickup'] },
  dispatch: { from: ['packed'], to: 'out_for_delivery', methods: ['express'] },
  deliver: { from: ['handed_to_carrier', 'out_for_delivery', 'delivery_failed'], to: 'delivered', methods: ['express', ...carried] },
  collect: { from: ['ready_for_pickup'], to: 'picked_up', methods: ['pickup'] },
  cancel: { from: ['awaiting_pick', 'picking', 'packed', 'ready_for_pickup'], to: 'cancelled', methods: allMethods },
  fail: { from: ['handed_to_carrier', 'out_for_delivery'], to: 'delivery_failed', methods: ['express', ...carried] },
  lose: { from: ['handed_to_carrier', 'delivery_failed'], to: 'lost', methods: carried },
  return: { from: ['handed_to_carrier', 'out_for_delivery', 'delivered', 'picked_up', 'delivery_failed'], to: 'returned', methods: allMethods },
};

/** States in which the fulfilment's location still holds its goods (reserved for the order). */
export const holdingStatuses: readonly FulfilmentStatus[] = ['awaiting_pick', 'picking', 'packed', 'ready_for_pickup'];
/** States past the location: the goods left it (or never will, for a cancelled one). */
const leftStatuses: readonly FulfilmentStatus[] = ['handed_to_carrier', 'out_for_delivery', 'delivered', 'picked_up', 'delivery_failed', 'lost', 'returned'];
const leaving: readonly FulfilmentAction[] = ['hand_over', 'dispatch', 'collect'];

export interface FulfilmentRequest {
  merchant_id: string;
  fulfilment_id: string;
  action: FulfilmentAction;
  actor: string;
  reason?: string | undefined;
  /** When packing: the quantity packed per order line; every line in full when absent. */
  picked?: ReadonlyMap<number, number> | undefined;
  /** The order's own transition moved it (`followOrders`): the order is not moved again. */
  following_order?: boolean | undefined;
  /** When returning: the quantity that came back per order line; everything that left when absent. */
  returned?: ReadonlyMap<number, number> | undefined;
  /** When the order follows to delivered: how long until it confirms receipt by itself. */
  auto_confirm_after_s?: number | undefined;
}

/** How much of a line left (or will leave) the location: what packing confirmed, else all of it. */
export const shippedQuantity = (l: FulfilmentLine) => l.picked_quantity ?? l.quantity;

function refusal(f: Fulfilment, r: FulfilmentRequest): Problem | undefined {
  const rule = fulfilmentRules[r.action];
  if (!rule.methods.includes(f.method)) {
    return new Problem(409, 'illegal_fulfilment_transition', 'This fulfilment cannot do that', `A ${f.method.replace('_', '-')} fulfilment cannot ${r.action.replace('_', ' ')}; that is for ${rule.methods.join(', ')}`);
  }
  if (!rule.from.includes(f.status)) {
    return new Problem(409, 'illegal_fulfilment_transition', 'This fulfilment cannot do that now', `A fulfilment that is ${f.status.replaceAll('_', ' ')} cannot ${r.action.replace('_', ' ')}; allowed from: ${rule.from.join(', ')}`);
  }
  return undefined;
}

function stockChanges(f: Fulfilment, lines: readonly FulfilmentLine[], action: FulfilmentAction, returned?: ReadonlyMap<number, number>): StockChange[] {
  const base = (l: FulfilmentLine) => ({ merchant_id: f.merchant_id, variant_id: l.variant_id, location_id: f.location_id, reference: f.order_id, note: f.id });
  if (leaving.includes(action)) {
    return lines.filter((l) => shippedQuantity(l) > 0).map((l) => ({ ...base(l), reason: 'sale' as const, on_hand_delta: -BigInt(shippedQuantity(l)), reserved_delta: -BigInt(shippedQuantity(l)) }));
  }
  // A packed line holds what was picked; a short pick released the rest already.
  if (action === 'cancel') return lines.filter((l) => shippedQuantity(l) > 0).map((l) => ({ ...base(l), reason: 'release' as const, on_hand_delta: 0n, reserved_delta: -BigInt(shippedQuantity(l)) }));
  if (action === 'return') {
    const back = (l: FulfilmentLine) => returned?.get(l.line_no) ?? shippedQuantity(l);
    return lines.filter((l) => back(l) > 0).map((l) => ({ ...base(l), reason: 'receipt' as const, on_hand_delta: BigInt(back(l)), reserved_delta: 0n }));
  }
  return [];
}

export function fulfilmentPayload(f: Fulfilment, lines: readonly FulfilmentLine[], from: FulfilmentStatus | null, action: string, actor: string, reason: string | null): FulfilmentTransitionPayload {
  return {
    fulfilment_id: f.id,
    order_id: f.order_id,
    location_id: f.location_id,
    method: f.method,
    from_status: from,
    to_status: f.status,
    action,
    actor,
    reason,
    promised_by: f.promised_by?.toISOString() ?? null,
    lines: lines.map((l) => ({ line_no: l.line_no, variant_id: l.variant_id, sku: l.sku, quantity: l.quantity, picked_quantity: l.picked_quantity, refunded_quantity: l.refunded_quantity })),
  };
}

async function linesOf(trx: AnyDb, keys: readonly { merchant_id: string; id: string }[]): Promise<Map<string, FulfilmentLine[]>> {
  const rows = keys.length === 0 ? [] : (await sql<FulfilmentLine>`
    select * from fulfilment_line where (merchant_id, fulfilment_id) in (select * from unnest(${keys.map((k) => k.merchant_id)}::text[], ${keys.map((k) => k.id)}::text[]))
    order by merchant_id, fulfilment_id, line_no`.execute(trx)).rows;
  const out = new Map<string, FulfilmentLine[]>();
  for (const l of rows) out.set(`${l.merchant_id}|${l.fulfilment_id}`, [...(out.get(`${l.merchant_id}|${l.fulfilment_id}`) ?? []), l]);
  return out;
}

/**
 * Applies actions to fulfilments inside the caller's transaction, in a fixed number of statements
 * however many: locked in key order, stock moved, rows updated, transitions recorded and events
 * published per type; then the orders they belong to follow. Each answer is the fulfilment after
 * the action, the refusal (nothing written for it), or undefined for one that does not exist.
 * A fulfilment is named at most once per call.
 */
export async function transitionFulfilments(trx: AnyTrx, requests: readonly FulfilmentRequest[]): Promise<(FulfilmentWithLines | Problem | undefined)[]> {
  if (requests.length === 0) return [];
  const locked = await sql<Fulfilment>`
    select * from fulfilment
    where (merchant_id, id) in (select * from unnest(${requests.map((r) => r.merchant_id)}::text[], ${requests.map((r) => r.fulfilment_id)}::text[]))
    order by merchant_id, id
    for update`.execute(trx);
  const byKey = new Map(locked.rows.map((f) => [`${f.merchant_id}|${f.id}`, f]));
  const answers: (FulfilmentWithLines | Problem | undefined)[] = requests.map((r) => {
    const f = byKey.get(`${r.merchant_id}|${r.fulfilment_id}`);
    if (f === undefined) return undefined;
    return refusal(f, r) ?? { ...f, lines: [] };
  });
  const moving = requests.flatMap((r, i) => {
    const a = answers[i];
    return a === undefined || a instanceof Problem ? [] : [{ i, r, f: byKey.get(`${r.merchant_id}|${r.fulfilment_id}`)! }];
  });
  if (moving.length === 0) return answers;
  const lines = await linesOf(trx, moving.map((m) => m.f));

  // Packing confirms quantities: a line packed short keeps its quantity and records what was
  // picked; the short units are re-routed or refunded and the stock corrected (short-picks.ts).
  const packed = moving.filter((m) => m.r.action === 'pack');
  for (const m of packed) {
    const own = lines.get(`${m.f.merchant_id}|${m.f.id}`) ?? [];
    for (const [line_no, q] of m.r.picked ?? new Map<number, number>()) {
      const line = own.find((l) => l.line_no === line_no);
      if (line === undefined) throw problems.unprocessable('unknown_line', `Fulfilment ${m.f.id} has no line ${line_no}`);
      if (!Number.isInteger(q) || q < 0 || q > line.quantity) throw problems.unprocessable('picked_out_of_range', `Line ${line_no} asks for ${line.quantity}; picked must be between 0 and ${line.quantity}`);
    }
    for (const l of own) l.picked_quantity = m.r.picked?.get(l.line_no) ?? l.quantity;
  }
  if (packed.length > 0) {
    const rows = packed.flatMap((m) => (lines.get(`${m.f.merchant_id}|${m.f.id}`) ?? []).map((l) => l));
    await sql`update fulfilment_line fl set picked_quantity = v.picked
      from unnest(${rows.map((l) => l.merchant_id)}::text[], ${rows.map((l) => l.fulfilment_id)}::text[], ${rows.map((l) => l.line_no)}::int[], ${rows.map((l) => l.picked_quantity)}::int[]) as v(merchant_id, fulfilment_id, line_no, picked)
      where fl.merchant_id = v.merchant_id and fl.fulfilment_id = v.fulfilment_id and fl.line_no = v.line_no`.execute(trx);
  }
  const short: ShortPickOutcome = await shortPicks(trx, packed.map((m) => ({ f: m.f, lines: lines.get(`${m.f.merchant_id}|${m.f.id}`) ?? [], actor: m.r.actor })));
  const reasonOf = (m: (typeof moving)[number]) => m.r.reason ?? short.reasons.get(m.f.id) ?? null;

  await recordReturnedQuantities(trx, moving.filter((m) => m.r.action === 'return').map((m) => ({ f: m.f, returned: m.r.returned, lines: lines.get(`${m.f.merchant_id}|${m.f.id}`) ?? [] })));
  await applyStockChanges(trx, moving.flatMap((m) => stockChanges(m.f, lines.get(`${m.f.merchant_id}|${m.f.id}`) ?? [], m.r.action, m.r.returned)));
  const col = <T>(pick: (m: (typeof moving)[number]) => T) => moving.map(pick);
  const updated = await sql<Fulfilment>`
    update fulfilment f set status = v.status, updated_at = now()
    from unnest(${col((m) => m.f.merchant_id)}::text[], ${col((m) => m.f.id)}::text[], ${col((m) => fulfilmentRules[m.r.action].to)}::text[]) as v(merchant_id, id, status)
    where f.merchant_id = v.merchant_id and f.id = v.id
    returning f.*`.execute(trx);
  const after = new Map(updated.rows.map((f) => [`${f.merchant_id}|${f.id}`, f]));
  await sql`insert into fulfilment_transition (merchant_id, id, fulfilment_id, order_id, from_status, to_status, action, actor, reason)
    select * from unnest(${col((m) => m.f.merchant_id)}::text[], ${col(() => newId('ftr'))}::text[], ${col((m) => m.f.id)}::text[], ${col((m) => m.f.order_id)}::text[],
      ${col((m) => m.f.status)}::text[], ${col((m) => fulfilmentRules[m.r.action].to)}::text[], ${col((m) => m.r.action)}::text[], ${col((m) => m.r.actor)}::text[], ${col(reasonOf)}::text[])`.execute(trx);

  const byStatus = new Map<FulfilmentStatus, { merchant_id: string; payload: FulfilmentTransitionPayload }[]>();
  for (const m of moving) {
    const f = after.get(`${m.f.merchant_id}|${m.f.id}`)!;
    const own = lines.get(`${f.merchant_id}|${f.id}`) ?? [];
    answers[m.i] = { ...f, lines: own };
    byStatus.set(f.status, [...(byStatus.get(f.status) ?? []), { merchant_id: f.merchant_id, payload: fulfilmentPayload(f, own, m.f.status, m.r.action, m.r.actor, reasonOf(m)) }]);
  }
  for (const [status, list] of byStatus) await publishEach(trx, fulfilmentEvents[status], list);

  // A fulfilment that packed nothing has nothing to send: it ends cancelled (its short lines were
  // re-routed or refunded), and an order left with nothing live is refunded whole.
  if (short.empty.length > 0) {
    const actorOf = new Map(packed.map((m) => [m.f.id, m.r.actor]));
    const cancelled = await transitionFulfilments(trx, short.empty.map((f) => ({ merchant_id: f.merchant_id, fulfilment_id: f.id, action: 'cancel' as const, actor: actorOf.get(f.id)!, reason: 'short pick: nothing of it was on the shelf' })));
    for (const [i, c] of cancelled.entries()) {
      if (c instanceof Problem || c === undefined) throw new Error(`the short-picked fulfilment ${short.empty[i]!.id} could not be cancelled`);
      const m = packed.find((x) => x.f.id === c.id);
      if (m !== undefined) answers[m.i] = c;
    }
    await refundEmptiedOrders(trx, short.empty.map((f) => ({ merchant_id: f.merchant_id, order_id: f.order_id, actor: actorOf.get(f.id)! })));
  }

  await moveOrders(trx, moving.filter((m) => m.r.following_order !== true).map((m) => ({ merchant_id: m.f.merchant_id, order_id: m.f.order_id, actor: m.r.actor, auto_confirm_after_s: m.r.auto_confirm_after_s })));
  return answers;
}

/**
 * A return records what came back per line (at most what left; everything that left when the
 * request names no quantities), in one statement for the batch.
 */
async function recordReturnedQuantities(trx: AnyTrx, returning: readonly { f: Fulfilment; returned: ReadonlyMap<number, number> | undefined; lines: FulfilmentLine[] }[]): Promise<void> {
  const rows: FulfilmentLine[] = [];
  for (const { f, returned, lines } of returning) {
    for (const [line_no, q] of returned ?? new Map<number, number>()) {
      const line = lines.find((l) => l.line_no === line_no);
      if (line === undefined) throw problems.unprocessable('unknown_line', `Fulfilment ${f.id} has no line ${line_no}`);
      if (!Number.isInteger(q) || q < 0 || q > shippedQuantity(line)) throw problems.unprocessable('returned_out_of_range', `Line ${line_no} left with ${shippedQuantity(line)}; what came back must be between 0 and ${shippedQuantity(line)}`);
    }
    for (const l of lines) {
      l.returned_quantity = returned?.get(l.line_no) ?? shippedQuantity(l);
      rows.push(l);
    }
  }
  if (rows.length === 0) return;
  await sql`update fulfilment_line fl set returned_quantity = v.returned
    from unnest(${rows.map((l) => l.merchant_id)}::text[], ${rows.map((l) => l.fulfilment_id)}::text[], ${rows.map((l) => l.line_no)}::int[], ${rows.map((l) => l.returned_quantity)}::int[]) as v(merchant_id, fulfilment_id, line_no, returned)
    where fl.merchant_id = v.merchant_id and fl.fulfilment_id = v.fulfilment_id and fl.line_no = v.line_no`.execute(trx);
}

/**
 * The orders follow their fulfilments: a paid order ships once every live (not cancelled)
 * fulfilment has left its location, and a shipped order is delivered once every one has reached
 * the buyer. Who acted on the fulfilment acts on the order (the system, for carriers' tracking
 * and the platform's timers, may deliver but not ship).
 */
async function moveOrders(trx: AnyTrx, touched: readonly { merchant_id: string; order_id: string; actor: string; auto_confirm_after_s?: number | undefined }[]): Promise<void> {
  if (touched.length === 0) return;
  const unique = [...new Map(touched.map((t) => [`${t.merchant_id}|${t.order_id}`, t])).values()];
  const rows = await sql<{ merchant_id: string; order_id: string; status: string; statuses: FulfilmentStatus[] }>`
    select o.merchant_id, o.id as order_id, o.status, array_agg(f.status) filter (where f.status <> 'cancelled') as statuses
    from sales_order o join fulfilment f on f.merchant_id = o.merchant_id and f.order_id = o.id
    where (o.merchant_id, o.id) in (select * from unnest(${unique.map((t) => t.merchant_id)}::text[], ${unique.map((t) => t.order_id)}::text[]))
    group by o.merchant_id, o.id, o.status`.execute(trx);
  const touchOf = new Map(unique.map((t) => [`${t.merchant_id}|${t.order_id}`, t]));
  const ship: TransitionRequest[] = [];
  const deliver: TransitionRequest[] = [];
  for (const r of rows.rows) {
    const live = r.statuses ?? [];
    if (live.length === 0) continue;
    const { actor, auto_confirm_after_s } = touchOf.get(`${r.merchant_id}|${r.order_id}`)!;
    const allLeft = live.every((s) => leftStatuses.includes(s));
    const allArrived = live.every((s) => s === 'delivered' || s === 'picked_up');
    const options = { actor, reason: 'its fulfilments', auto_confirm_after_s };
    if (r.status === 'paid' && allLeft) ship.push({ merchant_id: r.merchant_id, order_id: r.order_id, action: 'ship', options });
    if ((r.status === 'paid' || r.status === 'shipped') && allArrived) deliver.push({ merchant_id: r.merchant_id, order_id: r.order_id, action: 'deliver', options });
  }
  for (const batch of [ship, deliver]) {
    for (const a of await transitionOrders(trx, batch)) if (a instanceof Problem && a.code !== 'illegal_order_transition') throw a;
  }
}

/**
 * Pick-by for a new fulfilment, what must be picked first so the promise holds: 15 minutes before
 * the end of an express window (the ride), the pickup ready-by time, two hours for a parcel to
 * make the carrier's collection, and a day for an order the seller ships by themselves. Kept to
 * the millisecond, as the pick list's cursor carries it.
 */
const pickBySql = sql<Date>`date_trunc('milliseconds', case v.method
    when 'express' then coalesce(v.promised_by - interval '15 minutes', now() + interval '30 minutes')
    when 'pickup' then coalesce(v.promised_by, now() + interval '2 hours')
    when 'seller' then now() + interval '24 hours'
    else now() + interval '2 hours' end)`;

/**
 * Opens the fulfilments of orders that were just paid, one per serving location: the order's
 * location, with the method and promise its checkout chose (`seller` when it chose none), and all
 * its lines. From now on they move the order's stock. One statement and one event batch, however
 * many orders.
 */
export async function openFulfilments(trx: AnyTrx, orders: readonly MovedOrder[]): Promise<void> {
  if (orders.length === 0) return;
  const ids = orders.map(() => newId('ful'));
  const col = <T>(pick: (m: MovedOrder, i: number) => T) => orders.map(pick);
  const opened = await sql<Fulfilment>`
    with v as (
      select i.merchant_id, i.id, i.order_id, i.location_id, i.transition_id, i.actor, coalesce(d.kind, 'seller') as method, coalesce(d.window_to, d.ready_by, d.deliver_by) as promised_by
      from unnest(${col((m) => m.order.merchant_id)}::text[], ${ids}::text[], ${col((m) => m.order.id)}::text[], ${col((m) => m.order.location_id)}::text[],
                  ${col(() => newId('ftr'))}::text[], ${col((m) => m.actor)}::text[]) as i(merchant_id, id, order_id, location_id, transition_id, actor)
      left join order_delivery d on d.merchant_id = i.merchant_id and d.order_id = i.order_id
      -- Sold in a store (docs/STORES.md): the buyer has the goods at the till, nothing to pick.
      where d.kind is distinct from 'in_store'
    ), opened as (
      insert into fulfilment (merchant_id, id, order_id, location_id, method, status, promised_by, pick_by)
      select v.merchant_id, v.id, v.order_id, v.location_id, v.method, 'awaiting_pick', v.promised_by, ${pickBySql} from v
      returning *
    ), lines as (
      insert into fulfilment_line (merchant_id, fulfilment_id, order_id, line_no, variant_id, sku, title, quantity)
      select l.merchant_id, o.id, l.order_id, l.line_no, l.variant_id, l.sku, l.title, l.quantity
      from opened o join order_line l on l.merchant_id = o.merchant_id and l.order_id = o.order_id
    ), owned as (
      update sales_order s set stock_by_fulfilment = true from opened o where s.merchant_id = o.merchant_id and s.id = o.order_id
    ), recorded as (
      insert into fulfilment_transition (merchant_id, id, fulfilment_id, order_id, from_status, to_status, action, actor, reason)
      select v.merchant_id, v.transition_id, v.id, v.order_id, null, 'awaiting_pick', 'open', v.actor, 'the order was paid' from v
    )
    select * from opened`.execute(trx);
  const byId = new Map(opened.rows.map((f) => [f.id, f]));
  await publishEach(
    trx,
    fulfilmentEvents.awaiting_pick,
    orders.flatMap((m, i) => {
      if (!byId.has(ids[i]!)) return [];
      const lines = m.lines.map((l) => ({ merchant_id: m.order.merchant_id, fulfilment_id: ids[i]!, order_id: m.order.id, line_no: l.line_no, variant_id: l.variant_id, sku: l.sku, title: l.title, quantity: l.quantity, picked_quantity: null, refunded_quantity: 0, returned_quantity: null }));
      return { merchant_id: m.order.merchant_id, payload: fulfilmentPayload(byId.get(ids[i]!)!, lines, null, 'open', m.actor, 'the order was paid') };
    }),
  );
}

/** Which fulfilment action follows an order's own action, and from which fulfilment states. */
const following: Partial<Record<OrderAction, { action: FulfilmentAction; from: readonly FulfilmentStatus[] }>> = {
  ship: { action: 'hand_over', from: ['awaiting_pick', 'picking', 'packed'] },
  deliver: { action: 'deliver', from: ['handed_to_carrier', 'out_for_delivery', 'delivery_failed'] },
  approve_refund: { action: 'cancel', from: holdingStatuses },
  platform_refund: { action: 'cancel', from: holdingStatuses },
};

/**
 * The order transition hook: a paid order opens its fulfilments; an order shipped, delivered or
 * refunded on its own (the seller's ship button, a carrier's tracking, an approved refund) moves
 * the fulfilments that have not got there yet. Fulfilments that already moved the order are past
 * those states, so the two never chase each other.
 */
export async function followOrders(trx: AnyTrx, moved: readonly MovedOrder[]): Promise<void> {
  await openFulfilments(trx, moved.filter((m) => m.action === 'pay'));
  const acting = moved.filter((m) => following[m.action] !== undefined && m.order.stock_by_fulfilment);
  if (acting.length === 0) return;
  const open = await sql<{ merchant_id: string; id: string; order_id: string; status: FulfilmentStatus; method: FulfilmentMethod }>`
    select merchant_id, id, order_id, status, method from fulfilment
    where (merchant_id, order_id) in (select * from unnest(${acting.map((m) => m.order.merchant_id)}::text[], ${acting.map((m) => m.order.id)}::text[]))
    order by merchant_id, id`.execute(trx);
  const requests: FulfilmentRequest[] = [];
  for (const m of acting) {
    const rule = following[m.action]!;
    for (const f of open.rows) {
      if (f.merchant_id !== m.order.merchant_id || f.order_id !== m.order.id || !rule.from.includes(f.status)) continue;
      // An order shipped by hand ships its carried fulfilments; one waiting for pickup or a rider is not on a truck.
      if (rule.action === 'hand_over' && !fulfilmentRules.hand_over.methods.includes(f.method)) continue;
      requests.push({ merchant_id: f.merchant_id, fulfilment_id: f.id, action: rule.action, actor: m.actor, reason: `the order was ${m.order.status.replace('_', ' ')}`, following_order: true });
    }
  }
  const answers = await transitionFulfilments(trx, requests);
  for (const a of answers) if (a instanceof Problem) throw a;
}

export async function getFulfilment(db: AnyDb, merchant_id: string, id: string): Promise<FulfilmentWithLines | undefined> {
  const f = await tablesOf<FulfilmentTables>(db).selectFrom('fulfilment').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id).executeTakeFirst();
  if (f === undefined) return undefined;
  return { ...f, lines: (await linesOf(db, [f])).get(`${f.merchant_id}|${f.id}`) ?? [] };
}

export async function fulfilmentsOfOrder(db: AnyDb, merchant_id: string, order_id: string): Promise<(FulfilmentWithLines & { transitions: Selectable<FulfilmentTables['fulfilment_transition']>[] })[]> {
  const t = tablesOf<FulfilmentTables>(db);
  const rows = await t.selectFrom('fulfilment').selectAll().where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).orderBy('id').execute();
  const lines = await linesOf(db, rows);
  const transitions = rows.length === 0 ? [] : await t.selectFrom('fulfilment_transition').selectAll().where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).orderBy('occurred_at').orderBy('id').execute();
  return rows.map((f) => ({ ...f, lines: lines.get(`${f.merchant_id}|${f.id}`) ?? [], transitions: transitions.filter((x) => x.fulfilment_id === f.id) }));
}

export interface FulfilmentFilter {
  location_id?: string | undefined;
  status?: readonly FulfilmentStatus[] | undefined;
  order_id?: string | undefined;
  /** Keyset: fulfilments after this (pick_by, id). */
  after?: { pick_by: Date; id: string } | undefined;
  limit: number;
}

/** A location's queue (or all of a merchant's fulfilments): most urgent first, by pick-by then id. */
export async function listFulfilments(db: AnyDb, merchant_id: string, filter: FulfilmentFilter): Promise<FulfilmentWithLines[]> {
  let q = tablesOf<FulfilmentTables>(db).selectFrom('fulfilment').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.location_id !== undefined) q = q.where('location_id', '=', filter.location_id);
  if (filter.status !== undefined && filter.status.length > 0) q = q.where('status', 'in', [...filter.status]);
  if (filter.order_id !== undefined) q = q.where('order_id', '=', filter.order_id);
  if (filter.after !== undefined) {
    const a = filter.after;
    q = q.where((eb) => eb.or([eb('pick_by', '>', a.pick_by), eb.and([eb('pick_by', '=', a.pick_by), eb('id', '>', a.id)])]));
  }
  const rows = await q.orderBy('pick_by').orderBy('id').limit(filter.limit).execute();
  const lines = await linesOf(db, rows);
  return rows.map((f) => ({ ...f, lines: lines.get(`${f.merchant_id}|${f.id}`) ?? [] }));
}

/** Applies one action to one fulfilment in the caller's transaction; a refusal is thrown. */
export async function transitionFulfilment(trx: AnyTrx, request: FulfilmentRequest): Promise<FulfilmentWithLines> {
  const [answer] = await transitionFulfilments(trx, [request]);
  if (answer instanceof Problem) throw answer;
  if (answer === undefined) throw problems.notFound('The fulfilment');
  return answer;
}

/**
 * Fulfilments waiting to be picked or packed at each of a merchant's locations: a store's express
 * promise grows with its backlog. From the pick list's index.
 */
export async function pickBacklog(db: AnyDb, merchant_id: string): Promise<Map<string, number>> {
  const rows = await sql<{ location_id: string; n: number }>`
    select location_id, count(*)::int as n from fulfilment
    where merchant_id = ${merchant_id} and status in ('awaiting_pick', 'picking', 'packed')
    group by location_id`.execute(db);
  return new Map(rows.rows.map((r) => [r.location_id, r.n]));
}
