import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb } from '../../../kernel/db.js';
import { newId } from '../../../kernel/ids.js';
import { problems } from '../../../kernel/problem.js';
import { getProduct } from '../../catalog/index.js';
import type { Placement } from '../../attribution/index.js';

/** A merchant's pin or exclusion of one product, for one placement or all (`placement` null). */
export interface RecRule {
  merchant_id: string;
  id: string;
  product_id: string;
  action: 'pin' | 'exclude';
  placement: Placement | null;
  /** For pins: 1 is shown first. */
  position: number | null;
  note: string | null;
  created_by: string;
  created_at: Date;
}

export interface RecRuleTables {
  rec_rule: RecRule;
}

export const rules_max = 1_000;
const recs_changed_channel = 'recs_changed';

export interface NewRule {
  product_id: string;
  action: 'pin' | 'exclude';
  placement?: Placement | undefined;
  position?: number | undefined;
  note?: string | undefined;
}

/** Adds a rule: 404 when the product is not the merchant's, 409 when the product has a rule for that placement. */
export async function createRule(db: AnyDb, merchant_id: string, actor: string, input: NewRule): Promise<RecRule> {
  const product = await getProduct(db, merchant_id, input.product_id);
  if (product === undefined) throw problems.notFound('The product');
  return inTransaction(db, async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('rec_rule:' || ${merchant_id}))`.execute(trx);
    const t = tablesOf<RecRuleTables>(trx);
    const count = await t.selectFrom('rec_rule').select(sql<number>`count(*)::int`.as('n')).where('merchant_id', '=', merchant_id).executeTakeFirstOrThrow();
    if (count.n >= rules_max) throw problems.unprocessable('rules_limit_reached', `A merchant has at most ${rules_max} pins and exclusions`);
    const taken = await t
      .selectFrom('rec_rule')
      .select('id')
      .where('merchant_id', '=', merchant_id)
      .where('product_id', '=', input.product_id)
      .where(sql<boolean>`coalesce(placement, '*') = ${input.placement ?? '*'}`)
      .executeTakeFirst();
    if (taken !== undefined) throw problems.conflict('rule_exists', `The product already has a rule (${taken.id}) for ${input.placement ?? 'all placements'}`);
    const row = await t
      .insertInto('rec_rule')
      .values({
        merchant_id,
        id: newId('rrl'),
        product_id: input.product_id,
        action: input.action,
        placement: input.placement ?? null,
        position: input.action === 'pin' ? (input.position ?? 1) : null,
        note: input.note ?? null,
        created_by: actor,
        created_at: new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await sql`select pg_notify(${recs_changed_channel}, ${merchant_id})`.execute(trx);
    return row;
  });
}

/** Deletes a rule; false when there is none of this merchant's with that ID. */
export async function deleteRule(db: AnyDb, merchant_id: string, id: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const deleted = await tablesOf<RecRuleTables>(trx).deleteFrom('rec_rule').where('merchant_id', '=', merchant_id).where('id', '=', id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return false;
    await sql`select pg_notify(${recs_changed_channel}, ${merchant_id})`.execute(trx);
    return true;
  });
}

/** The merchant's rules by ID, a page after `after_id`. */
export async function listRules(db: AnyDb, merchant_id: string, filter: { after_id?: string | undefined; placement?: Placement | undefined; limit: number }): Promise<RecRule[]> {
  let q = tablesOf<RecRuleTables>(db).selectFrom('rec_rule').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.after_id !== undefined) q = q.where('id', '>', filter.after_id);
  if (filter.placement !== undefined) q = q.where((w) => w.or([w('placement', '=', filter.placement!), w('placement', 'is', null)]));
  return q.orderBy('id').limit(filter.limit).execute();
}

export async function getRule(db: AnyDb, merchant_id: string, id: string): Promise<RecRule | undefined> {
  return tablesOf<RecRuleTables>(db).selectFrom('rec_rule').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id).executeTakeFirst();
}
