import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { formatMoney, toJsonAmount } from '../../kernel/money.js';
import { problems } from '../../kernel/problem.js';
import { applyTransfers } from '../ledger/index.js';
import { escrowAccounts, transferIds } from './escrow.js';
import { payoutPaid } from './events.js';
import type { PaymentTables } from './tables.js';

/**
 * Settlement: each seller is paid what their released orders earned, minus commission and
 * refunds, with a statement listing every order that makes up the amount. A payment is paid out
 * once: its `payout_id` is set in the same transaction as the payout transfer.
 */
export interface PayoutSummary {
  merchant_id: string;
  payout_id: string;
  currency: string;
  amount_minor: bigint;
  orders: number;
}

export async function runPayouts(db: AnyDb): Promise<PayoutSummary[]> {
  const due = await sql<{ merchant_id: string; currency: string }>`
    select distinct merchant_id, currency from payment
    where payout_id is null and status in ('released', 'partially_refunded') order by merchant_id, currency`.execute(db);
  const summaries: PayoutSummary[] = [];
  for (const { merchant_id, currency } of due.rows) {
    const summary = await payOut(db, merchant_id, currency);
    if (summary !== undefined) summaries.push(summary);
  }
  return summaries;
}

/**
 * A seller asks to be paid their available balance in one currency now, instead of waiting for
 * the daily run. The payout is the same as the run's (`payOut`): every released payment not yet
 * paid out, with its statement. `expected_amount_minor`, the amount the seller confirmed, must
 * still be the balance when the payout is made, so nobody is paid an amount they did not see.
 *
 * Two requests at once cannot both pay: `payOut` locks the payments it pays, and the second finds
 * them paid out once the first commits (and the ledger refuses a negative seller balance anyway).
 */
export async function requestPayout(db: AnyDb, merchant_id: string, request: { currency: string; expected_amount_minor?: bigint | undefined; minimum_minor: bigint; actor: string }): Promise<PayoutSummary> {
  const summary = await inTransaction(db, (trx) => payOutIn(trx, merchant_id, request.currency, request.actor, (amount) => {
    if (request.expected_amount_minor !== undefined && amount !== request.expected_amount_minor) {
      throw problems.conflict('balance_changed', `The available balance is now ${formatMoney(amount, request.currency)}, not the ${formatMoney(request.expected_amount_minor, request.currency)} confirmed; nothing was paid out`);
    }
    if (amount < request.minimum_minor) {
      throw problems.unprocessable('below_payout_minimum', `The available balance ${formatMoney(amount, request.currency)} is below the payout minimum of ${formatMoney(request.minimum_minor, request.currency)}`);
    }
  }));
  if (summary === undefined) throw problems.conflict('nothing_to_pay_out', `No ${request.currency} balance is available to pay out`);
  return summary;
}

async function payOut(db: AnyDb, merchant_id: string, currency: string): Promise<PayoutSummary | undefined> {
  return inTransaction(db, (trx) => payOutIn(trx, merchant_id, currency, null));
}

/**
 * Pays a seller every released payment of one currency not yet paid out, in the caller's
 * transaction; `approve` sees the amount before anything is written and may refuse it by throwing.
 */
