import { sql } from 'kysely';
import type { AnyDb, AnyTrx } from '../../kernel/db.js';
import { onEvents, type EventHandler } from '../../kernel/events/event.js';
import { publishEach } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { accountsByIds, consumerRegistered } from '../accounts/index.js';
import { ingestEvents, storedIdentifier } from '../databank/index.js';
import { couponBankEvent } from './bank.js';
import { couponIssued } from './events.js';
import type { Promotion } from './promotions.js';
import type { WalletCoupon, WalletSource } from './tables.js';

/**
 * Wallet coupons: issued to a consumer's wallet by a claim (storefront), a push (the merchant) or
 * a win (a store's screen), all through `issueCoupons`. The promotion's row is locked while its
 * `issued` counter and every holder's coupons are checked and taken, so concurrent claims never
 * issue past `issue_limit` nor give one consumer two available coupons of a promotion.
 */

/** Who receives a coupon: an account, or a phone with none (the coupon waits on the phone's hash). */
export interface Recipient {
  consumer_id: string | null;
  /** The account's email, for the brand's data bank. */
  email?: string | undefined;
  /** The phone a screen's player gave, as typed. */
  phone?: string | undefined;
}

/** Where and how a coupon was issued. */
export interface IssueOrigin {
  source: WalletSource;
  location_id?: string | undefined;
  device_id?: string | undefined;
  game?: { name: string; score?: number | undefined } | undefined;
}

export const issueRefusals = ['not_a_coupon', 'not_active', 'ended', 'issue_limit_reached', 'already_holds', 'per_consumer_limit', 'no_recipient'] as const;
export type IssueRefusal = (typeof issueRefusals)[number];

export interface IssueOutcome {
  promotion: Promotion;
  issued: WalletCoupon[];
  /** By the recipient's index in the request. */
  refused: { index: number; reason: IssueRefusal; detail: string }[];
}

/** The most recipients one issue may name (a merchant's push); bigger pushes come in several calls. */
export const recipients_max = 1000;

const holderKey = (consumer_id: string | null, phone_hash: string | null) => (consumer_id !== null ? `c:${consumer_id}` : `p:${phone_hash}`);

/**
 * Issues one coupon of a promotion to each recipient, in one transaction: refuses, per recipient,
 * a promotion that is not a coupon, not active or ended, the issue limit reached, a holder who
 * already has an available coupon of it or has had `per_consumer_limit` in all. It bumps
 * `issued`, publishes `coupon.issued` and records the step in the brand's data bank (`Coupon
 * Claimed`, `Coupon Received` or `Coupon Won`) in the same transaction. Undefined: no such
 * promotion of this merchant.
 */
