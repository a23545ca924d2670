import { sql, type Selectable } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import type { StoreSession } from './sessions.js';
import type { DisputeStatus, SessionsTables } from './tables-sessions.js';

/**
 * A member disputes a line of a charged session ("I did not take two of these"); the merchant
 * refunds it (back through the order, by the sell-in-store flow) or rejects it, once. The units
 * disputed and not rejected never exceed the units charged for that variant.
 */
export type StoreDispute = Selectable<SessionsTables['store_dispute']>;

export async function openDispute(db: AnyDb, merchant_id: string, consumer_id: string, session_id: string, input: { variant_id: string; quantity: number; reason: string }): Promise<StoreDispute> {
  return inTransaction(db, async (trx) => {
    const t = tablesOf<SessionsTables>(trx);
    const session = await t.selectFrom('store_session').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', session_id).forUpdate().executeTakeFirst();
    if (session?.consumer_id !== consumer_id) throw problems.notFound('The session');
    if (session.status !== 'charged') throw problems.conflict('session_not_charged', `The session is ${session.status}; only a charged session can be disputed`);
    const charged = (session.charge_lines ?? []).filter((l) => l.variant_id === input.variant_id).reduce((n, l) => n + l.quantity, 0);
    if (charged === 0) throw problems.validation([{ field: 'variant_id', location: 'body', message: 'was not charged in this session' }]);
    const disputed = await t
      .selectFrom('store_dispute')
      .select(sql<string>`coalesce(sum(quantity), 0)::text`.as('n'))
      .where('merchant_id', '=', merchant_id)
      .where('session_id', '=', session_id)
      .where('variant_id', '=', input.variant_id)
      .where('status', '<>', 'rejected')
      .executeTakeFirstOrThrow();
    if (Number(disputed.n) + input.quantity > charged) {
      throw problems.unprocessable('dispute_exceeds_charge', `${charged} unit(s) were charged and ${disputed.n} are already disputed`);
    }
    return t
      .insertInto('store_dispute')
      .values({ merchant_id, id: newId('sdis'), session_id, consumer_id, variant_id: input.variant_id, quantity: input.quantity, reason: input.reason, note: null, refund_ref: null, decided_by: null, decided_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

export async function getDispute(db: AnyDb, merchant_id: string, dispute_id: string): Promise<StoreDispute | undefined> {
  return tablesOf<SessionsTables>(db).selectFrom('store_dispute').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', dispute_id).executeTakeFirst();
}

export async function listDisputes(db: AnyDb, merchant_id: string, filter: { status?: DisputeStatus | undefined; consumer_id?: string | undefined; after_id?: string | undefined; limit: number }): Promise<StoreDispute[]> {
  let q = tablesOf<SessionsTables>(db).selectFrom('store_dispute').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.consumer_id !== undefined) q = q.where('consumer_id', '=', filter.consumer_id);
  if (filter.after_id !== undefined) q = q.where('id', '>', filter.after_id);
  return q.orderBy('id').limit(filter.limit).execute();
}

/**
 * Decides an open dispute once, under its row lock (409 `dispute_decided` after): `refund` runs
 * `refund` in the same transaction (the flow's refund through the order) and keeps its reference.
 */
export async function decideDispute(
  db: AnyDb,
  merchant_id: string,
  dispute_id: string,
  decision: { outcome: 'refund' | 'reject'; note: string; actor: string },
  refund: (trx: AnyTrx, dispute: StoreDispute, session: StoreSession) => Promise<string>,
): Promise<StoreDispute> {
  return inTransaction(db, async (trx) => {
    const t = tablesOf<SessionsTables>(trx);
    const dispute = await t.selectFrom('store_dispute').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', dispute_id).forUpdate().executeTakeFirst();
    if (dispute === undefined) throw problems.notFound('The dispute');
    if (dispute.status !== 'open') throw problems.conflict('dispute_decided', `The dispute was ${dispute.status} already`);
    let refund_ref: string | null = null;
    if (decision.outcome === 'refund') {
      const session = await t.selectFrom('store_session').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', dispute.session_id).executeTakeFirstOrThrow();
      refund_ref = await refund(trx, dispute, session);
    }
    return t
      .updateTable('store_dispute')
      .set({ status: decision.outcome === 'refund' ? 'refunded' : 'rejected', note: decision.note, refund_ref, decided_by: decision.actor, decided_at: sql`now()` })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', dispute_id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}