async function payOutIn(trx: AnyTrx, merchant_id: string, currency: string, requested_by: string | null, approve?: (amount_minor: bigint) => void): Promise<PayoutSummary | undefined> {
  const t = tablesOf<PaymentTables>(trx);
  const payments = await t
    .selectFrom('payment')
    .selectAll()
    .where('merchant_id', '=', merchant_id)
    .where('currency', '=', currency)
    .where('payout_id', 'is', null)
    .where('status', 'in', ['released', 'partially_refunded'])
    .orderBy('id')
    .forUpdate()
    .execute();
  if (payments.length === 0) return undefined;
  const payout_id = newId('po');
  // Each statement line is what the ledger released for the payment and the commission it took:
  // gross is what the seller sold for (what the buyer paid and what the platform funded of the
  // discounts), refunded is what went back to the buyer and the platform (refunds, line refunds).
  const settled = await sql<{ id: string; amount: string }>`
    select id, amount::text from ledger_transfer where id = any(${payments.flatMap((p) => [transferIds(p.id).release, transferIds(p.id).commission])}::text[])`.execute(trx);
  const ledger = new Map(settled.rows.map((r) => [r.id, BigInt(r.amount)]));
  const items = payments.map((p) => {
    const gross = p.amount_minor + p.platform_funded_minor;
    const net = ledger.get(transferIds(p.id).release) ?? 0n;
    const commission = ledger.get(transferIds(p.id).commission) ?? 0n;
    return { merchant_id, payout_id, order_id: p.order_id, payment_id: p.id, gross_minor: gross, commission_minor: commission, refunded_minor: gross - commission - net, net_minor: net };
  });
  const sum = (k: 'gross_minor' | 'commission_minor' | 'refunded_minor' | 'net_minor') => items.reduce((s, i) => s + i[k], 0n);
  // Refunds the seller funded after release (seller-refunds.ts) came out of the same balance: netted here.
  const sellerRefunds = await sql<{ id: string; amount_minor: string }>`
    select id, amount_minor::text from payment_seller_refund where merchant_id = ${merchant_id} and currency = ${currency} and payout_id is null order by id for update`.execute(trx);
  const netted = sellerRefunds.rows.reduce((s, r) => s + BigInt(r.amount_minor), 0n);
  const amount = sum('net_minor') - netted;
  if (amount <= 0n) return undefined;
  approve?.(amount);
  const accounts = await escrowAccounts(trx, merchant_id, currency);
  const transfer_id = `po_${payout_id}`;
  const [outcomes] = await applyTransfers(trx, [[{ id: transfer_id, kind: 'posted', debit_account_id: accounts.seller.id, credit_account_id: accounts.clearing.id, amount, currency, code: 'payout', reference: payout_id }]]);
  const outcome = outcomes![0]!;
  if (!outcome.ok) throw new Error(`ledger refused the payout of ${amount} ${currency} to ${merchant_id}: ${outcome.error}`);
  await t.insertInto('payout').values({ merchant_id, id: payout_id, currency, amount_minor: amount, gross_minor: sum('gross_minor'), commission_minor: sum('commission_minor'), refunded_minor: sum('refunded_minor') + netted, transfer_id, requested_by }).execute();
  if (sellerRefunds.rows.length > 0) await sql`update payment_seller_refund set payout_id = ${payout_id} where merchant_id = ${merchant_id} and id = any(${sellerRefunds.rows.map((r) => r.id)}::text[])`.execute(trx);
  await t.insertInto('payout_item').values(items).execute();
  await t.updateTable('payment').set({ payout_id }).where('merchant_id', '=', merchant_id).where('id', 'in', payments.map((p) => p.id)).execute();
  await publish(trx, payoutPaid, merchant_id, { payout_id, currency, amount_minor: toJsonAmount(amount), orders: items.length, requested_by });
  return { merchant_id, payout_id, currency, amount_minor: amount, orders: items.length };
}

/** Newest first; `before_id` continues after the previous page's last payout. */
export async function listPayouts(db: AnyDb, merchant_id: string, before_id: string | undefined, limit: number) {
  let q = tablesOf<PaymentTables>(db).selectFrom('payout').selectAll().where('merchant_id', '=', merchant_id);
  if (before_id !== undefined) q = q.where('id', '<', before_id);
  return q.orderBy('id', 'desc').limit(limit).execute();
}

export async function getPayoutStatement(db: AnyDb, merchant_id: string, payout_id: string) {
  const t = tablesOf<PaymentTables>(db);
  const payout = await t.selectFrom('payout').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', payout_id).executeTakeFirst();
  if (payout === undefined) return undefined;
  const items = await t.selectFrom('payout_item').selectAll().where('merchant_id', '=', merchant_id).where('payout_id', '=', payout_id).orderBy('order_id').execute();
  return { ...payout, items };
}
