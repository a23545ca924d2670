import { applyBasisPoints, money } from '../../kernel/money.js';
import type { AnyDb, AnyTrx } from '../../kernel/db.js';
import { applyTransfers, ensureAccount, type Account, type TransferRequest } from '../ledger/index.js';

/**
 * How a payment moves through the ledger. Every transfer ID is derived from the payment, so a
 * repeated webhook or retried job finds its transfer already there instead of moving money twice.
 *
 *   capture:  provider_clearing -> escrow            posted   (the platform holds the money)
 *             escrow -> seller_payable               pending  (held for the seller)
 *   release:  post the hold for amount - commission (the rest returns to escrow)
 *             escrow -> commission_revenue           posted
 *   refund:   void the hold (full) or post it for what the seller keeps (partial), then
 *             escrow -> provider_clearing            posted   (back to the buyer)
 *   payout:   seller_payable -> provider_clearing    posted   (to the seller's bank)
 *   line refund (a short pick refunded while the order goes on), the n-th:
 *             void the current hold, escrow -> provider_clearing (lref_<payment>_<n>) posted,
 *             and hold the rest again: escrow -> seller_payable (hold_<payment>_<n>) pending.
 *             Release and refund later resolve that hold, for what it holds.
 */
export const platformOwner = 'platform';

export interface EscrowAccounts {
  clearing: Account;
  escrow: Account;
  commission: Account;
  seller: Account;
}

const cache = new Map<string, Account>();

