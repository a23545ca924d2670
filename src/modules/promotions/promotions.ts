import { sql, type Selectable } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems, type FieldError } from '../../kernel/problem.js';
import { merchantFundingErrors } from './funding.js';
import { normaliseCode } from './redeem.js';
import type { Conditions, Effect, Scope } from './rules.js';
import type { Funding, PromotionKind, PromotionStatus, PromotionTables, Stacking } from './tables.js';

export type Promotion = Selectable<PromotionTables['promotion']>;

export interface NewPromotion {
  name: string;
  description?: string | undefined;
  kind: PromotionKind;
  currency: string;
  effect: Effect;
  scope?: Scope | undefined;
  conditions?: Conditions | undefined;
  stacking?: Stacking | undefined;
  priority?: number | undefined;
  applies_to?: 'original' | 'discounted' | undefined;
  funded_by?: Funding | undefined;
  starts_at?: string | undefined;
  ends_at?: string | undefined;
  max_redemptions?: number | undefined;
  budget_minor?: number | undefined;
  per_consumer_limit?: number | undefined;
  per_day_limit?: number | undefined;
  issue_limit?: number | undefined;
  claimable?: boolean | undefined;
  wallet_valid_h?: number | undefined;
  refund_returns_redemption?: boolean | undefined;
  /** A shared code for a coupon promotion (bulk unique codes come from a code batch). */
  code?: string | undefined;
}

export type PromotionChanges = Partial<Omit<NewPromotion, 'kind' | 'currency' | 'code'>> & { status?: PromotionStatus | undefined };

/**
 * The rules that span fields, checked before anything is written: a window that ends before it
 * starts, a code on an automatic promotion, limits below what is already used, a funding the
 * merchant may not choose.
 */
function crossFieldErrors(p: Omit<NewPromotion, 'name'> & { name?: string | undefined }, used?: Promotion): FieldError[] {
  const errors: FieldError[] = [];
  const at = (field: string, message: string) => errors.push({ field, location: 'body', message });
  if (p.starts_at !== undefined && p.ends_at !== undefined && Date.parse(p.ends_at) <= Date.parse(p.starts_at)) at('ends_at', 'must be after starts_at');
  if (p.kind === 'automatic' && p.code !== undefined) at('code', 'an automatic promotion applies by itself; codes belong to coupon promotions');
  if (p.kind === 'automatic' && p.claimable === true) at('claimable', 'only coupon promotions can be claimed into a wallet');
  if (p.effect?.type === 'amount_off' && p.conditions?.min_spend_minor !== undefined && p.effect.amount_minor > p.conditions.min_spend_minor) at('effect.amount_minor', 'must not exceed the minimum spend');
  if (used !== undefined) {
    if (p.max_redemptions !== undefined && p.max_redemptions < used.redemptions) at('max_redemptions', `${used.redemptions} redemptions are already taken`);
    if (p.budget_minor !== undefined && BigInt(p.budget_minor) < used.spent_minor) at('budget_minor', `${used.spent_minor} is already spent`);
    if (p.issue_limit !== undefined && p.issue_limit < used.issued) at('issue_limit', `${used.issued} coupons are already issued`);
  }
  return errors;
}

