import http from 'node:http';
import https from 'node:https';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import type { MaintenanceTask } from '../../kernel/module.js';
import { destinationPolicy, type DestinationPolicy } from './destinations.js';
import { destinationPolicyOf } from './settings.js';
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
  /** Which addresses deliveries may reach; by default none that is loopback, private or link-local. */
  destinations?: DestinationPolicy;
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
  /** The secret being rotated out, while it is still valid; it signs too. */
  previous_secret: string | null;
}

interface Outcome {
  response_status: number | null;
  error: string | null;
}

/** Sends what is due now, in bounded batches, and records each outcome as it arrives. */
export async function sendDueWebhooks(db: AnyDb, logger: Logger, options: SenderOptions = {}): Promise<SendReport> {
  const o = resolveOptions(options);
  // A claimed delivery may wait for every wave of sends ahead of it in its batch.
  const lease_ms = Math.ceil(o.batch_size_max / o.sends_in_flight_max) * o.timeout_ms + lease_margin_ms;
  const report: SendReport = { sent: 0, succeeded: 0, failed: 0, dead: 0 };
  report.dead += await buryLostLastAttempts(db, o.clock());
  for (let round = 0; round < o.rounds_max; round++) {
    const claimed = await claimDue(db, o.batch_size_max, o.clock(), lease_ms);
    await forEachBounded(claimed, o.sends_in_flight_max, (delivery) => attempt(db, logger, delivery, o, report));
    if (claimed.length < o.batch_size_max) break;
  }
  return report;
}

/** The defaults filled in, checked once. */
function resolveOptions(options: SenderOptions): Required<SenderOptions> {
  const o = { ...sender_defaults, clock: () => new Date(), destinations: default_destinations, ...options };
  if (o.batch_size_max < 1 || o.sends_in_flight_max < 1 || o.timeout_ms < 1) throw new Error('webhook sender bounds must be positive');
  return o;
}

/** Nothing allowed beyond public addresses, names resolved by the system. */
const default_destinations = destinationPolicy('');

/** Sends one claimed delivery and records its outcome. */
async function attempt(db: AnyDb, logger: Logger, delivery: Claimed, o: Required<SenderOptions>, report: SendReport): Promise<void> {
  try {
    const outcome = await post(delivery, o.timeout_ms, o.destinations);
    const status = await recordOutcome(db, delivery, outcome, o.clock());
    report.sent++;
    report[status]++;
    if (status === 'dead') logger.warn({ delivery_id: delivery.id, endpoint_id: delivery.endpoint_id, merchant_id: delivery.merchant_id, error: outcome.error }, 'webhook delivery gave up');
  } catch (error) {
    // The lease runs out and the delivery is sent again: at least once, never lost.
    logger.error({ err: error, delivery_id: delivery.id }, 'recording a webhook outcome failed');
  }
}

/**
 * Test pings sent at once, outside the sender's batches, in this process; beyond it a ping
 * waits for the sender like any delivery. It bounds what a merchant pressing "send test"
 * repeatedly can make the platform do.
 */
export const immediate_sends_in_flight_max = 10;
let immediate_sends_in_flight = 0;

/**
 * Sends one queued delivery now, not behind the merchant's backlog: the test ping
 * (`POST …/test`) must tell the merchant at once whether the endpoint works, even when hundreds
 * of deliveries wait for a slow receiver. It claims the row with the same lease as a batch, so
 * the sender cannot send it too, and a process that dies here leaves it to the sender. Returns
 * false when it did not send (busy, or already claimed).
 */
export async function sendDeliveryNow(db: AnyDb, logger: Logger, merchant_id: string, delivery_id: string, options: SenderOptions = {}): Promise<boolean> {
  if (immediate_sends_in_flight >= immediate_sends_in_flight_max) return false;
  immediate_sends_in_flight++;
  try {
    const o = resolveOptions(options);
    const [delivery] = await claimDue(db, 1, o.clock(), o.timeout_ms + lease_margin_ms, { merchant_id, id: delivery_id });
    if (delivery === undefined) return false;
    await attempt(db, logger, delivery, o, { sent: 0, succeeded: 0, failed: 0, dead: 0 });
    return true;
  } finally {
    immediate_sends_in_flight--;
  }
}

