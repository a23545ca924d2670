import { sql } from 'kysely';
import { inTransaction, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publishEach } from '../../kernel/events/outbox.js';
import { accountsByIds } from '../accounts/index.js';
import { ingestEvents } from '../databank/index.js';
import { couponBankEvent } from './bank.js';
import { couponExpired } from './events.js';
import type { Promotion } from './promotions.js';
import type { WalletCoupon } from './tables.js';
import { couponPayload } from './wallet.js';

/** Coupons expired per transaction; a backlog is worked through batch after batch. */
export const expiry_batch_max = 500;
/** Batches per run, so one run of the maintenance task stays short; the next run goes on. */
const expiry_batches_per_run_max = 20;

/**
 * Marks available wallet coupons past their expiry as expired, publishes `coupon.expired` and
 * records `Coupon Expired` in the brand's data bank, a batch per transaction. `skip locked`
 * leaves a coupon a checkout is redeeming right now to that checkout (it checks the expiry
 * itself), and lets several server processes expire side by side. Returns how many expired.
 */
export async function expireWalletCoupons(db: AnyDb, now = new Date()): Promise<number> {
  let expired = 0;
  for (let batch = 0; batch < expiry_batches_per_run_max; batch += 1) {
    const n = await inTransaction(db, (trx) => expireBatch(trx, now));
    expired += n;
    if (n < expiry_batch_max) break;
  }
  return expired;
}

async function expireBatch(trx: AnyTrx, now: Date): Promise<number> {
  const rows = (
    await sql<WalletCoupon>`update wallet_coupon w set status = 'expired'
      from (select merchant_id, id from wallet_coupon where status = 'available' and expires_at is not null and expires_at <= ${now} order by expires_at limit ${expiry_batch_max} for update skip locked) due
      where w.merchant_id = due.merchant_id and w.id = due.id
      returning w.*`.execute(trx)
  ).rows;
  if (rows.length === 0) return 0;
  await publishEach(trx, couponExpired, rows.map((w) => ({ merchant_id: w.merchant_id, payload: couponPayload(w) })));
  const promotions = await promotionsOf(trx, rows);
  const accounts = await accountsByIds(trx, rows.map((w) => w.consumer_id).filter((id) => id !== null));
  const bank = rows
    .map((w) => {
      const account = w.consumer_id === null ? undefined : accounts.get(w.consumer_id);
      // A coupon still waiting for its owner is filed under the phone's hash, as the bank files phones.
      return couponBankEvent(w, promotions.get(`${w.merchant_id}|${w.promotion_id}`)!, 'expired', { email: account?.email, phone_hash: w.phone_hash ?? undefined });
    })
    .filter((e) => e !== undefined);
  if (bank.length > 0) await ingestEvents(trx, bank);
  return rows.length;
}

async function promotionsOf(trx: AnyDb, rows: readonly WalletCoupon[]): Promise<Map<string, Promotion>> {
  const pairs = [...new Map(rows.map((w) => [`${w.merchant_id}|${w.promotion_id}`, w])).values()];
  const found = await sql<Promotion>`select * from promotion where (merchant_id, id) in (select * from unnest(${pairs.map((w) => w.merchant_id)}::text[], ${pairs.map((w) => w.promotion_id)}::text[]))`.execute(trx);
  return new Map(found.rows.map((p) => [`${p.merchant_id}|${p.id}`, p]));
}
