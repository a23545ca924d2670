import { applyBasisPoints, money } from '../../kernel/money.js';
import type { AnyDb, AnyTrx } from '../../kernel/db.js';
import { applyTransfers, ensureAccount, type Account, type TransferRequest } from '../ledger/index.js';

/**
 * How a payment moves through the ledger. Every transfer ID is derived from the payment, so a
 * repeated webhook or retried job finds its transfer already there instead of moving money twice.
 *
 *   capture:  provider_clearing -> escrow            posted   (the platform holds the money)
 *             promotion_expense -> escrow (pfund_)   posted   (the discounts the platform funds, if any)
 *             escrow -> seller_payable               pending  (held for the seller: paid + platform-funded)
 *   release:  post the hold for what it holds - commission (the rest returns to escrow)
 *             escrow -> commission_revenue           posted
 *   refund:   void the hold (full) or post it for what the seller keeps (partial), then
 *             escrow -> provider_clearing            posted   (back to the buyer)
 *             escrow -> promotion_expense (pret_)    posted   (the platform's funding back: all of
 *                                                             it, or its share of a partial refund)
 *   payout:   seller_payable -> provider_clearing    posted   (to the seller's bank)
 *   line refund (a short pick refunded while the order goes on), the n-th:
 *             void the current hold, escrow -> provider_clearing (lref_<payment>_<n>) posted,
 *             escrow -> promotion_expense (lpret_<payment>_<n>) for the platform's funding of
 *             those units, and hold the rest again: escrow -> seller_payable (hold_<payment>_<n>) pending.
 *             Release and refund later resolve that hold, for what it holds.
 *
 * A seller-funded discount moves nothing: the buyer paid less, so escrow holds less for the
 * seller. The order records it (order_discount, funded_by seller); the ledger's figure for it is
 * the difference between the order's price before discounts and the hold.
 */
export const platformOwner = 'platform';

export interface EscrowAccounts {
  clearing: Account;
  escrow: Account;
  commission: Account;
  /** What the platform has spent on the discounts it funds, net of what refunds returned (debit-normal: an expense). */
  promotion: Account;
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
    promotion: await account(db, platformOwner, 'promotion_expense', currency, 'debit', false),
    seller: await account(db, seller_id, 'seller_payable', currency, 'credit', true),
  };
}

export interface PaymentMoney {
  id: string;
  order_id: string;
  /** What the buyer paid (less what line refunds returned to them). */
  amount_minor: bigint;
  /** What the platform added for the discounts it funds (less what line refunds returned to it). */
  platform_funded_minor?: bigint | undefined;
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
  platformFund: `pfund_${payment_id}`,
  platformReturn: `pret_${payment_id}`,
});

const platformFunded = (p: PaymentMoney) => p.platform_funded_minor ?? 0n;
/** What escrow holds for the seller: what the buyer paid and what the platform added. */
const heldFor = (p: PaymentMoney) => p.amount_minor + platformFunded(p);

/**
 * How a refund of `refund_minor` of what the buyer paid splits what escrow holds: the platform
 * gets back the same share of its funding (rounded down), the seller keeps the rest.
 */
export function refundSplit(p: PaymentMoney, refund_minor: bigint): { platform_minor: bigint; kept_minor: bigint } {
  const platform_minor = refund_minor >= p.amount_minor ? platformFunded(p) : (platformFunded(p) * refund_minor) / p.amount_minor;
  return { platform_minor, kept_minor: heldFor(p) - refund_minor - platform_minor };
}

/** Back to the platform: what it funded of the refunded part. */
function platformReturn(id: string, p: PaymentMoney, a: EscrowAccounts, amount: bigint): TransferRequest[] {
  return amount > 0n ? [{ id, kind: 'posted', debit_account_id: a.escrow.id, credit_account_id: a.promotion.id, amount, currency: p.currency, code: 'platform_discount_return', reference: p.order_id }] : [];
}

export function commissionOn(amount_minor: bigint, currency: string, bps: number): bigint {
  return applyBasisPoints(money(amount_minor, currency), BigInt(bps)).amount_minor;
}

