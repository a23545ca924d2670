import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import type { PromotionRedemptionTable } from './tables.js';

/**
 * A promotion's redemptions, newest first, for the marketing manager's "who used it, on which
 * orders, for how much": each with the orders it discounted (order_discount) and what closed
 * orders gave back.
 */
export type Redemption = Omit<PromotionRedemptionTable, 'created_at' | 'live_orders' | 'day'> & { created_at: Date; order_ids: string[] };

export async function listRedemptions(db: AnyDb, merchant_id: string, promotion_id: string, options: { before_id?: string | undefined; limit: number }): Promise<Redemption[]> {
  const rows = await sql<Omit<Redemption, 'amount_minor' | 'released_minor'> & { amount_minor: string; released_minor: string }>`
    select r.merchant_id, r.id, r.promotion_id, r.checkout_id, r.consumer_key, r.code, r.wallet_coupon_id, r.amount_minor::text, r.released_minor::text,
      r.status, r.released_at, r.release_reason, r.created_at,
      coalesce((select array_agg(distinct d.order_id order by d.order_id) from order_discount d where d.promotion_merchant_id = r.merchant_id and d.redemption_id = r.id), '{}') as order_ids
    from promotion_redemption r
    where r.merchant_id = ${merchant_id} and r.promotion_id = ${promotion_id} ${options.before_id === undefined ? sql`` : sql`and r.id < ${options.before_id}`}
    order by r.id desc limit ${options.limit}`.execute(db);
  return rows.rows.map((r) => ({ ...r, amount_minor: BigInt(r.amount_minor), released_minor: BigInt(r.released_minor) }));
}

/**
 * Enough of a buyer's key to see the same buyer twice in a list, not to find out who they are:
 * the kind (`c` a signed-in consumer, `e` a guest's email, kept only as its hash) and a few
 * characters of it.
 */
export function maskConsumerKey(key: string | null): string | null {
  if (key === null) return null;
  const [kind, value = ''] = key.split(/:(.*)/s);
  return kind === 'c' ? `c:…${value.slice(-6)}` : `${kind}:${value.slice(0, 6)}…`;
}
