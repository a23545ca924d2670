import { sql, type Selectable } from 'kysely';
import { tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems } from '../../kernel/problem.js';
import { ordersOfCheckout } from '../orders/index.js';
import { platformFundedOfOrders } from '../promotions/index.js';
import { ProviderUnavailableError, type ChargeLookup, type PaymentProvider, type ProviderEvent } from './provider.js';
import type { PaymentStatus, PaymentTable, PaymentTables } from './tables.js';

export type Payment = Selectable<PaymentTable>;

const authorize_attempts_max = 3;

/**
 * The buyer pays every order of a checkout (one payment per seller's order). The amount is the
 * order total the server computed. Outcomes arrive later by webhook; this answers "processing",
 * or "declined" at once when the provider says so.
 *
 * Each payment is committed (autocommit, not in a transaction with the call) before its provider
 * is called, with its ID as the charge's reference: a server that dies while the provider answers
 * leaves a payment that the provider's webhooks link by that reference, and that the recovery
 * (capture-payment flow, `recover-unanswered.ts`) looks up at the provider.
 */
export async function payCheckout(db: AnyDb, provider: PaymentProvider, checkout_id: string, payment_method: string, commission_bps: number, options: { resume?: boolean } = {}): Promise<Payment[]> {
  const orders = await ordersOfCheckout(db, checkout_id);
  if (orders.length === 0) throw problems.notFound('The checkout');
  const t = tablesOf<PaymentTables>(db);
  // The same request again after its first run's process died (its Idempotency-Key's lease
  // ended): the live payments that run made are part of its answer, not a conflict.
  const made = options.resume === true ? await t.selectFrom('payment').selectAll().where((eb) => eb.or(orders.map((o) => eb.and([eb('merchant_id', '=', o.merchant_id), eb('order_id', '=', o.id)])))).where('status', '<>', 'failed').orderBy('id').execute() : [];
  const payable = orders.filter((o) => o.status === 'awaiting_payment' && !made.some((p) => p.order_id === o.id));
  if (payable.length === 0 && made.length === 0) throw problems.conflict('nothing_to_pay', 'Every order of this checkout is paid, closed or in progress');
  const platformFunded = await platformFundedOfOrders(db, payable.map((o) => ({ merchant_id: o.merchant_id, order_id: o.id })));
  const payments: Payment[] = [];
  for (const order of payable) {
    let payment: Payment;
    try {
      payment = await t
        .insertInto('payment')
        .values({ merchant_id: order.merchant_id, id: newId('pay'), order_id: order.id, checkout_id, amount_minor: order.total_minor, platform_funded_minor: platformFunded.get(`${order.merchant_id}|${order.id}`) ?? 0n, currency: order.currency, status: 'processing', provider: provider.name, provider_payment_id: null, commission_bps, failure_code: null, refund_amount_minor: null, refund_sent_at: null, payout_id: null })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw problems.conflict('payment_in_progress', `Order ${order.id} already has a payment in progress or done`);
      throw error;
    }
    payments.push(await authorizeWithRetry(db, provider, payment, payment_method));
  }
  const declined = payments.find((p) => p.status === 'failed');
  if (declined !== undefined) throw new Problem(402, declined.failure_code ?? 'payment_failed', 'The payment was declined', `The card was declined (${declined.failure_code ?? 'unknown'}); try another one`);
  return [...made, ...payments];
}

export async function authorizeWithRetry(db: AnyDb, provider: PaymentProvider, payment: Payment, payment_method: string): Promise<Payment> {
  const t = tablesOf<PaymentTables>(db);
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await provider.authorize({ payment_id: payment.id, amount_minor: payment.amount_minor, currency: payment.currency, payment_method, capture: true });
      return await t
        .updateTable('payment')
        .set({ provider_payment_id: result.provider_payment_id, ...(result.status === 'declined' ? { status: 'failed', failure_code: result.decline_code } : {}), updated_at: sql`now()` })
        .where('merchant_id', '=', payment.merchant_id)
        .where('id', '=', payment.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (error) {
      if (!(error instanceof ProviderUnavailableError) || attempt >= authorize_attempts_max) {
        await t.updateTable('payment').set({ status: 'failed', failure_code: 'provider_unavailable' }).where('merchant_id', '=', payment.merchant_id).where('id', '=', payment.id).execute();
        throw problems.unavailable('The payment provider is unavailable; nothing was charged, try again');
      }
    }
  }
}

export type EventOutcome = 'applied' | 'duplicate' | 'ignored' | 'unknown_payment';

