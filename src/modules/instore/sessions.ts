import { sql, type Selectable } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { buildBasket, default_attribution, type Basket, type ShelfEventInput } from './basket-builder.js';
import type { StoreDevice } from './devices.js';
import { storeEntered, storeLeft } from './events.js';
import type { SessionsTables, SessionStatus } from './tables-sessions.js';

/**
 * Shopping sessions of unattended stores. An entry gate opens one per member per store (the
 * member's consumer code was accepted by the membership module in the same transaction); shelf
 * events fold into its lines as they arrive; the exit gate closes it exactly once, under the
 * session's row lock, freezing the basket and deciding: `charging` (the sell-in-store flow then
 * sells it and records the sale: `charged`), `review` (an uncertain line: nothing is charged on
 * a guess) or `empty`. A repeated exit answers the first outcome.
 */
export type StoreSession = Selectable<SessionsTables['store_session']>;
export type SessionLine = Selectable<SessionsTables['store_session_line']>;

export interface ReviewReasonOut {
  reason: string;
  variant_id?: string;
  event_ids?: string[];
  detail?: string;
}

/** Open a session for the member at the gate's store; the member's open session there when one is open already. */
export async function openSession(trx: AnyTrx, device: StoreDevice, member: { consumer_id: string; code_use_id: string | null }): Promise<{ session: StoreSession; opened: boolean }> {
  const t = tablesOf<SessionsTables>(trx);
  const inserted = await t
    .insertInto('store_session')
    .values({
      merchant_id: device.merchant_id,
      id: newId('sess'),
      location_id: device.location_id,
      consumer_id: member.consumer_id,
      code_use_id: member.code_use_id,
      entry_device_id: device.id,
      exit_device_id: null,
      closed_at: null,
      charge_lines: null,
      sale_id: null,
      order_id: null,
      resolved_by: null,
      stale_flagged_at: null,
    })
    .onConflict((oc) => oc.columns(['merchant_id', 'location_id', 'consumer_id']).where('status', '=', 'open').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted !== undefined) {
    await publish(trx, storeEntered, device.merchant_id, { location_id: device.location_id, consumer_id: member.consumer_id, via: 'gate', session_id: inserted.id });
    return { session: inserted, opened: true };
  }
  const open = await t
    .selectFrom('store_session')
    .selectAll()
    .where('merchant_id', '=', device.merchant_id)
    .where('location_id', '=', device.location_id)
    .where('consumer_id', '=', member.consumer_id)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  return { session: open, opened: false };
}

export async function getSession(db: AnyDb, merchant_id: string, session_id: string): Promise<StoreSession | undefined> {
  return tablesOf<SessionsTables>(db).selectFrom('store_session').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', session_id).executeTakeFirst();
}

export async function sessionLines(db: AnyDb, merchant_id: string, session_id: string): Promise<SessionLine[]> {
  return tablesOf<SessionsTables>(db).selectFrom('store_session_line').selectAll().where('merchant_id', '=', merchant_id).where('session_id', '=', session_id).orderBy('variant_id').execute();
}

export async function listSessions(
  db: AnyDb,
  merchant_id: string,
  filter: { location_id?: string | undefined; status?: SessionStatus | undefined; consumer_id?: string | undefined; after_id?: string | undefined; limit: number },
): Promise<StoreSession[]> {
  let q = tablesOf<SessionsTables>(db).selectFrom('store_session').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.location_id !== undefined) q = q.where('location_id', '=', filter.location_id);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.consumer_id !== undefined) q = q.where('consumer_id', '=', filter.consumer_id);
  if (filter.after_id !== undefined) q = q.where('id', '>', filter.after_id);
  return q.orderBy('id').limit(filter.limit).execute();
}

/** The shelf events that name the session among their candidates, as the basket builder reads them. */
async function eventsOf(db: AnyDb, merchant_id: string, session_id: string): Promise<ShelfEventInput[]> {
  const rows = await sql<{ event_id: string; device_id: string; variant_id: string; kind: 'pick' | 'put_back'; quantity: number; at: Date; candidates: { session_id: string; confidence: number }[] }>`
    select e.event_id, e.device_id, e.variant_id, e.kind, e.quantity, e.at, e.candidates
    from shelf_event_candidate c join shelf_event e on e.merchant_id = c.merchant_id and e.id = c.shelf_event_id
    where c.merchant_id = ${merchant_id} and c.session_id = ${session_id}`.execute(db);
  return rows.rows;
}

