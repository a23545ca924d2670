import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { minorUnitDigits } from '../../kernel/money.js';
import { Problem, type FieldError } from '../../kernel/problem.js';
import { accountsByIds } from '../accounts/index.js';
import { stagesOfEmail } from '../databank/index.js';
import { walletOf, type WalletEntry } from '../promotions/index.js';
import { memberJoined, memberLevelChanged } from './events.js';
import type { MemberTable, MembershipLevelTable, MembershipTables, PointsEntryTable } from './tables.js';

/**
 * Membership of a brand: its levels, its members, their points and the journal behind them.
 * A member's `points` always equal the sum of their journal (`membership.points_match_journal`),
 * and their `level` is always the highest level their points reach (`membership.levels_match_points`):
 * every change of either goes through `addPoints` or `setLevels`, which keep both in one statement.
 */
export const levels_max = 20;
export const history_max = 50;
export const wallet_coupons_max = 50;

export interface Level {
  name: string;
  min_points: number;
  /** Points per unit of the order's currency (1.5: 1.5 points per yuan), at most two decimals. */
  earn_rate: number;
  perks: string;
}

export type Member = Omit<MemberTable, 'points' | 'joined_at'> & { points: number; joined_at: Date };
export type PointsEntry = Omit<PointsEntryTable, 'created_at'> & { created_at: Date };

const t = (db: AnyDb) => tablesOf<MembershipTables>(db);

const levelOf = (row: MembershipLevelTable): Level => ({ name: row.name, min_points: row.min_points, earn_rate: row.earn_rate_centi / 100, perks: row.perks });

export async function listLevels(db: AnyDb, merchant_id: string): Promise<Level[]> {
  const rows = await t(db).selectFrom('membership_level').selectAll().where('merchant_id', '=', merchant_id).orderBy('min_points').execute();
  return rows.map(levelOf);
}

/** The SQL that names the level `points` reach at `merchant_id` (null without levels). */
const levelFor = (merchant_id: ReturnType<typeof sql.ref> | string, points: ReturnType<typeof sql.ref>) =>
  sql<string | null>`(select l.name from membership_level l where l.merchant_id = ${merchant_id} and l.min_points <= ${points} order by l.min_points desc limit 1)`;

/**
 * Replaces the brand's levels (the whole ladder at once) and moves every member to the level
 * their points now reach. Refused, with nothing written: no levels, more than `levels_max`, a
 * first level above 0 points, thresholds not strictly increasing, names twice, negative or too
 * precise earn rates.
 */
