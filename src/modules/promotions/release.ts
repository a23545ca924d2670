import { sql } from 'kysely';
import type { AnyTrx } from '../../kernel/db.js';
import { publishEach } from '../../kernel/events/outbox.js';
import type { OrderTransitionHook } from '../orders/index.js';
import { promotionReleased } from './events.js';

/**
 * Gives redemptions back when their orders end without a sale, inside the order's transaction (a
 * hook on the order state machine): an order closed unpaid or cancelled always gives its share
 * back; a refunded order does when its promotion says so (`refund_returns_redemption`). The
 * order's discount rows are marked released and their money returns to the budget; once every
 * order of a checkout's redemption is given back, the redemption itself is released: the
 * promotion's count, the consumer's and the day's usage, the code's use, and the wallet coupon
 * (available again unless it expired). The promotions are locked in key order, after the order's
 * stock (the checkout batch takes stock, then promotions, in the same order), so the two never deadlock.
 */
export const releaseRedemptions: OrderTransitionHook = async (trx, transitions) => {
  const ending = transitions.filter((t) => t.order.status === 'closed' || t.order.status === 'refunded');
  if (ending.length === 0) return;
  const rows = await sql<{ merchant_id: string; order_id: string; promotion_merchant_id: string; promotion_id: string; redemption_id: string; amount: string; refund_returns_redemption: boolean }>`
    select d.merchant_id, d.order_id, d.promotion_merchant_id, d.promotion_id, d.redemption_id, sum(d.amount_minor)::text as amount, p.refund_returns_redemption
    from order_discount d join promotion p on p.merchant_id = d.promotion_merchant_id and p.id = d.promotion_id
    where (d.merchant_id, d.order_id) in (select * from unnest(${ending.map((t) => t.order.merchant_id)}::text[], ${ending.map((t) => t.order.id)}::text[])) and not d.released
    group by d.merchant_id, d.order_id, d.promotion_merchant_id, d.promotion_id, d.redemption_id, p.refund_returns_redemption`.execute(trx);
  const statusOf = new Map(ending.map((t) => [`${t.order.merchant_id}|${t.order.id}`, t.order.status]));
  const giving = rows.rows.filter((r) => statusOf.get(`${r.merchant_id}|${r.order_id}`) === 'closed' || r.refund_returns_redemption);
  if (giving.length === 0) return;
  await releaseShares(trx, giving.map((g) => ({ ...g, amount: BigInt(g.amount), reason: statusOf.get(`${g.merchant_id}|${g.order_id}`) === 'closed' ? 'order closed' : 'order refunded' })));
};

interface Share {
  merchant_id: string;
  order_id: string;
  promotion_merchant_id: string;
  promotion_id: string;
  redemption_id: string;
  amount: bigint;
  reason: string;
}

