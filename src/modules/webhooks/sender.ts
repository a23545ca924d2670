import { sql } from 'kysely';
import type { Logger } from 'pino';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import type { MaintenanceTask } from '../../kernel/module.js';
import { eventIdHeader, signatureHeader, signWebhook } from './signature.js';
import type { WebhookTables } from './tables.js';

/**
 * The sender POSTs due deliveries to their endpoints. It runs in every server process: each
 * claims a batch with FOR UPDATE SKIP LOCKED and leases it (moves `next_attempt_at` past the
 * time the batch can take), so no two processes send one delivery at once, and a process that
 * dies leaves its batch to be claimed again once the lease runs out. Sending happens outside any
 * transaction, so a slow receiver holds no database connection.
 *
 * Delivery is at least once: a receiver that answered 2xx but whose answer was lost, or a process
 * that died between sending and recording, means the event comes again. Receivers de-duplicate
 * by the event ID (`OpenBOS-Event-Id`, the body's `id`).
 */
export const attempts_max = 12;
export const backoff_base_ms = 60_000;
export const backoff_max_ms = 12 * 3_600_000;
const error_length_max = 500;

export interface SenderOptions {
  /** The scheduling clock: which deliveries are due and when a retry falls due. Signatures always carry the real time. */
  clock?: () => Date;
  batch_size_max?: number;
  sends_in_flight_max?: number;
  timeout_ms?: number;
  /** Batches claimed per call; the next maintenance run continues. */
  rounds_max?: number;
}

export const sender_defaults = { batch_size_max: 50, sends_in_flight_max: 10, timeout_ms: 10_000, rounds_max: 10 };
/** Added to the longest a batch can take, for recording the outcomes. */
const lease_margin_ms = 30_000;

export interface SendReport {
  sent: number;
  succeeded: number;
  failed: number;
  dead: number;
}

interface Claimed {
  merchant_id: string;
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  data: unknown;
  occurred_at: Date;
  attempts: number;
  url: string;
  secret: string;
}

interface Outcome {
  response_status: number | null;
  error: string | null;
}

/** Sends what is due now, in bounded batches, and records each outcome as it arrives. */
export async function sendDueWebhooks(db: AnyDb, logger: Logger, options: SenderOptions = {}): Promise<SendReport> {
  const o = { ...sender_defaults, clock: () => new Date(), ...options };
  if (o.batch_size_max < 1 || o.sends_in_flight_max < 1 || o.timeout_ms < 1) throw new Error('webhook sender bounds must be positive');
  // A claimed delivery may wait for every wave of sends ahead of it in its batch.
  const lease_ms = Math.ceil(o.batch_size_max / o.sends_in_flight_max) * o.timeout_ms + lease_margin_ms;
  const report: SendReport = { sent: 0, succeeded: 0, failed: 0, dead: 0 };
  report.dead += await buryLostLastAttempts(db, o.clock());
  for (let round = 0; round < o.rounds_max; round++) {
    const claimed = await claimDue(db, o.batch_size_max, o.clock(), lease_ms);
    await forEachBounded(claimed, o.sends_in_flight_max, async (delivery) => {
      try {
        const outcome = await post(delivery, o.timeout_ms);
        const status = await recordOutcome(db, delivery, outcome, o.clock());
        report.sent++;
        report[status]++;
        if (status === 'dead') logger.warn({ delivery_id: delivery.id, endpoint_id: delivery.endpoint_id, merchant_id: delivery.merchant_id, error: outcome.error }, 'webhook delivery gave up');
      } catch (error) {
        // The lease runs out and the delivery is sent again: at least once, never lost.
        logger.error({ err: error, delivery_id: delivery.id }, 'recording a webhook outcome failed');
      }
    });
    if (claimed.length < o.batch_size_max) break;
  }
  return report;
}

/** One run at a time per process, so a slow batch is never overlapped by the next tick. */
export function senderTask(interval_ms: number): MaintenanceTask {
  let running = false;
  return {
    name: 'webhooks.send',
    interval_ms,
    async run({ db, logger }) {
      if (running) return;
      running = true;
      try {
        await sendDueWebhooks(db, logger.child({ component: 'webhooks' }));
      } finally {
        running = false;
      }
    },
  };
}