export async function createPromotion(db: AnyDb, merchant_id: string, input: NewPromotion): Promise<Promotion> {
  const errors = [...crossFieldErrors(input), ...merchantFundingErrors(input)];
  if (errors.length > 0) throw problems.validation(errors);
  return inTransaction(db, async (trx) => {
    const row = await tablesOf<PromotionTables>(trx)
      .insertInto('promotion')
      .values({
        merchant_id,
        id: newId('promo'),
        name: input.name,
        description: input.description ?? null,
        kind: input.kind,
        status: 'active',
        currency: input.currency,
        effect: JSON.stringify(input.effect) as unknown as Effect,
        scope: JSON.stringify(input.scope ?? {}) as unknown as Scope,
        conditions: JSON.stringify(input.conditions ?? {}) as unknown as Conditions,
        stacking: input.stacking ?? 'combinable',
        priority: input.priority ?? 0,
        applies_to: input.applies_to ?? 'discounted',
        funded_by: input.funded_by ?? 'seller',
        starts_at: input.starts_at === undefined ? null : new Date(input.starts_at),
        ends_at: input.ends_at === undefined ? null : new Date(input.ends_at),
        max_redemptions: input.max_redemptions ?? null,
        budget_minor: input.budget_minor === undefined ? null : BigInt(input.budget_minor),
        per_consumer_limit: input.per_consumer_limit ?? null,
        per_day_limit: input.per_day_limit ?? null,
        issue_limit: input.issue_limit ?? null,
        claimable: input.claimable ?? false,
        wallet_valid_h: input.wallet_valid_h ?? null,
        refund_returns_redemption: input.refund_returns_redemption ?? false,
        redemptions: 0,
        spent_minor: 0n,
        issued: 0,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (input.code !== undefined) {
      const code = normaliseCode(input.code);
      const taken = await sql`insert into coupon_code (merchant_id, code, promotion_id) values (${merchant_id}, ${code}, ${row.id}) on conflict do nothing returning code`.execute(trx);
      if (taken.rows.length === 0) throw problems.conflict('code_taken', `The code ${code} is already used by another of your promotions`);
    }
    return row;
  });
}

export async function getPromotion(db: AnyDb, merchant_id: string, id: string): Promise<Promotion | undefined> {
  return tablesOf<PromotionTables>(db).selectFrom('promotion').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id).executeTakeFirst();
}

export async function listPromotions(db: AnyDb, merchant_id: string, options: { kind?: PromotionKind | undefined; status?: PromotionStatus | undefined; after_id?: string | undefined; limit: number }): Promise<Promotion[]> {
  let q = tablesOf<PromotionTables>(db).selectFrom('promotion').selectAll().where('merchant_id', '=', merchant_id);
  if (options.kind !== undefined) q = q.where('kind', '=', options.kind);
  if (options.status !== undefined) q = q.where('status', '=', options.status);
  if (options.after_id !== undefined) q = q.where('id', '<', options.after_id);
  return q.orderBy('id', 'desc').limit(options.limit).execute();
}

/** Changes a promotion with its row locked, so a limit is never lowered below what a concurrent checkout just took. */
export async function updatePromotion(db: AnyDb, merchant_id: string, id: string, changes: PromotionChanges): Promise<Promotion | undefined> {
  return inTransaction(db, async (trx) => {
    const t = tablesOf<PromotionTables>(trx);
    const current = await t.selectFrom('promotion').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id).forUpdate().executeTakeFirst();
    if (current === undefined) return undefined;
    const merged = {
      kind: current.kind,
      currency: current.currency,
      effect: changes.effect ?? current.effect,
      conditions: changes.conditions ?? current.conditions,
      starts_at: changes.starts_at ?? current.starts_at?.toISOString(),
      ends_at: changes.ends_at ?? current.ends_at?.toISOString(),
      claimable: changes.claimable ?? current.claimable,
      max_redemptions: changes.max_redemptions,
      budget_minor: changes.budget_minor,
      issue_limit: changes.issue_limit,
    };
    const errors = [...crossFieldErrors(merged, current), ...merchantFundingErrors(changes, current)];
    if (current.status === 'archived' && changes.status !== undefined && changes.status !== 'archived') errors.push({ field: 'status', location: 'body', message: 'an archived promotion stays archived; create a new one' });
    if (errors.length > 0) throw problems.validation(errors);
    const set: Record<string, unknown> = { updated_at: new Date() };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) continue;
      if (k === 'effect' || k === 'scope' || k === 'conditions') set[k] = JSON.stringify(v);
      else if (k === 'starts_at' || k === 'ends_at') set[k] = new Date(v as string);
      else if (k === 'budget_minor') set[k] = BigInt(v as number);
      else set[k] = v;
    }
    const updated = await t.updateTable('promotion').set(set).where('merchant_id', '=', merchant_id).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    if ((changes.per_consumer_limit !== undefined && current.per_consumer_limit === null) || (changes.per_day_limit !== undefined && current.per_day_limit === null)) await rebuildUsage(trx, updated);
    return updated;
  });
}

/**
 * Checkouts count usage per consumer and per day only while a limit reads it; a limit added to a
 * promotion already redeemed counts what its redemptions hold, rebuilt here with the promotion
 * locked, so no checkout redeems it in between.
 */
async function rebuildUsage(trx: AnyTrx, p: Promotion): Promise<void> {
  const { merchant_id, id } = p;
  await sql`delete from promotion_usage where merchant_id = ${merchant_id} and promotion_id = ${id}`.execute(trx);
  await sql`insert into promotion_usage (merchant_id, promotion_id, usage_key, redemptions)
    select ${merchant_id}, ${id}, k, count(*)::int from (
      select consumer_key as k from promotion_redemption where ${p.per_consumer_limit !== null} and merchant_id = ${merchant_id} and promotion_id = ${id} and status = 'held' and consumer_key is not null
      union all
      select 'd:' || day from promotion_redemption where ${p.per_day_limit !== null} and merchant_id = ${merchant_id} and promotion_id = ${id} and status = 'held'
    ) u group by k`.execute(trx);
}

export async function promotionCodes(db: AnyDb, merchant_id: string, promotion_id: string): Promise<string[]> {
  const rows = await tablesOf<PromotionTables>(db).selectFrom('coupon_code').select('code').where('merchant_id', '=', merchant_id).where('promotion_id', '=', promotion_id).where('batch_id', 'is', null).orderBy('code').execute();
  return rows.map((r) => r.code);
}
