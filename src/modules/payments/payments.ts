import { sql, type Selectable } from 'kysely';
import type { Logger } from 'pino';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { GroupCommitter } from '../../kernel/group-commit.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems } from '../../kernel/problem.js';
import { applyTransfers, type TransferOutcome } from '../ledger/index.js';
import { ordersOfCheckout, transitionOrder } from '../orders/index.js';
import { captureUnit, commissionOn, escrowAccounts, refundUnit, releaseUnit } from './escrow.js';
import { ProviderUnavailableError, type PaymentProvider, type ProviderEvent } from './provider.js';
import type { PaymentTable, PaymentTables } from './tables.js';

export type Payment = Selectable<PaymentTable>;

const authorize_attempts_max = 3;

function assertTransfers(outcomes: TransferOutcome[], what: string): void {
  const failed = outcomes.find((o) => !o.ok);
  if (failed !== undefined && !failed.ok) throw new Error(`ledger refused the ${what}: ${failed.error} (${failed.detail})`);
}

/**
 * The buyer pays every order of a checkout (one payment per seller's order). The amount is the
 * order total the server computed. Outcomes arrive later by webhook; this answers "processing",
 * or "declined" at once when the provider says so.
 */
export async function payCheckout(db: AnyDb, provider: PaymentProvider, checkout_id: string, payment_method: string, commission_bps: number): Promise<Payment[]> {
  const orders = await ordersOfCheckout(db, checkout_id);
  if (orders.length === 0) throw problems.notFound('The checkout');
  const payable = orders.filter((o) => o.status === 'awaiting_payment');
  if (payable.length === 0) throw problems.conflict('nothing_to_pay', 'Every order of this checkout is paid, closed or in progress');
  const t = tablesOf<PaymentTables>(db);
  const payments: Payment[] = [];
  for (const order of payable) {
    let payment: Payment;
    try {
      payment = await t
        .insertInto('payment')
        .values({ merchant_id: order.merchant_id, id: newId('pay'), order_id: order.id, checkout_id, amount_minor: order.total_minor, currency: order.currency, status: 'processing', provider: provider.name, provider_payment_id: null, commission_bps, failure_code: null, refund_amount_minor: null, refund_sent_at: null, payout_id: null })
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
  return payments;
}

async function authorizeWithRetry(db: AnyDb, provider: PaymentProvider, payment: Payment, payment_method: string): Promise<Payment> {
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

/** Webhooks, group-committed: one transaction per batch; the escrow account is locked once. */
export class ProviderEventCommitter extends GroupCommitter<{ provider: string; event: ProviderEvent }, EventOutcome> {
  constructor(db: AnyDb, logger: Logger) {
    super('payment events', (batch) => inTransaction(db, (trx) => applyProviderEvents(trx, batch)), logger, { batches_in_flight_max: 1, batch_size_max: 200 });
  }
}

export async function applyProviderEvents(trx: AnyTrx, batch: readonly { provider: string; event: ProviderEvent }[]): Promise<EventOutcome[]> {
  const outcomes: EventOutcome[] = [];
  for (const { provider, event } of batch) outcomes.push(await applyProviderEvent(trx, provider, event));
  return outcomes;
}

async function applyProviderEvent(trx: AnyTrx, provider: string, event: ProviderEvent): Promise<EventOutcome> {
  const t = tablesOf<PaymentTables>(trx);
  const stored = await t
    .insertInto('provider_event')
    .values({ provider, event_id: event.id, type: event.type, provider_payment_id: event.provider_payment_id, amount_minor: event.amount_minor, currency: event.currency, payload: JSON.stringify({ ...event, amount_minor: Number(event.amount_minor) }) })
    .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  if (stored === undefined) return 'duplicate';
  const payment = await t.selectFrom('payment').selectAll().where('provider', '=', provider).where('provider_payment_id', '=', event.provider_payment_id).forUpdate().executeTakeFirst();
  if (payment === undefined) return 'unknown_payment';
  const set = (changes: Partial<Payment>) => t.updateTable('payment').set({ ...changes, updated_at: sql`now()` }).where('merchant_id', '=', payment.merchant_id).where('id', '=', payment.id).execute();
  const open = payment.status === 'processing' || payment.status === 'authorized';

  switch (event.type) {
    case 'payment.authorized':
      // Out of order: an "authorized" that arrives after "captured" changes nothing.
      if (payment.status !== 'processing') return 'ignored';
      await set({ status: 'authorized' });
      return 'applied';
    case 'payment.failed':
    case 'payment.voided':
      if (!open) return 'ignored';
      await set({ status: 'failed', failure_code: event.failure_code ?? event.type });
      return 'applied';
    case 'payment.captured':
      if (!open) return 'ignored';
      if (event.amount_minor !== payment.amount_minor || event.currency !== payment.currency) throw new Error(`captured ${event.amount_minor} ${event.currency} for payment ${payment.id} of ${payment.amount_minor} ${payment.currency}`);
      return capture(trx, payment);
    case 'refund.succeeded':
      return 'applied';
  }
}

/** Money captured: hold it in escrow for the seller and mark the order paid, in one transaction. */
async function capture(trx: AnyTrx, payment: Payment): Promise<EventOutcome> {
  const t = tablesOf<PaymentTables>(trx);
  const accounts = await escrowAccounts(trx, payment.merchant_id, payment.currency);
  const [outcomes] = await applyTransfers(trx, [captureUnit(payment, accounts)]);
  assertTransfers(outcomes!, 'capture');
  try {
    await transitionOrder(trx, payment.merchant_id, payment.order_id, 'pay', { actor: `provider:${payment.provider}`, reason: `payment ${payment.id}` });
    await t.updateTable('payment').set({ status: 'captured', updated_at: sql`now()` }).where('merchant_id', '=', payment.merchant_id).where('id', '=', payment.id).execute();
  } catch (error) {
    if (!(error instanceof Problem) || error.code !== 'illegal_order_transition') throw error;
    // The order closed (unpaid too long) before the money arrived: give it all back.
    const [refund] = await applyTransfers(trx, [refundUnit(payment, accounts, payment.amount_minor)]);
    assertTransfers(refund!, 'refund of a late capture');
    await t.updateTable('payment').set({ status: 'refunded', refund_amount_minor: payment.amount_minor, failure_code: 'order_closed_before_capture', updated_at: sql`now()` }).where('merchant_id', '=', payment.merchant_id).where('id', '=', payment.id).execute();
  }
  return 'applied';
}

async function capturedPayment(trx: AnyTrx, merchant_id: string, order_id: string): Promise<Payment | undefined> {
  return tablesOf<PaymentTables>(trx).selectFrom('payment').selectAll().where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).where('status', '<>', 'failed').forUpdate().executeTakeFirst();
}

/** The buyer confirmed receipt (or the timer did): pay the seller, minus the commission. */
export async function releaseEscrow(db: AnyDb, merchant_id: string, order_id: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const payment = await capturedPayment(trx, merchant_id, order_id);
    if (payment === undefined || payment.status !== 'captured') return;
    const [outcomes] = await applyTransfers(trx, [releaseUnit(payment, await escrowAccounts(trx, merchant_id, payment.currency))]);
    assertTransfers(outcomes!, 'release');
    await tablesOf<PaymentTables>(trx).updateTable('payment').set({ status: 'released', updated_at: sql`now()` }).where('merchant_id', '=', merchant_id).where('id', '=', payment.id).execute();
  });
}