/**
 * What recording a provider event leaves to do: nothing more (its outcome), or, for a capture of
 * an open payment, the capture itself, which spans modules (the capture-payment flow). The
 * payment comes back locked for the caller's transaction.
 */
export type RecordedProviderEvent = { outcome: EventOutcome } | { capture: Payment };

/** A provider event with the provider it came from. */
export interface ReceivedProviderEvent {
  provider: string;
  event: ProviderEvent;
}

/**
 * The payments a batch of events is about, locked for the caller's transaction in one statement
 * (in key order, so two batches never wait on each other crosswise): found by the provider's
 * charge ID, or by the reference the provider carried back (the platform's payment ID) for a
 * payment whose charge ID never reached it (the server died while the provider was answering).
 */
async function lockPaymentsOfEvents(trx: AnyTrx, batch: readonly ReceivedProviderEvent[]): Promise<Payment[]> {
  const byCharge = batch.map((e) => [e.provider, e.event.provider_payment_id] as const);
  const byReference = batch.filter((e) => e.event.reference !== undefined).map((e) => [e.provider, e.event.reference!] as const);
  // Two index lookups joined, not one OR of both, which would scan every payment.
  const found = await sql<Payment>`
    select p.* from payment p
    where (p.merchant_id, p.id) in (
      select q.merchant_id, q.id from payment q join unnest(${byCharge.map((k) => k[0])}::text[], ${byCharge.map((k) => k[1])}::text[]) as v(provider, charge)
        on q.provider = v.provider and q.provider_payment_id = v.charge
      union all
      select q.merchant_id, q.id from payment q join unnest(${byReference.map((k) => k[0])}::text[], ${byReference.map((k) => k[1])}::text[]) as v(provider, ref)
        on q.provider = v.provider and q.id = v.ref)
    order by p.merchant_id, p.id
    for update of p`.execute(trx);
  return found.rows;
}

/** What recording a batch of provider events leaves the payments at, before captures are applied. */
function paymentFinder(payments: readonly Payment[]): (e: ReceivedProviderEvent) => Payment | undefined {
  const byCharge = new Map(payments.filter((p) => p.provider_payment_id !== null).map((p) => [`${p.provider}|${p.provider_payment_id}`, p]));
  const byId = new Map(payments.map((p) => [`${p.provider}|${p.id}`, p]));
  return ({ provider, event }) => {
    const linked = byCharge.get(`${provider}|${event.provider_payment_id}`);
    if (linked !== undefined || event.reference === undefined) return linked;
    const unlinked = byId.get(`${provider}|${event.reference}`);
    if (unlinked === undefined || unlinked.provider_payment_id !== null) return undefined;
    // Linked from now on: later events of the batch find it by its charge ID.
    unlinked.provider_payment_id = event.provider_payment_id;
    byCharge.set(`${provider}|${event.provider_payment_id}`, unlinked);
    return unlinked;
  };
}

/**
 * Stores provider events once each (a repeated event is a `duplicate`) and applies what they mean
 * to the payments alone: linked, authorized, failed, voided. Events apply in arrival order, as if
 * one after the other, and tolerate being out of order: an "authorized" after "captured" changes
 * nothing. A capture of an open payment comes back as `{ capture }` for the capture-payment flow,
 * which settles its status (`setPaymentStatuses`). Runs inside the caller's transaction, in a
 * fixed number of statements whatever the batch's size: lock the payments, store the events,
 * write the payments that changed.
 */
