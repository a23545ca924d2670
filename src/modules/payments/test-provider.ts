import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { InvalidSignatureError, ProviderUnavailableError, type AuthorizeRequest, type AuthorizeResult, type ChargeLookup, type PaymentProvider, type ProviderEvent } from './provider.js';

/**
 * A payment provider for development and tests that behaves like a real one: it answers a
 * charge with "processing" and reports the outcome later through signed webhooks, which it keeps
 * in its own table and re-sends until they are acknowledged (so they survive a crash of either
 * side). It can deliver every webhook twice and out of order, as real providers sometimes do.
 *
 * Test cards:
 * - 4242 4242 4242 4242: succeeds (authorized, then captured)
 * - 4000 0000 0000 0002: declined at once (`card_declined`)
 * - 4000 0000 0000 0119: accepted, then fails by webhook (`processing_error`)
 * - 4000 0000 0000 9995: the first attempt answers "provider unavailable"; a retry succeeds
 */
export const testCards = {
  succeeds: '4242424242424242',
  declined: '4000000000000002',
  failsLater: '4000000000000119',
  needsRetry: '4000000000009995',
} as const;

export const signatureHeader = 'openbos-test-signature';
const tolerance_s = 300;
const delivery_attempts_max = 20;

export interface TestProviderOptions {
  secret: string;
  /** Sends one webhook; returns the HTTP status the receiver answered. */
  deliver: (body: string, headers: Record<string, string>) => Promise<number>;
  /** Deliver every webhook twice (tests de-duplication). */
  duplicate?: boolean;
  /** Deliver captured before authorized (tests ordering tolerance). */
  outOfOrder?: boolean;
  delay_ms?: number;
  /**
   * Waits this long after deciding a charge before answering it: the window in which a server
   * that dies has been charged without hearing so (crash tests).
   */
  answer_delay_ms?: number;
  /**
   * Called when webhooks were queued (after their transaction committed): a sender that sends
   * them at once, as a real provider's delivery fleet does, instead of at its next round.
   */
  onQueued?: () => void;
}