async function claimDue(db: AnyDb, limit: number, now: Date, lease_ms: number): Promise<Claimed[]> {
  const result = await sql<Claimed>`
    with due as (
      select d.merchant_id, d.id from webhook_delivery d
      join webhook_endpoint e on e.merchant_id = d.merchant_id and e.id = d.endpoint_id
      where d.status in ('pending', 'failed') and d.next_attempt_at <= ${now} and d.attempts < ${attempts_max} and e.disabled_at is null
      order by d.next_attempt_at, d.id
      limit ${limit}
      for update of d skip locked)
    update webhook_delivery d set attempts = d.attempts + 1, next_attempt_at = ${new Date(now.getTime() + lease_ms)}
    from due, webhook_endpoint e
    where d.merchant_id = due.merchant_id and d.id = due.id and e.merchant_id = d.merchant_id and e.id = d.endpoint_id
    returning d.merchant_id, d.id, d.endpoint_id, d.event_id, d.event_type, d.data, d.occurred_at, d.attempts, e.url, e.secret`.execute(db);
  return result.rows;
}

async function post(delivery: Claimed, timeout_ms: number): Promise<Outcome> {
  const body = JSON.stringify({ id: delivery.event_id, type: delivery.event_type, created_at: delivery.occurred_at.toISOString(), merchant_id: delivery.merchant_id, data: delivery.data });
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'OpenBOS-Webhooks/1',
    [eventIdHeader]: delivery.event_id,
    [signatureHeader]: signWebhook(delivery.secret, body, Math.floor(Date.now() / 1_000)),
  };
  try {
    // Redirects are not followed: the merchant registered this URL, not the one it points to.
    const response = await fetch(delivery.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeout_ms) });
    await response.body?.cancel().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return { response_status: response.status, error: ok ? null : `the endpoint answered HTTP ${response.status}` };
  } catch (error) {
    return { response_status: null, error: describeFailure(error, timeout_ms) };
  }
}

function describeFailure(error: unknown, timeout_ms: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeout_ms} ms`;
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = error instanceof Error ? error.message : String(error);
  return `${message}${cause}`.slice(0, error_length_max);
}

/** Records the outcome unless another claim has taken the delivery since (its lease ran out). */
async function recordOutcome(db: AnyDb, delivery: Claimed, outcome: Outcome, now: Date): Promise<'succeeded' | 'failed' | 'dead'> {
  const t = tablesOf<WebhookTables>(db);
  const mine = t.updateTable('webhook_delivery').where('merchant_id', '=', delivery.merchant_id).where('id', '=', delivery.id).where('attempts', '=', delivery.attempts);
  if (outcome.error === null) {
    await mine.set({ status: 'succeeded', delivered_at: new Date(), last_response_status: outcome.response_status, last_error: null, next_attempt_at: now }).execute();
    return 'succeeded';
  }
  const status = delivery.attempts >= attempts_max ? 'dead' : 'failed';
  await mine.set({ status, last_response_status: outcome.response_status, last_error: outcome.error, next_attempt_at: new Date(now.getTime() + backoff_ms(delivery.attempts)) }).execute();
  return status;
}

/** Exponential backoff with equal jitter (half fixed, half random), so retries do not arrive in lockstep. */
export function backoff_ms(attempts: number): number {
  const ceiling = Math.min(backoff_max_ms, backoff_base_ms * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** A last attempt whose lease ran out was claimed by a process that died; it will not be retried. */
async function buryLostLastAttempts(db: AnyDb, now: Date): Promise<number> {
  const result = await tablesOf<WebhookTables>(db)
    .updateTable('webhook_delivery')
    .set({ status: 'dead', last_error: 'the last attempt was lost: the process sending it stopped before recording the answer' })
    .where('status', 'in', ['pending', 'failed'])
    .where('attempts', '>=', attempts_max)
    .where('next_attempt_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

async function forEachBounded<T>(items: readonly T[], in_flight_max: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(in_flight_max, items.length) }, worker));
}