/** An approved refund: void the hold (or settle the part kept) and give the refund back. */
export async function refundEscrow(db: AnyDb, merchant_id: string, order_id: string, refund_minor: bigint): Promise<void> {
  await inTransaction(db, async (trx) => {
    const payment = await capturedPayment(trx, merchant_id, order_id);
    if (payment === undefined || payment.status !== 'captured') return;
    const amount = refund_minor > payment.amount_minor ? payment.amount_minor : refund_minor;
    const [outcomes] = await applyTransfers(trx, [refundUnit(payment, await escrowAccounts(trx, merchant_id, payment.currency), amount)]);
    assertTransfers(outcomes!, 'refund');
    await tablesOf<PaymentTables>(trx)
      .updateTable('payment')
      .set({ status: amount >= payment.amount_minor ? 'refunded' : 'partially_refunded', refund_amount_minor: amount, updated_at: sql`now()` })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', payment.id)
      .execute();
  });
}

/** Asks the provider to send back refunded money; idempotent by the payment's refund ID. */
export async function sendPendingRefunds(db: AnyDb, provider: PaymentProvider): Promise<number> {
  const t = tablesOf<PaymentTables>(db);
  const due = await t.selectFrom('payment').selectAll().where('status', 'in', ['refunded', 'partially_refunded']).where('refund_sent_at', 'is', null).where('provider', '=', provider.name).limit(100).execute();
  for (const p of due) {
    await provider.refund(p.provider_payment_id!, p.refund_amount_minor ?? p.amount_minor, `refund_${p.id}`);
    await t.updateTable('payment').set({ refund_sent_at: sql`now()` }).where('merchant_id', '=', p.merchant_id).where('id', '=', p.id).execute();
  }
  return due.length;
}

export async function paymentsOf(db: AnyDb, merchant_id: string, filter: { order_id?: string | undefined; limit: number }): Promise<Payment[]> {
  let q = tablesOf<PaymentTables>(db).selectFrom('payment').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.order_id !== undefined) q = q.where('order_id', '=', filter.order_id);
  return q.orderBy('id', 'desc').limit(filter.limit).execute();
}

export { commissionOn };