/** Rebuilds the session's lines from its events (the session row is locked by the caller). */
export async function foldSession(trx: AnyTrx, merchant_id: string, session_id: string): Promise<Basket> {
  const basket = buildBasket(session_id, await eventsOf(trx, merchant_id, session_id), default_attribution);
  const t = tablesOf<SessionsTables>(trx);
  await t.deleteFrom('store_session_line').where('merchant_id', '=', merchant_id).where('session_id', '=', session_id).execute();
  if (basket.lines.length > 0) {
    await t
      .insertInto('store_session_line')
      .values(
        basket.lines.map((l) => ({
          merchant_id,
          session_id,
          variant_id: l.variant_id,
          quantity: l.quantity,
          uncertain: l.uncertain,
          reasons: JSON.stringify(l.reasons),
          evidence: JSON.stringify(l.evidence),
        })),
      )
      .execute();
  }
  return basket;
}

async function lockSession(trx: AnyTrx, merchant_id: string, session_id: string): Promise<StoreSession | undefined> {
  return tablesOf<SessionsTables>(trx).selectFrom('store_session').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', session_id).forUpdate().executeTakeFirst();
}

export interface ExitResult {
  session: StoreSession;
  /** True for the call that closed it; false for a repeated exit (it answers the first outcome). */
  first: boolean;
}

/**
 * The exit gate closes the session once: under its row lock the basket is built from the shelf
 * events and frozen, and the session becomes `charging` (lines to sell in `charge_lines`),
 * `review` (with reasons) or `empty`. A session already closed is answered as it stands.
 * `instore.left` is published when the outcome is final (review and empty here; a charge when
 * its sale is recorded).
 */