export async function recordProviderEvents(trx: AnyTrx, batch: readonly ReceivedProviderEvent[]): Promise<RecordedProviderEvent[]> {
  if (batch.length === 0) return [];
  const find = paymentFinder(await lockPaymentsOfEvents(trx, batch));
  const payments = batch.map(find);
  // A provider event about money must be about this payment's money, or it is refused before
  // anything is stored: a wrong amount is a forgery or a provider's bug, never something to book.
  batch.forEach(({ event }, i) => {
    const payment = payments[i];
    if (payment !== undefined && event.type !== 'refund.succeeded' && (event.amount_minor !== payment.amount_minor || event.currency !== payment.currency)) {
      throw problems.unprocessable('amount_mismatch', `The event is for ${event.amount_minor} ${event.currency}; payment ${payment.id} is for ${payment.amount_minor} ${payment.currency}`);
    }
  });
  const rows = batch.map(({ provider, event }) => ({ provider, event }));
  const stored = await sql<{ provider: string; event_id: string }>`
    insert into provider_event (provider, event_id, type, provider_payment_id, reference, amount_minor, currency, payload)
    select * from unnest(${rows.map((r) => r.provider)}::text[], ${rows.map((r) => r.event.id)}::text[], ${rows.map((r) => r.event.type)}::text[],
      ${rows.map((r) => r.event.provider_payment_id)}::text[], ${rows.map((r) => r.event.reference ?? null)}::text[], ${rows.map((r) => r.event.amount_minor.toString())}::bigint[],
      ${rows.map((r) => r.event.currency)}::text[], ${rows.map((r) => JSON.stringify({ ...r.event, amount_minor: Number(r.event.amount_minor) }))}::jsonb[])
    on conflict (provider, event_id) do nothing
    returning provider, event_id`.execute(trx);
  const fresh = new Set(stored.rows.map((r) => `${r.provider}|${r.event_id}`));

  // Every payment an event found, with its status before a capture in this batch (the flow sets
  // a captured payment's final status).
  const touched = new Map<Payment, PaymentStatus | undefined>();
  const recorded = batch.map(({ provider, event }, i): RecordedProviderEvent => {
    // The first copy of an event in the batch is the one stored; the others are duplicates.
    if (!fresh.delete(`${provider}|${event.id}`)) return { outcome: 'duplicate' };
    const payment = payments[i];
    if (payment === undefined) return { outcome: 'unknown_payment' };
    if (!touched.has(payment)) touched.set(payment, undefined);
    const open = payment.status === 'processing' || payment.status === 'authorized';
    switch (event.type) {
      case 'payment.authorized':
        if (payment.status !== 'processing') return { outcome: 'ignored' };
        payment.status = 'authorized';
        return { outcome: 'applied' };
      case 'payment.failed':
      case 'payment.voided':
        if (!open) return { outcome: 'ignored' };
        payment.status = 'failed';
        payment.failure_code = event.failure_code ?? event.type;
        return { outcome: 'applied' };
      case 'payment.captured':
        if (!open) return { outcome: 'ignored' };
        // The capture-payment flow sets the final status; meanwhile the payment is no longer open
        // to the batch's later events.
        touched.set(payment, payment.status);
        payment.status = 'captured';
        return { capture: { ...payment } };
      case 'refund.succeeded':
        return { outcome: 'applied' };
    }
  });
  // Every payment an event found is written back once: its link to the charge, and its status
  // where an event changed it (a capture's status is the flow's to set).
  if (touched.size > 0) {
    const list = [...touched];
    await sql`update payment p set provider_payment_id = v.charge, status = v.status, failure_code = v.failure_code, updated_at = now()
      from unnest(${list.map(([p]) => p.merchant_id)}::text[], ${list.map(([p]) => p.id)}::text[], ${list.map(([p]) => p.provider_payment_id)}::text[],
                  ${list.map(([p, beforeCapture]) => beforeCapture ?? p.status)}::text[], ${list.map(([p]) => p.failure_code)}::text[]) as v(merchant_id, id, charge, status, failure_code)
      where p.merchant_id = v.merchant_id and p.id = v.id`.execute(trx);
  }
  return recorded;
}

/**
 * Payments whose provider call never answered: still `processing` without the provider's charge
 * ID `after_s` seconds after they were recorded (their server died mid-call, or the call hung).
 * Oldest first.
 */