async function releaseShares(trx: AnyTrx, shares: readonly Share[]): Promise<void> {
  const promos = [...new Map(shares.map((s) => [`${s.promotion_merchant_id}|${s.promotion_id}`, s])).values()].sort((a, b) => (`${a.promotion_merchant_id}|${a.promotion_id}` < `${b.promotion_merchant_id}|${b.promotion_id}` ? -1 : 1));
  await sql`select 1 from promotion where (merchant_id, id) in (select * from unnest(${promos.map((p) => p.promotion_merchant_id)}::text[], ${promos.map((p) => p.promotion_id)}::text[])) order by merchant_id, id for update`.execute(trx);
  await sql`update order_discount d set released = true
    from unnest(${shares.map((s) => s.merchant_id)}::text[], ${shares.map((s) => s.order_id)}::text[], ${shares.map((s) => s.redemption_id)}::text[]) as v(merchant_id, order_id, redemption_id)
    where d.merchant_id = v.merchant_id and d.order_id = v.order_id and d.redemption_id = v.redemption_id`.execute(trx);
  // Per redemption: the money back, one order fewer alive, released at none.
  const byRedemption = new Map<string, { merchant_id: string; id: string; amount: bigint; orders: number; reason: string }>();
  for (const s of shares) {
    const k = `${s.promotion_merchant_id}|${s.redemption_id}`;
    const r = byRedemption.get(k) ?? { merchant_id: s.promotion_merchant_id, id: s.redemption_id, amount: 0n, orders: 0, reason: s.reason };
    r.amount += s.amount;
    r.orders += 1;
    byRedemption.set(k, r);
  }
  const rr = [...byRedemption.values()];
  const updated = await sql<{ merchant_id: string; id: string; promotion_id: string; checkout_id: string; consumer_key: string | null; code: string | null; wallet_coupon_id: string | null; day: string; released_now: string; status: string }>`
    update promotion_redemption r set released_minor = r.released_minor + v.amount, live_orders = r.live_orders - v.orders,
      status = case when r.live_orders - v.orders = 0 then 'released' else r.status end,
      released_at = case when r.live_orders - v.orders = 0 then now() else r.released_at end,
      release_reason = case when r.live_orders - v.orders = 0 then v.reason else r.release_reason end
    from unnest(${rr.map((r) => r.merchant_id)}::text[], ${rr.map((r) => r.id)}::text[], ${rr.map((r) => r.amount.toString())}::bigint[], ${rr.map((r) => r.orders)}::int[], ${rr.map((r) => r.reason)}::text[]) as v(merchant_id, id, amount, orders, reason)
    where r.merchant_id = v.merchant_id and r.id = v.id
    returning r.merchant_id, r.id, r.promotion_id, r.checkout_id, r.consumer_key, r.code, r.wallet_coupon_id, r.day, v.amount::text as released_now, r.status`.execute(trx);
  const done = updated.rows.filter((r) => r.status === 'released');
  // The promotions' counters: money back for every share, a redemption back for each released.
  const perPromotion = new Map<string, { merchant_id: string; id: string; n: number; amount: bigint }>();
  for (const r of updated.rows) {
    const k = `${r.merchant_id}|${r.promotion_id}`;
    const p = perPromotion.get(k) ?? { merchant_id: r.merchant_id, id: r.promotion_id, n: 0, amount: 0n };
    p.amount += BigInt(r.released_now);
    if (r.status === 'released') p.n += 1;
    perPromotion.set(k, p);
  }
  const pp = [...perPromotion.values()];
  await sql`update promotion p set redemptions = p.redemptions - v.n, spent_minor = p.spent_minor - v.amount, updated_at = now()
    from unnest(${pp.map((x) => x.merchant_id)}::text[], ${pp.map((x) => x.id)}::text[], ${pp.map((x) => x.n)}::int[], ${pp.map((x) => x.amount.toString())}::bigint[]) as v(merchant_id, id, n, amount)
    where p.merchant_id = v.merchant_id and p.id = v.id`.execute(trx);
  if (done.length === 0) return;
  const usage = done.flatMap((r) => [`d:${r.day}`, ...(r.consumer_key === null ? [] : [r.consumer_key])].map((usage_key) => ({ merchant_id: r.merchant_id, promotion_id: r.promotion_id, usage_key })));
  await sql`update promotion_usage u set redemptions = u.redemptions - 1
    from unnest(${usage.map((u) => u.merchant_id)}::text[], ${usage.map((u) => u.promotion_id)}::text[], ${usage.map((u) => u.usage_key)}::text[]) as v(merchant_id, promotion_id, usage_key)
    where u.merchant_id = v.merchant_id and u.promotion_id = v.promotion_id and u.usage_key = v.usage_key and u.redemptions > 0`.execute(trx);
  const codes = done.filter((r) => r.code !== null);
  if (codes.length > 0) {
    await sql`update coupon_code c set uses = c.uses - 1 from unnest(${codes.map((r) => r.merchant_id)}::text[], ${codes.map((r) => r.code)}::text[]) as v(merchant_id, code)
      where c.merchant_id = v.merchant_id and c.code = v.code and c.uses > 0`.execute(trx);
  }
  const wallets = done.filter((r) => r.wallet_coupon_id !== null);
  if (wallets.length > 0) {
    await sql`update wallet_coupon w set status = case when w.expires_at is not null and w.expires_at <= now() then 'expired' else 'available' end, used_at = null, checkout_id = null
      from unnest(${wallets.map((r) => r.merchant_id)}::text[], ${wallets.map((r) => r.wallet_coupon_id)}::text[]) as v(merchant_id, id)
      where w.merchant_id = v.merchant_id and w.id = v.id and w.status = 'used'`.execute(trx);
  }
  await publishEach(
    trx,
    promotionReleased,
    done.map((r) => ({ merchant_id: r.merchant_id, payload: { promotion_id: r.promotion_id, redemption_id: r.id, checkout_id: r.checkout_id, consumer_id: r.consumer_key?.startsWith('c:') === true ? r.consumer_key.slice(2) : null, reason: byRedemption.get(`${r.merchant_id}|${r.id}`)!.reason, released_minor: Number(r.released_now) } })),
  );
}