export async function setLevels(db: AnyDb, merchant_id: string, levels: readonly Level[]): Promise<Level[]> {
  const errors: FieldError[] = [];
  if (levels.length === 0) errors.push({ location: 'body', field: 'levels', message: 'give at least one level' });
  if (levels.length > levels_max) errors.push({ location: 'body', field: 'levels', message: `at most ${levels_max} levels` });
  if (levels[0] !== undefined && levels[0].min_points !== 0) errors.push({ location: 'body', field: 'levels.0.min_points', message: 'the first level starts at 0 points, so every member holds a level' });
  const names = new Set<string>();
  levels.forEach((l, i) => {
    if (i > 0 && l.min_points <= levels[i - 1]!.min_points) errors.push({ location: 'body', field: `levels.${i}.min_points`, message: `must be more than the level before (${levels[i - 1]!.min_points})` });
    if (names.has(l.name)) errors.push({ location: 'body', field: `levels.${i}.name`, message: `${l.name} is named twice` });
    names.add(l.name);
    if (l.earn_rate < 0) errors.push({ location: 'body', field: `levels.${i}.earn_rate`, message: 'must not be negative' });
    if (Math.abs(Math.round(l.earn_rate * 100) - l.earn_rate * 100) > 1e-6) errors.push({ location: 'body', field: `levels.${i}.earn_rate`, message: 'at most two decimals' });
  });
  if (errors.length > 0) throw new Problem(422, 'invalid_levels', 'The levels are not a ladder', 'Each level starts above the one before, the first at 0 points; names differ; earn rates are not negative, with at most two decimals', errors);
  return inTransaction(db, async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`membership_levels|${merchant_id}`}, 0))`.execute(trx);
    await t(trx).deleteFrom('membership_level').where('merchant_id', '=', merchant_id).execute();
    await t(trx)
      .insertInto('membership_level')
      .values(levels.map((l, position) => ({ merchant_id, name: l.name, min_points: l.min_points, earn_rate_centi: Math.round(l.earn_rate * 100), perks: l.perks, position })))
      .execute();
    const moved = await sql<{ consumer_id: string; from_level: string | null; to_level: string | null; points: number }>`
      with changed as (
        select m.consumer_id, m.level as from_level, ${levelFor(merchant_id, sql.ref('m.points'))} as to_level
        from member m where m.merchant_id = ${merchant_id}
      )
      update member m set level = c.to_level from changed c
      where m.merchant_id = ${merchant_id} and m.consumer_id = c.consumer_id and m.level is distinct from c.to_level
      returning m.consumer_id, c.from_level, c.to_level, m.points`.execute(trx);
    for (const m of moved.rows) await publish(trx, memberLevelChanged, merchant_id, { consumer_id: m.consumer_id, from_level: m.from_level, to_level: m.to_level, points: m.points });
    return listLevels(trx, merchant_id);
  });
}

/** The consumer's membership of the brand, joining them when they are not a member yet. */
export async function joinMember(trx: AnyTrx, merchant_id: string, consumer_id: string, joined_via: MemberTable['joined_via']): Promise<Member> {
  const inserted = await sql<Member>`
    insert into member (merchant_id, consumer_id, points, level, joined_via)
    values (${merchant_id}, ${consumer_id}, 0, ${levelFor(merchant_id, sql.lit(0))}, ${joined_via})
    on conflict (merchant_id, consumer_id) do nothing
    returning *`.execute(trx);
  const joined = inserted.rows[0];
  if (joined !== undefined) {
    await publish(trx, memberJoined, merchant_id, { consumer_id, level: joined.level, joined_via });
    return joined;
  }
  return (await getMember(trx, merchant_id, consumer_id))!;
}

export async function getMember(db: AnyDb, merchant_id: string, consumer_id: string): Promise<Member | undefined> {
  return t(db).selectFrom('member').selectAll().where('merchant_id', '=', merchant_id).where('consumer_id', '=', consumer_id).executeTakeFirst();
}

export async function listMembers(db: AnyDb, merchant_id: string, options: { after?: string | undefined; limit: number; level?: string | undefined }): Promise<Member[]> {
  let q = t(db).selectFrom('member').selectAll().where('merchant_id', '=', merchant_id);
  if (options.level !== undefined) q = q.where('level', '=', options.level);
  if (options.after !== undefined) q = q.where('consumer_id', '>', options.after);
  return q.orderBy('consumer_id').limit(options.limit + 1).execute();
}

export async function pointsHistory(db: AnyDb, merchant_id: string, consumer_id: string, limit = history_max): Promise<PointsEntry[]> {
  return t(db).selectFrom('points_entry').selectAll().where('merchant_id', '=', merchant_id).where('consumer_id', '=', consumer_id).orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Adds (or, negative, takes) points for one source, at most once: a second call with the same
 * source changes nothing and answers undefined. The member's level follows their points in the
 * same statement.
 */
export async function addPoints(trx: AnyTrx, merchant_id: string, consumer_id: string, entry: { source: string; points: number; reason: PointsEntryTable['reason']; order_id?: string | null }): Promise<{ entry_id: string; member: Member } | undefined> {
  const id = newId('pts');
  const inserted = await t(trx)
    .insertInto('points_entry')
    .values({ merchant_id, id, consumer_id, source: entry.source, points: entry.points, reason: entry.reason, order_id: entry.order_id ?? null })
    .onConflict((oc) => oc.columns(['merchant_id', 'source']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted === undefined) return undefined;
  const before = await sql<{ level: string | null }>`select level from member where merchant_id = ${merchant_id} and consumer_id = ${consumer_id} for update`.execute(trx);
  const updated = await sql<Member>`
    update member m set points = m.points + ${entry.points}, level = ${levelFor(merchant_id, sql`m.points + ${entry.points}`)}
    where m.merchant_id = ${merchant_id} and m.consumer_id = ${consumer_id} returning *`.execute(trx);
  const member = updated.rows[0]!;
  const from_level = before.rows[0]?.level ?? null;
  if (from_level !== member.level) await publish(trx, memberLevelChanged, merchant_id, { consumer_id, from_level, to_level: member.level, points: member.points });
  return { entry_id: id, member };
}

/** Points an amount earns at this rate: whole points, rounded down, of the amount in major units times the rate. */
export function pointsFor(amount_minor: bigint | number, currency: string, earn_rate_centi: number): number {
  const scale = 10n ** BigInt(minorUnitDigits(currency));
  const points = (BigInt(amount_minor) * BigInt(earn_rate_centi)) / (100n * scale);
  return Number(points);
}

async function earnRateOf(db: AnyDb, merchant_id: string, level: string | null): Promise<number> {
  if (level === null) return 0;
  const row = await t(db).selectFrom('membership_level').select('earn_rate_centi').where('merchant_id', '=', merchant_id).where('name', '=', level).executeTakeFirst();
  return row?.earn_rate_centi ?? 0;
}

/**
 * The points an amount would earn this member now (0 for a consumer who is not a member yet:
 * they join at the lowest level, so the lowest level's rate applies). For a sale's receipt; the
 * points themselves are earned when the order is paid (`order.paid`).
 */
export async function pointsToEarn(db: AnyDb, merchant_id: string, consumer_id: string, amount_minor: bigint | number, currency: string): Promise<number> {
  const member = await getMember(db, merchant_id, consumer_id);
  const level = member?.level ?? (await listLevels(db, merchant_id))[0]?.name ?? null;
  return pointsFor(amount_minor, currency, await earnRateOf(db, merchant_id, level));
}

/**
 * Points a buyer earns for a paid order of the brand: the buyer joins (if not a member yet) and
 * earns at their level's rate, once per order (`order:<id>`).
 */
export async function earnForOrder(trx: AnyTrx, merchant_id: string, order: { order_id: string; consumer_id: string; total_minor: bigint | number; currency: string }): Promise<number> {
  const member = await joinMember(trx, merchant_id, order.consumer_id, 'order');
  const points = pointsFor(order.total_minor, order.currency, await earnRateOf(trx, merchant_id, member.level));
  const done = await addPoints(trx, merchant_id, order.consumer_id, { source: `order:${order.order_id}`, points, reason: 'earned', order_id: order.order_id });
  return done === undefined ? 0 : points;
}

/**
 * Takes back what a refunded order earned, in proportion to the refund (all of it for a full
 * refund), once per order (`refund:<id>`). An order that earned nothing takes nothing.
 */
export async function reverseForOrder(trx: AnyTrx, merchant_id: string, order: { order_id: string; total_minor: number; refund_amount_minor: number | null }): Promise<number> {
  const earned = await t(trx).selectFrom('points_entry').select(['consumer_id', 'points']).where('merchant_id', '=', merchant_id).where('source', '=', `order:${order.order_id}`).executeTakeFirst();
  if (earned === undefined || earned.points <= 0) return 0;
  const refunded = order.refund_amount_minor ?? order.total_minor;
  const share = order.total_minor <= 0 || refunded >= order.total_minor ? earned.points : Math.floor((earned.points * refunded) / order.total_minor);
  if (share <= 0) return 0;
  const done = await addPoints(trx, merchant_id, earned.consumer_id, { source: `refund:${order.order_id}`, points: -share, reason: 'reversed', order_id: order.order_id });
  return done === undefined ? 0 : share;
}

export interface MemberView {
  consumer_id: string;
  name: string | null;
  stage: string | null;
  level: string | null;
  points: number;
  next_level: { name: string; min_points: number; points_to_go: number } | null;
  joined_at: Date;
  coupons: WalletEntry[];
}

/** What a store (or the member) sees of a membership: who, stage in the brand's data bank, level, points, the next level, and the wallet's coupons there. */
export async function memberView(db: AnyDb, merchant_id: string, member: Member): Promise<MemberView> {
  const [levels, accounts, coupons] = await Promise.all([listLevels(db, merchant_id), accountsByIds(db, [member.consumer_id]), walletOf(db, merchant_id, member.consumer_id, wallet_coupons_max)]);
  const account = accounts.get(member.consumer_id);
  const stage = account === undefined ? undefined : (await stagesOfEmail(db, [merchant_id], account.email)).get(merchant_id);
  const next = levels.find((l) => l.min_points > member.points);
  return {
    consumer_id: member.consumer_id,
    name: account?.name ?? null,
    stage: stage ?? null,
    level: member.level,
    points: member.points,
    next_level: next === undefined ? null : { name: next.name, min_points: next.min_points, points_to_go: next.min_points - member.points },
    joined_at: member.joined_at,
    coupons: coupons.filter((c) => c.coupon.status === 'available'),
  };
}