export function signPayload(secret: string, body: string, timestamp_s = Math.floor(Date.now() / 1_000)): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp_s}.${body}`).digest('hex');
  return `t=${timestamp_s},v1=${v1}`;
}

export class TestPaymentProvider implements PaymentProvider {
  readonly name = 'test';

  constructor(
    private readonly db: AnyDb,
    private readonly options: TestProviderOptions,
  ) {}

  /**
   * The charge is recorded as `received`, then decided in one transaction with the webhooks its
   * outcome sends: `captured`, `authorized`, `failed` or `declined`. A lookup abandons a charge
   * still `received` (its request died half-way), so a late decision cannot charge it after the
   * platform was told it never happened.
   */
  async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    const card = request.payment_method.replace(/\s/g, '');
    const provider_payment_id = `tpch_${request.payment_id}`;
    const inserted = await sql<{ attempts: number }>`
      insert into test_provider_charge (id, payment_id, amount_minor, currency, card_last4, status, attempts)
      values (${provider_payment_id}, ${request.payment_id}, ${request.amount_minor.toString()}::bigint, ${request.currency}, ${card.slice(-4)}, 'received', 1)
      on conflict (payment_id) do update set attempts = test_provider_charge.attempts + 1
      returning attempts`.execute(this.db);
    const attempts = inserted.rows[0]!.attempts;
    if (card === testCards.needsRetry && attempts === 1) throw new ProviderUnavailableError('test provider: temporarily unavailable, retry');
    const status = card === testCards.declined ? 'declined' : card === testCards.failsLater ? 'failed' : request.capture ? 'captured' : 'authorized';
    const base = { provider_payment_id, reference: request.payment_id, amount_minor: request.amount_minor, currency: request.currency };
    const events: Omit<ProviderEvent, 'id' | 'occurred_at'>[] =
      status === 'declined' ? [] : status === 'failed' ? [{ ...base, type: 'payment.failed', failure_code: 'processing_error' }] : [{ ...base, type: 'payment.authorized' }, ...(request.capture ? [{ ...base, type: 'payment.captured' as const }] : [])];
    // Decided and its webhooks queued in one statement: both or neither, and only while the
    // charge is still `received` (a lookup may have abandoned it meanwhile).
    const decided = await sql<{ id: string }>`
      with decided as (update test_provider_charge set status = ${status} where id = ${provider_payment_id} and status = 'received' returning id)
      ${this.queueing(this.options.outOfOrder === true ? events.reverse() : events, sql`(select count(*) from decided) > 0`)}
      select id from decided`.execute(this.db);
    if (decided.rows.length > 0 && events.length > 0) this.options.onQueued?.();
    if ((this.options.answer_delay_ms ?? 0) > 0) await new Promise((r) => setTimeout(r, this.options.answer_delay_ms));
    if (card === testCards.declined) return { status: 'declined', provider_payment_id, decline_code: 'card_declined' };
    return { status: 'processing', provider_payment_id };
  }

  async lookup(reference: string): Promise<ChargeLookup> {
    await sql`update test_provider_charge set status = 'abandoned' where payment_id = ${reference} and status = 'received'`.execute(this.db);
    const found = await sql<{ id: string; amount_minor: string; currency: string; status: string }>`
      select id, amount_minor::text, currency, status from test_provider_charge where payment_id = ${reference}`.execute(this.db);
    const charge = found.rows[0];
    if (charge === undefined) return { status: 'not_found' };
    const base = { provider_payment_id: charge.id, amount_minor: BigInt(charge.amount_minor), currency: charge.currency };
    switch (charge.status) {
      case 'captured':
      case 'authorized':
        return { status: charge.status, ...base };
      case 'declined':
        return { status: 'failed', ...base, failure_code: 'card_declined' };
      case 'failed':
        return { status: 'failed', ...base, failure_code: 'processing_error' };
      default:
        return { status: 'not_found' };
    }
  }

  async capture(provider_payment_id: string, amount_minor: bigint): Promise<void> {
    const charge = await this.charge(provider_payment_id);
    await this.enqueue(this.db, [{ type: 'payment.captured', provider_payment_id, reference: charge.payment_id, amount_minor, currency: charge.currency }]);
    this.options.onQueued?.();
  }

  async void(provider_payment_id: string): Promise<void> {
    const charge = await this.charge(provider_payment_id);
    await this.enqueue(this.db, [{ type: 'payment.voided', provider_payment_id, reference: charge.payment_id, amount_minor: charge.amount_minor, currency: charge.currency }]);
    this.options.onQueued?.();
  }

  async refund(provider_payment_id: string, amount_minor: bigint, refund_id: string): Promise<void> {
    const charge = await this.charge(provider_payment_id);
    // The refund ID makes the request idempotent, as with real providers.
    const existing = await sql<{ n: number }>`select count(*)::int as n from test_provider_webhook where body like ${`%"refund_id":"${refund_id}"%`}`.execute(this.db);
    if (existing.rows[0]!.n > 0) return;
    await this.enqueue(this.db, [{ type: 'refund.succeeded', provider_payment_id, reference: charge.payment_id, amount_minor, currency: charge.currency, refund_id }]);
    this.options.onQueued?.();
  }

  verifyWebhook(rawBody: string, headers: Headers): ProviderEvent {
    const header = headers.get(signatureHeader) ?? '';
    const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
    const timestamp_s = Number(parts.t);
    if (!Number.isInteger(timestamp_s) || parts.v1 === undefined) throw new InvalidSignatureError('missing or malformed signature header');
    if (Math.abs(Date.now() / 1_000 - timestamp_s) > tolerance_s) throw new InvalidSignatureError('signature timestamp is too old or in the future (replayed?)');
    const expected = Buffer.from(signPayload(this.options.secret, rawBody, timestamp_s).split('v1=')[1]!, 'hex');
    const given = Buffer.from(parts.v1, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidSignatureError('signature does not match');
    const parsed = JSON.parse(rawBody) as Omit<ProviderEvent, 'amount_minor'> & { amount_minor: number };
    return { ...parsed, amount_minor: BigInt(parsed.amount_minor) };
  }

  /** Sends due webhooks; a receiver answering other than 2xx gets them again later. */
  /**
   * Sends the webhooks that are due, up to `limit`, `parallel` at a time, as a real provider's
   * delivery fleet does: one slow answer must not hold the others back, and under load the
   * platform's webhook committer receives many at once and commits them together. The outcome
   * of each is recorded in one statement per outcome. Returns how many were due.
   */
  async deliverDue(limit = 200, parallel = 128): Promise<number> {
    // Claimed in one statement: a claimed webhook is not due again for a while, so no other
    // round (another process, or a later tick) sends it meanwhile.
    const due = await this.claimDue(limit);
    const delivered: string[] = [];
    const failed: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const row = due[next++]!;
        ((await this.send(row.body)) ? delivered : failed).push(row.id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, due.length) }, worker));
    await this.recordOutcomes(delivered, failed);
    return due.length;
  }

  /**
   * Sends due webhooks as a stream, `parallel` in flight at all times: a slot that frees up takes
   * the next webhook at once, claimed in batches as the local queue runs dry, and outcomes are
   * recorded in batches, until none is due. Unlike rounds, one slow answer holds up nothing but
   * its own slot, so the rate is `parallel` ÷ the receiver's latency. Returns how many were sent.
   */
  async deliverStream(parallel = 128): Promise<number> {
    type Row = { id: string; body: string };
    const queue: Row[] = [];
    const delivered: string[] = [];
    const failed: string[] = [];
    let claiming: Promise<void> | undefined;
    let drained = false;
    let sent = 0;
    const refill = async () => {
      const rows = await this.claimDue(parallel);
      if (rows.length === 0) drained = true;
      queue.push(...rows);
    };
    const next = async (): Promise<Row | undefined> => {
      while (queue.length === 0 && !drained) {
        claiming ??= refill().finally(() => (claiming = undefined));
        await claiming;
      }
      return queue.shift();
    };
    const flush = async () => {
      const ok = delivered.splice(0);
      const ko = failed.splice(0);
      await this.recordOutcomes(ok, ko);
    };
    const worker = async () => {
      for (let row = await next(); row !== undefined; row = await next()) {
        if (await this.send(row.body)) delivered.push(row.id);
        else failed.push(row.id);
        sent++;
        if (delivered.length + failed.length >= 64) await flush();
      }
    };
    try {
      await Promise.all(Array.from({ length: parallel }, worker));
    } finally {
      await flush();
    }
    return sent;
  }

  /** Claims up to `limit` due webhooks: not due to anyone else for 30 s, while they are sent. */
  private async claimDue(limit: number): Promise<{ id: string; body: string; attempts: number }[]> {
    const due = await sql<{ id: string; body: string; attempts: number }>`
      update test_provider_webhook set deliver_after = now() + interval '30 seconds'
      where id in (
        select id from test_provider_webhook
        where delivered_at is null and deliver_after <= now() and attempts < ${delivery_attempts_max}
        order by deliver_after, id limit ${limit} for update skip locked)
      returning id, body, attempts`.execute(this.db);
    return due.rows;
  }

  /** Sends one webhook (twice when asked to duplicate); true when the receiver acknowledged it. */
  private async send(body: string): Promise<boolean> {
    let status = 0;
    try {
      const copies = this.options.duplicate === true ? 2 : 1;
      for (let i = 0; i < copies; i++) status = await this.options.deliver(body, { 'content-type': 'application/json', [signatureHeader]: signPayload(this.options.secret, body) });
    } catch {
      status = 0;
    }
    return status >= 200 && status < 300;
  }

  /** Delivered webhooks are done; failed ones are due again later, backing off. One statement each. */
  private async recordOutcomes(delivered: readonly string[], failed: readonly string[]): Promise<void> {
    if (delivered.length > 0) await sql`update test_provider_webhook set delivered_at = now(), attempts = attempts + 1 where id = any(${delivered}::text[])`.execute(this.db);
    if (failed.length > 0) {
      await sql`update test_provider_webhook set attempts = attempts + 1, deliver_after = now() + (least(60, power(2, attempts)) || ' seconds')::interval where id = any(${failed}::text[])`.execute(this.db);
    }
  }

  private async charge(provider_payment_id: string): Promise<{ payment_id: string; amount_minor: bigint; currency: string }> {
    const found = await sql<{ payment_id: string; amount_minor: bigint; currency: string }>`select payment_id, amount_minor, currency from test_provider_charge where id = ${provider_payment_id}`.execute(this.db);
    if (found.rows[0] === undefined) throw new Error(`test provider: no charge ${provider_payment_id}`);
    return found.rows[0];
  }

  private async enqueue(db: AnyDb, events: Omit<ProviderEvent, 'id' | 'occurred_at'>[]): Promise<void> {
    await sql`with nothing as (select 1) ${this.queueing(events, sql`true`)} select 1`.execute(db);
  }

  /**
   * A `, queued as (insert …)` clause that queues these events' webhooks when `when` holds, for a
   * statement's WITH list. Each later event of a charge is due a millisecond after the one before,
   * so they are sent in order.
   */
  private queueing(events: Omit<ProviderEvent, 'id' | 'occurred_at'>[], when: RawBuilder<unknown>): RawBuilder<unknown> {
    if (events.length === 0) return sql``;
    const delay_ms = this.options.delay_ms ?? 0;
    const bodies = events.map((event) => JSON.stringify({ id: newId('tpev'), occurred_at: new Date().toISOString(), ...event, amount_minor: Number(event.amount_minor) }));
    return sql`, queued as (
      insert into test_provider_webhook (id, body, deliver_after)
      select id, body, now() + (${delay_ms}::int + n - 1) * interval '1 millisecond'
      from unnest(${bodies.map(() => newId('tpwh'))}::text[], ${bodies}::text[]) with ordinality as v(id, body, n)
      where ${when})`;
  }
}
