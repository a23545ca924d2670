import type { AudienceTables } from './tables.js';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import roaring from 'roaring';
import type { Config } from '../../kernel/config.js';
import { tablesOf, inTransaction, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import type { MaintenanceTask } from '../../kernel/module.js';
import { Problem } from '../../kernel/problem.js';
import { allAudiences, type Audience } from './audiences.js';
import { evaluateRule, profileIdsOf } from './evaluate.js';
import { audienceEntered, audienceLeft } from './events.js';
import type { Evaluation } from './paths.js';
import { pushSyncs, type SyncReport } from './syncs.js';

const { RoaringBitmap32 } = roaring;
type Bitmap = InstanceType<typeof RoaringBitmap32>;

/**
 * The audiences' round, every minute, one process at a time (a transaction-scoped advisory lock):
 * each saved audience is evaluated; its size is recorded when it changed (else hourly); an
 * audience that tracks its membership is compared with its last members, and each consumer who
 * entered or left is published (`audience.entered` / `audience.left`, at most
 * `membership_events_per_run_max` of each per audience and round: the rest follow in the next);
 * then its syncs are pushed.
 */
export const membership_events_per_run_max = 5_000;
export const size_record_interval_ms = 3_600_000;
const lock_key = 'audiences.refresh';

/** Records an audience's size when it differs from the last one recorded, or that one is older than an hour (or `always`). */
export async function recordSize(db: AnyDb, audience: Audience, evaluation: Evaluation, always = false, now = new Date()): Promise<boolean> {
  const last = (await tablesOf<AudienceTables>(db).selectFrom('audience_size')
    .select(['at', 'size'])
    .where('merchant_id', '=', audience.merchant_id)
    .where('audience_id', '=', audience.id)
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirst());
  const due = always || last === undefined || last.size !== evaluation.members.size || now.getTime() - last.at.getTime() >= size_record_interval_ms;
  if (!due || (last !== undefined && last.at.getTime() >= now.getTime())) return false;
  await tablesOf<AudienceTables>(db).insertInto('audience_size')
    .values({ merchant_id: audience.merchant_id, audience_id: audience.id, at: now, size: evaluation.members.size, path: evaluation.path, took_ms: Math.round(evaluation.took_ms) })
    .execute();
  return true;
}

export interface MembershipChange {
  entered: number;
  left: number;
  /** True when the audience had no recorded members: these became the baseline, announced to no one. */
  baseline: boolean;
}

/**
 * Compares an audience's members now with the last recorded ones and publishes who entered and
 * left, in the caller's transaction; the recorded members move by what was published.
 */
export async function diffMembership(trx: AnyTrx, audience: Audience, members: Bitmap, now = new Date(), max = membership_events_per_run_max): Promise<MembershipChange> {
  const row = (await tablesOf<AudienceTables>(trx).selectFrom('audience_membership')
    .select(['members'])
    .where('merchant_id', '=', audience.merchant_id)
    .where('audience_id', '=', audience.id)
    .forUpdate()
    .executeTakeFirst());
  if (row === undefined) {
    await tablesOf<AudienceTables>(trx).insertInto('audience_membership')
      .values({ merchant_id: audience.merchant_id, audience_id: audience.id, members: members.serialize('portable'), size: members.size, updated_at: now })
      .execute();
    return { entered: 0, left: 0, baseline: true };
  }
  const last = RoaringBitmap32.deserialize(row.members, 'portable');
  const entered = [...RoaringBitmap32.andNot(members, last).rangeUint32Array(0, max)];
  const left = [...RoaringBitmap32.andNot(last, members).rangeUint32Array(0, max)];
  if (entered.length === 0 && left.length === 0) return { entered: 0, left: 0, baseline: false };
  const ids = await profileIdsOf(trx, audience.merchant_id, [...entered, ...left]);
  const at = now.toISOString();
  const payload = (n: number) => ({ audience_id: audience.id, profile_id: ids.get(n)!, at });
  await publish(trx, audienceEntered, audience.merchant_id, entered.filter((n) => ids.has(n)).map(payload));
  await publish(trx, audienceLeft, audience.merchant_id, left.filter((n) => ids.has(n)).map(payload));
  last.addMany(entered);
  last.removeMany(left);
  await tablesOf<AudienceTables>(trx).updateTable('audience_membership')
    .set({ members: last.serialize('portable'), size: last.size, updated_at: now })
    .where('merchant_id', '=', audience.merchant_id)
    .where('audience_id', '=', audience.id)
    .execute();
  return { entered: entered.length, left: left.length, baseline: false };
}

export interface RefreshReport {
  /** False when another process held the round. */
  ran: boolean;
  audiences: { audience_id: string; size?: number; entered?: number; left?: number; error?: string }[];
  syncs: SyncReport[];
}

/** One round over every brand's saved audiences (see above). */
export async function refreshAudiences(db: AnyDb, config: Config, options: { now?: Date; logger?: Logger; merchant_id?: string } = {}): Promise<RefreshReport> {
  const now = options.now ?? new Date();
  const evaluated: { audience: Audience; members: Bitmap }[] = [];
  const report = await inTransaction(db, async (trx): Promise<RefreshReport> => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtext(${lock_key})) as locked`.execute(trx);
    if (rows[0]?.locked !== true) return { ran: false, audiences: [], syncs: [] };
    const audiences: RefreshReport['audiences'] = [];
    for (const audience of await allAudiences(trx)) {
      if (options.merchant_id !== undefined && audience.merchant_id !== options.merchant_id) continue;
      let evaluation: Evaluation;
      try {
        // Evaluated on its own connection: a rule that runs too long fails there, not this round.
        evaluation = await evaluateRule(db, audience.merchant_id, audience.rule, { self_id: audience.id, now });
      } catch (error) {
        if (!(error instanceof Problem)) throw error;
        options.logger?.warn({ audience_id: audience.id, merchant_id: audience.merchant_id, code: error.code }, 'audience not evaluated');
        audiences.push({ audience_id: audience.id, error: error.code });
        continue;
      }
      await recordSize(trx, audience, evaluation, false, now);
      const change = audience.track_membership ? await diffMembership(trx, audience, evaluation.members, now) : undefined;
      audiences.push({ audience_id: audience.id, size: evaluation.members.size, ...(change === undefined ? {} : { entered: change.entered, left: change.left }) });
      evaluated.push({ audience, members: evaluation.members });
    }
    return { ran: true, audiences, syncs: [] };
  });
  if (!report.ran) return report;
  for (const { audience, members } of evaluated) report.syncs.push(...(await pushSyncs(db, config, audience, members, now)));
  return report;
}

export const refreshTask: MaintenanceTask = {
  name: 'audiences.refresh',
  interval_ms: 60_000,
  run: async ({ db, config, logger }) => void (await refreshAudiences(db, config, { logger })),
};