export function captureUnit(p: PaymentMoney, a: EscrowAccounts): TransferRequest[] {
  const ids = transferIds(p.id);
  const unit: TransferRequest[] = [{ id: ids.capture, kind: 'posted', debit_account_id: a.clearing.id, credit_account_id: a.escrow.id, amount: p.amount_minor, currency: p.currency, code: 'capture', reference: p.order_id }];
  // Before the hold: escrow may never go negative, and the hold takes the platform's part too.
  if (platformFunded(p) > 0n) unit.push({ id: ids.platformFund, kind: 'posted', debit_account_id: a.promotion.id, credit_account_id: a.escrow.id, amount: platformFunded(p), currency: p.currency, code: 'platform_discount', reference: p.order_id });
  unit.push({ id: ids.hold, kind: 'pending', debit_account_id: a.escrow.id, credit_account_id: a.seller.id, amount: heldFor(p), currency: p.currency, code: 'hold', reference: p.order_id });
  return unit;
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
  return settle(p, a, heldFor(p));
}

/**
 * `refund_minor` of what the buyer paid goes back to them, and the platform's share of its
 * funding back to it (all of it on a full refund); the seller keeps the rest, less commission.
 */
export function refundUnit(p: PaymentMoney, a: EscrowAccounts, refund_minor: bigint): TransferRequest[] {
  const ids = transferIds(p.id, p.line_refunds);
  const split = refundSplit(p, refund_minor);
  const refund: TransferRequest[] = refund_minor > 0n ? [{ id: ids.refund, kind: 'posted', debit_account_id: a.escrow.id, credit_account_id: a.clearing.id, amount: refund_minor, currency: p.currency, code: 'refund', reference: p.order_id }] : [];
  const back = platformReturn(ids.platformReturn, p, a, split.platform_minor);
  if (refund_minor >= p.amount_minor) return [{ id: ids.voidHold, kind: 'void_pending', pending_id: ids.hold, code: 'refund', reference: p.order_id }, ...refund, ...back];
  return [...settle(p, a, split.kept_minor), ...refund, ...back];
}

/**
 * A line refund while the order goes on: `p` is what escrow holds for the seller now;
 * `refund_minor` of what the buyer paid goes back to them and `platform_minor` of what the
 * platform added back to it, and the rest is held again under the next hold. Returning all of
 * it leaves no hold. Transfer IDs come from the payment and the refund's sequence number, so a
 * retried handler finds them there.
 */
export function lineRefundUnit(p: PaymentMoney, a: EscrowAccounts, refund_minor: bigint, platform_minor = 0n): TransferRequest[] {
  const seq = (p.line_refunds ?? 0) + 1;
  if (refund_minor < 0n || platform_minor < 0n || refund_minor + platform_minor <= 0n || refund_minor > p.amount_minor || platform_minor > platformFunded(p)) {
    throw new Error(`line refund of ${refund_minor} (platform ${platform_minor}) for payment ${p.id} holding ${p.amount_minor} (platform ${platformFunded(p)})`);
  }
  const rest = heldFor(p) - refund_minor - platform_minor;
  const unit: TransferRequest[] = [{ id: `lvoid_${p.id}_${seq}`, kind: 'void_pending', pending_id: transferIds(p.id, p.line_refunds).hold, code: 'refund', reference: p.order_id }];
  if (refund_minor > 0n) unit.push({ id: lineRefundId(p.id, seq), kind: 'posted', debit_account_id: a.escrow.id, credit_account_id: a.clearing.id, amount: refund_minor, currency: p.currency, code: 'refund', reference: p.order_id });
  unit.push(...platformReturn(`lpret_${p.id}_${seq}`, p, a, platform_minor));
  if (rest > 0n) unit.push({ id: transferIds(p.id, seq).hold, kind: 'pending', debit_account_id: a.escrow.id, credit_account_id: a.seller.id, amount: rest, currency: p.currency, code: 'hold', reference: p.order_id });
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