export async function exitSession(db: AnyDb, device: StoreDevice, session_id: string): Promise<ExitResult> {
  return inTransaction(db, async (trx) => {
    const session = await lockSession(trx, device.merchant_id, session_id);
    if (session === undefined || session.location_id !== device.location_id) throw problems.notFound('The session');
    if (session.status !== 'open') return { session, first: false };
    const basket = await foldSession(trx, device.merchant_id, session_id);
    const status: SessionStatus = basket.decision === 'charge' ? 'charging' : basket.decision;
    const closed = await tablesOf<SessionsTables>(trx)
      .updateTable('store_session')
      .set({
        status,
        closed_at: sql`now()`,
        exit_device_id: device.id,
        review_reasons: JSON.stringify(basket.review_reasons),
        charge_lines: status === 'charging' ? (JSON.stringify(basket.chargeable) as unknown as { variant_id: string; quantity: number }[]) : null,
      })
      .where('merchant_id', '=', device.merchant_id)
      .where('id', '=', session_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (status !== 'charging') await publish(trx, storeLeft, device.merchant_id, { location_id: closed.location_id, consumer_id: closed.consumer_id, session_id, outcome: status === 'review' ? 'review' : 'empty' });
    return { session: closed, first: true };
  });
}

/**
 * Records the sale of a `charging` session: `charged`, once. A session already charged keeps
 * its first sale (the sale is unique per source, so it is the same one). Publishes
 * `instore.left` when the charge came from the exit gate (not from a merchant's resolution).
 */
export async function recordSessionSale(db: AnyDb, merchant_id: string, session_id: string, sale: { sale_id: string; order_id: string }): Promise<StoreSession> {
  return inTransaction(db, async (trx) => {
    const session = await lockSession(trx, merchant_id, session_id);
    if (session === undefined) throw problems.notFound('The session');
    if (session.status !== 'charging') return session;
    const charged = await tablesOf<SessionsTables>(trx)
      .updateTable('store_session')
      .set({ status: 'charged', sale_id: sale.sale_id, order_id: sale.order_id })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', session_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (session.resolved_by === null) await publish(trx, storeLeft, merchant_id, { location_id: charged.location_id, consumer_id: charged.consumer_id, session_id, outcome: 'charged' });
    return charged;
  });
}

/**
 * A `charging` session whose sale was refused (no authorisation, out of stock, declined), or a
 * `charged` one whose sale `declined_sale_id` was declined after all: on review, with the reason
 * (a declined sale frees the session for the merchant's resolution to sell again).
 */
export async function chargeRefused(db: AnyDb, merchant_id: string, session_id: string, problem: { code: string; detail?: string | undefined }, declined_sale_id?: string): Promise<StoreSession> {
  return inTransaction(db, async (trx) => {
    const session = await lockSession(trx, merchant_id, session_id);
    if (session === undefined) throw problems.notFound('The session');
    const declinedAfterAll = declined_sale_id !== undefined && session.status === 'charged' && session.sale_id === declined_sale_id;
    if (session.status !== 'charging' && !declinedAfterAll) return session;
    const reasons: ReviewReasonOut[] = [{ reason: 'charge_refused', detail: problem.detail === undefined ? problem.code : `${problem.code}: ${problem.detail}` }];
    const review = await tablesOf<SessionsTables>(trx)
      .updateTable('store_session')
      .set({ status: 'review', charge_lines: null, sale_id: null, order_id: null, review_reasons: JSON.stringify(reasons) })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', session_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (session.resolved_by === null && !declinedAfterAll) await publish(trx, storeLeft, merchant_id, { location_id: review.location_id, consumer_id: review.consumer_id, session_id, outcome: 'review' });
    return review;
  });
}

/**
 * A merchant's review: the corrected basket replaces the session's lines and is charged (the
 * session becomes `charging`; the flow sells it), or, with no units, the session is `empty`.
 * Only a session on review can be resolved (409 `session_not_on_review`).
 */
export async function resolveSession(db: AnyDb, merchant_id: string, session_id: string, lines: readonly { variant_id: string; quantity: number }[], actor: string): Promise<StoreSession> {
  const merged = new Map<string, number>();
  for (const l of lines) merged.set(l.variant_id, (merged.get(l.variant_id) ?? 0) + l.quantity);
  const charge = [...merged.entries()].filter(([, q]) => q > 0).map(([variant_id, quantity]) => ({ variant_id, quantity }));
  return inTransaction(db, async (trx) => {
    const session = await lockSession(trx, merchant_id, session_id);
    if (session === undefined) throw problems.notFound('The session');
    if (session.status !== 'review') throw problems.conflict('session_not_on_review', `The session is ${session.status}; only a session on review can be resolved`);
    return tablesOf<SessionsTables>(trx)
      .updateTable('store_session')
      .set({
        status: charge.length > 0 ? 'charging' : 'empty',
        charge_lines: charge.length > 0 ? (JSON.stringify(charge) as unknown as { variant_id: string; quantity: number }[]) : null,
        resolved_by: actor,
      })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', session_id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** Sessions left `charging` (a crash between the exit and its sale) for at least this long are finished by maintenance. */
export const charging_resume_after_s = 30;

/** `charging` sessions older than `charging_resume_after_s`, to finish (every merchant). */
export async function stuckChargingSessions(db: AnyDb, limit: number): Promise<StoreSession[]> {
  return tablesOf<SessionsTables>(db)
    .selectFrom('store_session')
    .selectAll()
    .where('status', '=', 'charging')
    .where('closed_at', '<', sql<Date>`now() - make_interval(secs => ${charging_resume_after_s})`)
    .orderBy('closed_at')
    .limit(limit)
    .execute();
}

/** Open sessions older than this are flagged for the merchant (nobody walked out through a gate). */
export const session_stale_after_h = 24;

export async function flagStaleSessions(db: AnyDb): Promise<number> {
  const res = await sql`update store_session set stale_flagged_at = now()
    where status = 'open' and stale_flagged_at is null and opened_at < now() - make_interval(hours => ${session_stale_after_h})`.execute(db);
  return Number(res.numAffectedRows ?? 0);
}