export async function unansweredPayments(db: AnyDb, provider: string, after_s: number, limit = 50): Promise<Payment[]> {
  return tablesOf<PaymentTables>(db)
    .selectFrom('payment')
    .selectAll()
    .where('status', '=', 'processing')
    .where('provider_payment_id', 'is', null)
    .where('provider', '=', provider)
    .where('created_at', '<', sql<Date>`now() - make_interval(secs => ${after_s})`)
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

/**
 * Applies what the provider said of an unanswered payment (`lookup` by its reference), inside
 * the caller's transaction: links the charge, and fails the payment when the provider never
 * charged or failed the charge, so the buyer may pay again. A charge the provider captured comes
 * back as `{ capture }`: the capture-payment flow holds it in escrow and marks the order paid.
 * A payment that was linked or settled meanwhile (its webhook came first) is left alone.
 */
export async function resolveUnansweredPayment(trx: AnyTrx, unanswered: Payment, found: ChargeLookup): Promise<RecordedProviderEvent> {
  const t = tablesOf<PaymentTables>(trx);
  const payment = await t.selectFrom('payment').selectAll().where('merchant_id', '=', unanswered.merchant_id).where('id', '=', unanswered.id).forUpdate().executeTakeFirstOrThrow();
  if (payment.status !== 'processing' || payment.provider_payment_id !== null) return { outcome: 'ignored' };
  const set = (changes: Partial<Payment>) =>
    t.updateTable('payment').set({ ...changes, updated_at: sql`now()` }).where('merchant_id', '=', payment.merchant_id).where('id', '=', payment.id).returningAll().executeTakeFirstOrThrow();
  if (found.status === 'not_found') {
    await set({ status: 'failed', failure_code: 'not_charged' });
    return { outcome: 'applied' };
  }
  if (found.amount_minor !== payment.amount_minor || found.currency !== payment.currency) {
    throw new Error(`the provider charged ${found.amount_minor} ${found.currency} for payment ${payment.id} of ${payment.amount_minor} ${payment.currency}`);
  }
  switch (found.status) {
    case 'processing':
      await set({ provider_payment_id: found.provider_payment_id });
      return { outcome: 'applied' };
    case 'authorized':
      await set({ provider_payment_id: found.provider_payment_id, status: 'authorized' });
      return { outcome: 'applied' };
    case 'failed':
      await set({ provider_payment_id: found.provider_payment_id, status: 'failed', failure_code: found.failure_code ?? 'payment_failed' });
      return { outcome: 'applied' };
    case 'captured':
      return { capture: await set({ provider_payment_id: found.provider_payment_id }) };
  }
}

/** A change of a payment's status that the escrow flows make, each with what it needs. */
export type PaymentStatusChange =
  | { status: 'captured' }
  | { status: 'released' }
  | { status: 'refunded' | 'partially_refunded'; refund_amount_minor: bigint; failure_code?: string | undefined };

/**
 * Records payments' new statuses inside the caller's transaction (which holds their locks), in
 * one statement however many.
 */
export async function setPaymentStatuses(trx: AnyTrx, changes: readonly { payment: Payment; change: PaymentStatusChange }[]): Promise<void> {
  if (changes.length === 0) return;
  const field = <T>(pick: (c: PaymentStatusChange) => T | undefined) => changes.map(({ change }) => pick(change) ?? null);
  await sql`update payment p set status = v.status,
      refund_amount_minor = case when v.sets_refund then v.refund_amount_minor else p.refund_amount_minor end,
      failure_code = coalesce(v.failure_code, p.failure_code), updated_at = now()
    from unnest(${changes.map((c) => c.payment.merchant_id)}::text[], ${changes.map((c) => c.payment.id)}::text[], ${changes.map((c) => c.change.status)}::text[],
                ${changes.map((c) => 'refund_amount_minor' in c.change)}::boolean[], ${field((c) => ('refund_amount_minor' in c ? c.refund_amount_minor.toString() : undefined))}::bigint[],
                ${field((c) => ('failure_code' in c ? c.failure_code : undefined))}::text[]) as v(merchant_id, id, status, sets_refund, refund_amount_minor, failure_code)
    where p.merchant_id = v.merchant_id and p.id = v.id`.execute(trx);
}

/** Records a payment's new status inside the caller's transaction (which holds the payment's lock). */
export async function setPaymentStatus(trx: AnyTrx, payment: Payment, change: PaymentStatusChange): Promise<void> {
  await setPaymentStatuses(trx, [{ payment, change }]);
}

/**
 * The order's payment whose money is held in escrow (status `captured`), locked for the caller's
 * transaction; undefined when there is none (never paid, already released or refunded).
 */
export async function heldPayment(trx: AnyTrx, merchant_id: string, order_id: string): Promise<Payment | undefined> {
  const payment = await tablesOf<PaymentTables>(trx).selectFrom('payment').selectAll().where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).where('status', '<>', 'failed').forUpdate().executeTakeFirst();
  return payment?.status === 'captured' ? payment : undefined;
}

/** A payment with what escrow holds for its seller now, after its line refunds. */
export type HeldMoney = Payment & { line_refunds: number; line_refunded_minor: bigint; line_platform_returned_minor: bigint };

/**
 * What escrow holds for the seller of a payment now: what the buyer paid and what the platform
 * added for its discounts, each less what line refunds returned, with how many there were (which
 * names the live hold, see `transferIds`). Read in the caller's transaction, which holds the
 * payment's lock.
 */
