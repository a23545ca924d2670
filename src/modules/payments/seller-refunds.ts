import { sql } from 'kysely';
import { tablesOf, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { formatMoney } from '../../kernel/money.js';
import { Problem } from '../../kernel/problem.js';
import { applyTransfers } from '../ledger/index.js';
import { escrowAccounts } from './escrow.js';
import type { Payment } from './payments.js';

/**
 * A refund the seller funds (issue 18: an in-store sale refunded at the till, or after a dispute,
 * once its escrow was released at the sale): escrow no longer holds the money, so it comes out of
 * what the platform owes the seller. One posted transfer `sref_<id>` from the seller's payable
 * balance to the provider's clearing account (the buyer is paid back through the provider by
 * `sendPendingRefunds`), refused when the balance does not cover it (409
 * `refund_exceeds_balance`). The next payout nets it: it pays the released payments less the
 * seller refunds not yet netted, and names them (payout_id).
 */
export interface SellerRefund {
  merchant_id: string;
  id: string;
  payment_id: string;
  order_id: string;
  currency: string;
  amount_minor: bigint;
  reason: string;
  payout_id: string | null;
  sent_at: Date | null;
  created_at: Date;
}

export const sellerRefundTransferId = (id: string) => `sref_${id}`;

export async function refundFromSeller(trx: AnyTrx, payment: Payment, input: { amount_minor: bigint; reason: string }): Promise<SellerRefund> {
  if (input.amount_minor <= 0n) throw new Error(`a seller refund of ${input.amount_minor} for payment ${payment.id}`);
  const already = await sql<{ total: string }>`select coalesce(sum(amount_minor), 0)::text as total from payment_seller_refund where merchant_id = ${payment.merchant_id} and payment_id = ${payment.id}`.execute(trx);
  const refundable = payment.amount_minor - (payment.refund_amount_minor ?? 0n) - BigInt(already.rows[0]!.total);
  if (input.amount_minor > refundable) throw new Problem(422, 'refund_exceeds_paid', 'More than was paid', `At most ${formatMoney(refundable, payment.currency)} of this payment can still be refunded`);
  const id = newId('sfr');
  const accounts = await escrowAccounts(trx, payment.merchant_id, payment.currency);
  const [outcomes] = await applyTransfers(trx, [[{ id: sellerRefundTransferId(id), kind: 'posted', debit_account_id: accounts.seller.id, credit_account_id: accounts.clearing.id, amount: input.amount_minor, currency: payment.currency, code: 'seller_refund', reference: payment.order_id }]]);
  const outcome = outcomes![0]!;
  if (!outcome.ok) throw new Problem(409, 'refund_exceeds_balance', 'The seller’s balance does not cover the refund', `The refund of ${formatMoney(input.amount_minor, payment.currency)} comes out of the seller’s available balance, which does not cover it now (${outcome.error})`);
  return tablesOf<{ payment_seller_refund: SellerRefund }>(trx)
    .insertInto('payment_seller_refund')
    .values({ merchant_id: payment.merchant_id, id, payment_id: payment.id, order_id: payment.order_id, currency: payment.currency, amount_minor: input.amount_minor, reason: input.reason, payout_id: null, sent_at: null, created_at: new Date() })
    .returningAll()
    .executeTakeFirstOrThrow();
}