async function account(db: AnyDb, owner_id: string, code: string, currency: string, normal_balance: 'debit' | 'credit', no_negative: boolean): Promise<Account> {
  const key = `${owner_id}|${code}|${currency}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const found = await ensureAccount(db, { owner_id, code, currency, normal_balance, no_negative });
  cache.set(key, found);
  return found;
}

export async function escrowAccounts(db: AnyDb, seller_id: string, currency: string): Promise<EscrowAccounts> {
  return {
    clearing: await account(db, platformOwner, 'provider_clearing', currency, 'debit', false),
    escrow: await account(db, platformOwner, 'escrow', currency, 'credit', true),
    commission: await account(db, platformOwner, 'commission_revenue', currency, 'credit', false),
    seller: await account(db, seller_id, 'seller_payable', currency, 'credit', true),
  };
}

export interface PaymentMoney {
  id: string;
  order_id: string;
  amount_minor: bigint;
  currency: string;
  commission_bps: number;
  /** How many line refunds re-held the rest (0: the capture's hold is the live one). */
  line_refunds?: number | undefined;
}

export const transferIds = (payment_id: string, line_refunds = 0) => ({
  capture: `cap_${payment_id}`,
  hold: line_refunds === 0 ? `hold_${payment_id}` : `hold_${payment_id}_${line_refunds}`,
  release: `rel_${payment_id}`,
  commission: `com_${payment_id}`,
  voidHold: `void_${payment_id}`,
  refund: `ref_${payment_id}`,
});

export function commissionOn(amount_minor: bigint, currency: string, bps: number): bigint {
  return applyBasisPoints(money(amount_minor, currency), BigInt(bps)).amount_minor;
}

export function captureUnit(p: PaymentMoney, a: EscrowAccounts): TransferRequest[] {
  const ids = transferIds(p.id);
  return [
    { id: ids.capture, kind: 'posted', debit_account_id: a.clearing.id, credit_account_id: a.escrow.id, amount: p.amount_minor, currency: p.currency, code: 'capture', reference: p.order_id },
    { id: ids.hold, kind: 'pending', debit_account_id: a.escrow.id, credit_account_id: a.seller.id, amount: p.amount_minor, currency: p.currency, code: 'hold', reference: p.order_id },
  ];
}

/** Pays the seller what they keep of `kept_minor`, and the platform its commission on it. */
function settle(p: PaymentMoney, a: EscrowAccounts, kept_minor: bigint): TransferRequest[] {
  const ids = transferIds(p.id, p.line_refunds);
  const commission = commissionOn(kept_minor, p.currency, p.commission_bps);
  const unit: TransferRequest[] = [];
  if (kept_minor - commission > 0n) unit.push({ id: ids.release, kind: 'post_pending', pending_id: ids.hold, amount: kept_minor - commission, code: 'release', reference: p.order_id });
  else unit.push({ id: ids.voidHold, kind: 'void_pending', pending_id: ids.hold, code: 'release', reference: p.order_id });
  if (commission > 0n) unit.push({ id: ids.commission, kind: 'posted', debit_account_id: a.escrow.id, credit_account_id: a.commission.id, amount: commission, currency: p.currency, code: 'commission', reference: p.order_id });
  return unit;
}

export function releaseUnit(p: PaymentMoney, a: EscrowAccounts): TransferRequest[] {
  return settle(p, a, p.amount_minor);
}

export function refundUnit(p: PaymentMoney, a: EscrowAccounts, refund_minor: bigint): TransferRequest[] {
  const ids = transferIds(p.id, p.line_refunds);
  const refund: TransferRequest = { id: ids.refund, kind: 'posted', debit_account_id: a.escrow.id, credit_account_id: a.clearing.id, amount: refund_minor, currency: p.currency, code: 'refund', reference: p.order_id };
  if (refund_minor >= p.amount_minor) return [{ id: ids.voidHold, kind: 'void_pending', pending_id: ids.hold, code: 'refund', reference: p.order_id }, refund];
  return [...settle(p, a, p.amount_minor - refund_minor), refund];
}

/**
 * A line refund while the order goes on: `p.amount_minor` is what escrow holds for the seller
 * now; `refund_minor` of it goes back to the buyer and the rest is held again under the next
 * hold. Refunding all of it leaves no hold. Transfer IDs come from the payment and the refund's
 * sequence number, so a retried handler finds them there.
 */
export function lineRefundUnit(p: PaymentMoney, a: EscrowAccounts, refund_minor: bigint): TransferRequest[] {
  const seq = (p.line_refunds ?? 0) + 1;
  if (refund_minor <= 0n || refund_minor > p.amount_minor) throw new Error(`line refund of ${refund_minor} for payment ${p.id} holding ${p.amount_minor}`);
  const unit: TransferRequest[] = [
    { id: `lvoid_${p.id}_${seq}`, kind: 'void_pending', pending_id: transferIds(p.id, p.line_refunds).hold, code: 'refund', reference: p.order_id },
    { id: lineRefundId(p.id, seq), kind: 'posted', debit_account_id: a.escrow.id, credit_account_id: a.clearing.id, amount: refund_minor, currency: p.currency, code: 'refund', reference: p.order_id },
  ];
  if (p.amount_minor > refund_minor) unit.push({ id: transferIds(p.id, seq).hold, kind: 'pending', debit_account_id: a.escrow.id, credit_account_id: a.seller.id, amount: p.amount_minor - refund_minor, currency: p.currency, code: 'hold', reference: p.order_id });
  return unit;
}

export const lineRefundId = (payment_id: string, seq: number) => `lref_${payment_id}_${seq}`;

/**
 * Moves money for a payment: applies one unit of linked transfers inside the caller's
 * transaction, all of them or none. A refusal is a bug (the escrow always holds what it owes), so
 * it throws and the transaction rolls back; a transfer already there (a retry) is no refusal.
 */
export async function moveMoney(trx: AnyTrx, unit: TransferRequest[], what: string): Promise<void> {
  await moveMoneyInUnits(trx, [unit], what);
}

/** `moveMoney` for many payments' units at once: one ledger batch, all of them or none. */
export async function moveMoneyInUnits(trx: AnyTrx, units: readonly TransferRequest[][], what: string): Promise<void> {
  if (units.length === 0) return;
  for (const outcomes of await applyTransfers(trx, units)) {
    const failed = outcomes.find((o) => !o.ok);
    if (failed !== undefined && !failed.ok) throw new Error(`ledger refused the ${what}: ${failed.error} (${failed.detail})`);
  }
}