/** One run at a time per process, so a slow batch is never overlapped by the next tick. */
export function senderTask(interval_ms: number): MaintenanceTask {
  let running = false;
  return {
    name: 'webhooks.send',
    interval_ms,
    async run({ db, logger, config }) {
      if (running) return;
      running = true;
      try {
        await sendDueWebhooks(db, logger.child({ component: 'webhooks' }), { destinations: destinationPolicyOf(config) });
      } finally {
        running = false;
      }
    },
  };
}

/**
 * Claims due deliveries, or the one named by `only` if it was never tried (a ping just queued:
 * it is due at once, and checking its time against this clock could miss it by a millisecond).
 */
async function claimDue(db: AnyDb, limit: number, now: Date, lease_ms: number, only?: { merchant_id: string; id: string }): Promise<Claimed[]> {
  const which = only === undefined ? sql`d.next_attempt_at <= ${now}` : sql`d.merchant_id = ${only.merchant_id} and d.id = ${only.id} and d.attempts = 0`;
  const result = await sql<Claimed>`
    with due as (
      select d.merchant_id, d.id from webhook_delivery d
      join webhook_endpoint e on e.merchant_id = d.merchant_id and e.id = d.endpoint_id
      where d.status in ('pending', 'failed') and ${which} and d.attempts < ${attempts_max} and e.disabled_at is null
      order by d.next_attempt_at, d.id
      limit ${limit}
      for update of d skip locked)
    update webhook_delivery d set attempts = d.attempts + 1, next_attempt_at = ${new Date(now.getTime() + lease_ms)}
    from due, webhook_endpoint e
    where d.merchant_id = due.merchant_id and d.id = due.id and e.merchant_id = d.merchant_id and e.id = d.endpoint_id
    returning d.merchant_id, d.id, d.endpoint_id, d.event_id, d.event_type, d.data, d.occurred_at, d.attempts, e.url, e.secret,
      case when e.previous_secret_expires_at > ${now} then e.previous_secret end as previous_secret`.execute(db);
  return result.rows;
}

async function post(delivery: Claimed, timeout_ms: number, destinations: DestinationPolicy): Promise<Outcome> {
  const body = JSON.stringify({ id: delivery.event_id, type: delivery.event_type, created_at: delivery.occurred_at.toISOString(), merchant_id: delivery.merchant_id, data: delivery.data });
  const secrets = delivery.previous_secret === null ? [delivery.secret] : [delivery.secret, delivery.previous_secret];
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'OpenBOS-Webhooks/1',
    [eventIdHeader]: delivery.event_id,
    [signatureHeader]: signWebhook(secrets, body, Math.floor(Date.now() / 1_000)),
  };
  const url = new URL(delivery.url);
  // A socket to an IP literal skips `lookup`, so the literal is checked here; names are checked as they resolve.
  const refused = destinations.refuseLiteral(url);
  if (refused !== undefined) return { response_status: null, error: refused };
  const signal = AbortSignal.timeout(timeout_ms);
  return new Promise<Outcome>((resolve) => {
    // Redirects are not followed: the merchant registered this URL, not the one it points to.
    // No pooled connection (agent: false): every request resolves through the guarded lookup.
    const request = (url.protocol === 'https:' ? https : http).request(url, { method: 'POST', headers, agent: false, lookup: destinations.lookup, signal }, (response) => {
      const status = response.statusCode ?? 0;
      // The response body is not read; closing the socket ends a receiver that streams forever.
      response.destroy();
      const ok = status >= 200 && status < 300;
      resolve({ response_status: status, error: ok ? null : `the endpoint answered HTTP ${status}` });
    });
    request.on('error', (error) => resolve({ response_status: null, error: signal.aborted ? `no answer within ${timeout_ms} ms` : describeFailure(error) }));
    request.end(body);
  });
}

function describeFailure(error: unknown): string {
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