export async function issueCoupons(trx: AnyTrx, merchant_id: string, promotion_id: string, recipients: readonly Recipient[], origin: IssueOrigin, now = new Date()): Promise<IssueOutcome | undefined> {
  if (recipients.length > recipients_max) throw new Error(`at most ${recipients_max} recipients per issue`);
  const promotion = (await sql<Promotion>`select * from promotion where merchant_id = ${merchant_id} and id = ${promotion_id} for update`.execute(trx)).rows[0];
  if (promotion === undefined) return undefined;
  const closed = closedReason(promotion, now);
  if (closed !== undefined) return { promotion, issued: [], refused: recipients.map((_, index) => ({ index, ...closed })) };

  const hashes = recipients.map((r) => (r.phone === undefined ? null : (storedIdentifier('phone', r.phone)?.value ?? null)));
  const held = await holdings(trx, promotion, recipients, hashes);
  const refused: IssueOutcome['refused'] = [];
  const taking: { index: number; consumer_id: string | null; phone_hash: string | null }[] = [];
  for (const [index, r] of recipients.entries()) {
    const phone_hash = hashes[index]!;
    if (r.consumer_id === null && phone_hash === null) {
      refused.push({ index, reason: 'no_recipient', detail: 'no account and no valid phone number' });
      continue;
    }
    const key = holderKey(r.consumer_id, phone_hash);
    const h = held.get(key) ?? { available: 0, total: 0 };
    const refusal = holderRefusal(promotion, h, promotion.issued + taking.length);
    if (refusal !== undefined) {
      refused.push({ index, ...refusal });
      continue;
    }
    held.set(key, { available: h.available + 1, total: h.total + 1 });
    taking.push({ index, consumer_id: r.consumer_id, phone_hash });
  }
  if (taking.length === 0) return { promotion, issued: [], refused };

  const expires_at = expiryOf(promotion, now);
  const t = (pick: (x: (typeof taking)[number]) => unknown) => taking.map(pick);
  const issued = (
    await sql<WalletCoupon>`insert into wallet_coupon (merchant_id, id, promotion_id, consumer_id, phone_hash, source, location_id, device_id, claimed_at, expires_at)
      select ${merchant_id}, id, ${promotion.id}, consumer_id, phone_hash, ${origin.source}, ${origin.location_id ?? null}, ${origin.device_id ?? null}, ${now}, ${expires_at}
      from unnest(${t(() => newId('wc'))}::text[], ${t((x) => x.consumer_id)}::text[], ${t((x) => x.phone_hash)}::text[]) with ordinality as v(id, consumer_id, phone_hash, n)
      order by n
      returning *`.execute(trx)
  ).rows;
  await sql`update promotion set issued = issued + ${issued.length}, updated_at = now() where merchant_id = ${merchant_id} and id = ${promotion.id}`.execute(trx);
  await publishEach(trx, couponIssued, issued.map((w) => ({ merchant_id, payload: couponPayload(w) })));
  const bank = issued.map((w, k) => couponBankEvent(w, promotion, 'issued', recipients[taking[k]!.index]!, origin.game)).filter((e) => e !== undefined);
  if (bank.length > 0) await ingestEvents(trx, bank);
  return { promotion, issued, refused };
}

/** Why no one may receive a coupon of this promotion now, if so. */
function closedReason(p: Promotion, now: Date): { reason: IssueRefusal; detail: string } | undefined {
  if (p.kind !== 'coupon') return { reason: 'not_a_coupon', detail: 'an automatic promotion applies by itself; only coupon promotions go into wallets' };
  if (p.status !== 'active') return { reason: 'not_active', detail: `the promotion is ${p.status}` };
  if (p.ends_at !== null && p.ends_at <= now) return { reason: 'ended', detail: `the promotion ended at ${p.ends_at.toISOString()}` };
  return undefined;
}

function holderRefusal(p: Promotion, h: { available: number; total: number }, issued: number): { reason: IssueRefusal; detail: string } | undefined {
  if (p.issue_limit !== null && issued >= p.issue_limit) return { reason: 'issue_limit_reached', detail: `all ${p.issue_limit} coupons are issued` };
  if (h.available > 0) return { reason: 'already_holds', detail: 'already holds an unused coupon of this promotion' };
  if (p.per_consumer_limit !== null && h.total >= p.per_consumer_limit) return { reason: 'per_consumer_limit', detail: `at most ${p.per_consumer_limit} per consumer, already received` };
  return undefined;
}

/** The coupons of this promotion each recipient holds now, read under the promotion's lock. */
async function holdings(trx: AnyTrx, p: Promotion, recipients: readonly Recipient[], hashes: readonly (string | null)[]): Promise<Map<string, { available: number; total: number }>> {
  const ids = recipients.map((r) => r.consumer_id).filter((id) => id !== null);
  const phones = hashes.filter((h) => h !== null);
  const rows = await sql<{ consumer_id: string | null; phone_hash: string | null; available: number; total: number }>`
    select consumer_id, case when consumer_id is null then phone_hash end as phone_hash, count(*) filter (where status = 'available')::int as available, count(*)::int as total
    from wallet_coupon
    where merchant_id = ${p.merchant_id} and promotion_id = ${p.id} and (consumer_id = any(${ids}::text[]) or (consumer_id is null and phone_hash = any(${phones}::text[])))
    group by 1, 2`.execute(trx);
  return new Map(rows.rows.map((r) => [holderKey(r.consumer_id, r.phone_hash), { available: r.available, total: r.total }]));
}