export async function heldMoney(trx: AnyTrx, payment: Payment): Promise<HeldMoney> {
  const r = await sql<{ n: number; total: string; platform: string }>`
    select count(*)::int as n, coalesce(sum(amount_minor), 0)::text as total, coalesce(sum(platform_funded_minor), 0)::text as platform
    from payment_line_refund where merchant_id = ${payment.merchant_id} and payment_id = ${payment.id}`.execute(trx);
  const line_refunded_minor = BigInt(r.rows[0]!.total);
  const line_platform_returned_minor = BigInt(r.rows[0]!.platform);
  return {
    ...payment,
    amount_minor: payment.amount_minor - line_refunded_minor,
    platform_funded_minor: payment.platform_funded_minor - line_platform_returned_minor,
    line_refunds: r.rows[0]!.n,
    line_refunded_minor,
    line_platform_returned_minor,
  };
}

/** Records a line refund the ledger just posted, for the provider to send (`sendPendingRefunds`). */
export async function recordLineRefund(trx: AnyTrx, payment: Payment, refund: { id: string; seq: number; amount_minor: bigint; platform_funded_minor: bigint; reason: string }): Promise<void> {
  await tablesOf<PaymentTables>(trx)
    .insertInto('payment_line_refund')
    .values({ merchant_id: payment.merchant_id, id: refund.id, payment_id: payment.id, order_id: payment.order_id, seq: refund.seq, amount_minor: refund.amount_minor, platform_funded_minor: refund.platform_funded_minor, reason: refund.reason, sent_at: null })
    .execute();
}

/**
 * Asks the provider to send back refunded money: an order's refund, and the line refunds of
 * orders that go on; idempotent by the refund's ID. A refund of nothing (the line refunds had
 * returned everything already) asks the provider for nothing.
 */
export async function sendPendingRefunds(db: AnyDb, provider: PaymentProvider): Promise<number> {
  const t = tablesOf<PaymentTables>(db);
  const due = await t.selectFrom('payment').selectAll().where('status', 'in', ['refunded', 'partially_refunded']).where('refund_sent_at', 'is', null).where('provider', '=', provider.name).limit(100).execute();
  for (const p of due) {
    const amount = p.refund_amount_minor ?? p.amount_minor;
    if (amount > 0n) await provider.refund(p.provider_payment_id!, amount, `refund_${p.id}`);
    await t.updateTable('payment').set({ refund_sent_at: sql`now()` }).where('merchant_id', '=', p.merchant_id).where('id', '=', p.id).execute();
  }
  const lines = await t
    .selectFrom('payment_line_refund as r')
    .innerJoin('payment as p', (j) => j.onRef('p.merchant_id', '=', 'r.merchant_id').onRef('p.id', '=', 'r.payment_id'))
    .select(['r.merchant_id', 'r.id', 'r.amount_minor', 'p.provider_payment_id'])
    .where('r.sent_at', 'is', null)
    .where('p.provider', '=', provider.name)
    .orderBy('r.created_at')
    .limit(100)
    .execute();
  for (const r of lines) {
    // A line the buyer got free returns only the platform's funding: nothing to send the buyer.
    if (r.amount_minor > 0n) await provider.refund(r.provider_payment_id!, r.amount_minor, `refund_${r.id}`);
    await t.updateTable('payment_line_refund').set({ sent_at: sql`now()` }).where('merchant_id', '=', r.merchant_id).where('id', '=', r.id).execute();
  }
  // Refunds the seller funded after release (seller-refunds.ts).
  const funded = await sql<{ merchant_id: string; id: string; amount_minor: bigint; provider_payment_id: string }>`
    select r.merchant_id, r.id, r.amount_minor, p.provider_payment_id from payment_seller_refund r join payment p on p.merchant_id = r.merchant_id and p.id = r.payment_id
    where r.sent_at is null and p.provider = ${provider.name} order by r.created_at limit 100`.execute(db);
  for (const r of funded.rows) {
    await provider.refund(r.provider_payment_id, BigInt(r.amount_minor), `refund_${r.id}`);
    await sql`update payment_seller_refund set sent_at = now() where merchant_id = ${r.merchant_id} and id = ${r.id}`.execute(db);
  }
  return due.length + lines.length + funded.rows.length;
}

export async function paymentsOf(db: AnyDb, merchant_id: string, filter: { order_id?: string | undefined; before_id?: string | undefined; limit: number }): Promise<Payment[]> {
  let q = tablesOf<PaymentTables>(db).selectFrom('payment').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.order_id !== undefined) q = q.where('order_id', '=', filter.order_id);
  if (filter.before_id !== undefined) q = q.where('id', '<', filter.before_id);
  return q.orderBy('id', 'desc').limit(filter.limit).execute();
}