/** A wallet coupon is valid `wallet_valid_h` after it is issued, never past the promotion's end. */
function expiryOf(p: Promotion, now: Date): Date | null {
  const valid = p.wallet_valid_h === null ? null : new Date(now.getTime() + p.wallet_valid_h * 3_600_000);
  if (valid === null) return p.ends_at;
  return p.ends_at !== null && p.ends_at < valid ? p.ends_at : valid;
}

export function couponPayload(w: WalletCoupon) {
  return { wallet_coupon_id: w.id, promotion_id: w.promotion_id, consumer_id: w.consumer_id, source: w.source, location_id: w.location_id, device_id: w.device_id, expires_at: w.expires_at?.toISOString() ?? null };
}

/**
 * Coupons won by this consumer's phone while no single account had it join their wallet when
 * they open it or claim: the account signed up with the phone takes them at once
 * (`pendingCouponHandlers`); this catches a phone added to an account later, or one that several
 * accounts gave. Phones on accounts are not verified; a coupon is a small thing, and the
 * alternative (coupons nobody can ever use) is worse.
 */
export async function attachPendingCoupons(db: AnyDb, merchant_id: string, consumer: { id: string; phone: string | null }): Promise<number> {
  const phone_hash = consumer.phone === null ? undefined : storedIdentifier('phone', consumer.phone)?.value;
  if (phone_hash === undefined) return 0;
  const result = await sql`update wallet_coupon set consumer_id = ${consumer.id} where merchant_id = ${merchant_id} and consumer_id is null and phone_hash = ${phone_hash}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** A new account with a phone takes the coupons that phone won at any brand's screen before it had one. */
export function pendingCouponHandlers(db: AnyDb): EventHandler[] {
  return [
    onEvents(consumerRegistered, 'promotions.attach_pending_coupons', async (events) => {
      const accounts = await accountsByIds(db, events.map((e) => e.payload.consumer_id));
      const owners = [...accounts].map(([id, a]) => ({ id, phone_hash: a.phone === null ? undefined : storedIdentifier('phone', a.phone)?.value })).filter((o) => o.phone_hash !== undefined);
      if (owners.length === 0) return;
      await sql`update wallet_coupon w set consumer_id = v.id from unnest(${owners.map((o) => o.id)}::text[], ${owners.map((o) => o.phone_hash)}::text[]) as v(id, phone_hash)
        where w.consumer_id is null and w.phone_hash = v.phone_hash`.execute(db);
    }),
  ];
}

export interface WalletEntry {
  coupon: WalletCoupon;
  promotion: Promotion;
}

/** The consumer's coupons from this merchant, soonest expiry first (those that never expire last), the available ones before the rest. */
export async function walletOf(db: AnyDb, merchant_id: string, consumer_id: string, limit: number): Promise<WalletEntry[]> {
  const rows = await sql<WalletCoupon & { promotion: Promotion }>`
    select w.*, to_jsonb(p) as promotion from wallet_coupon w join promotion p on p.merchant_id = w.merchant_id and p.id = w.promotion_id
    where w.merchant_id = ${merchant_id} and w.consumer_id = ${consumer_id}
    order by (w.status = 'available') desc, w.expires_at asc nulls last, w.id
    limit ${limit}`.execute(db);
  return rows.rows.map(({ promotion, ...coupon }) => ({ coupon, promotion: revivePromotion(promotion) }));
}

/** A promotion row read through `to_jsonb`: its dates and big amounts back to their types. */
function revivePromotion(p: Promotion): Promotion {
  const date = (d: unknown) => (d === null ? null : new Date(d as string));
  return { ...p, starts_at: date(p.starts_at), ends_at: date(p.ends_at), created_at: new Date(p.created_at), updated_at: new Date(p.updated_at), spent_minor: BigInt(p.spent_minor), budget_minor: p.budget_minor === null ? null : BigInt(p.budget_minor) };
}
