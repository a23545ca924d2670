import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

/**
 * The promotions' invariants, from the rows themselves: no limit or budget passed, every counter
 * equal to the redemptions behind it, every order's discount equal to its shares, and every
 * redemption of a closed order given back.
 */
export const checks: readonly InvariantCheck[] = [
  {
    name: 'promotions.within_limits',
    description: 'no promotion has more redemptions than its limit, more spent than its budget, a consumer or a day over its limit, or a code used more than allowed',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'promotion ' || id || ': ' || redemptions || ' redemptions, limit ' || max_redemptions as line from promotion where max_redemptions is not null and redemptions > max_redemptions
        union all select 'promotion ' || id || ': spent ' || spent_minor || ', budget ' || budget_minor from promotion where budget_minor is not null and spent_minor > budget_minor
        union all select 'promotion ' || p.id || ': ' || u.usage_key || ' used ' || u.redemptions || ', limit ' || p.per_consumer_limit from promotion_usage u join promotion p on p.merchant_id = u.merchant_id and p.id = u.promotion_id
          where u.usage_key not like 'd:%' and p.per_consumer_limit is not null and u.redemptions > p.per_consumer_limit
        union all select 'promotion ' || p.id || ': ' || u.usage_key || ' used ' || u.redemptions || ', limit ' || p.per_day_limit from promotion_usage u join promotion p on p.merchant_id = u.merchant_id and p.id = u.promotion_id
          where u.usage_key like 'd:%' and p.per_day_limit is not null and u.redemptions > p.per_day_limit
        union all select 'code ' || code || ': used ' || uses || ' of ' || uses_max from coupon_code where uses_max is not null and uses > uses_max
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'promotions.counters_match_redemptions',
    description: 'each promotion’s redemptions and spending, each consumer’s and day’s usage and each code’s uses equal the redemptions held behind them',
    async run(db) {
      const rows = await sql<{ line: string }>`
        with held as (
          select merchant_id, promotion_id, count(*) filter (where status = 'held') as n, coalesce(sum(amount_minor - released_minor), 0) as spent
          from promotion_redemption group by merchant_id, promotion_id
        )
        select 'promotion ' || p.id || ': counts ' || p.redemptions || ' redemptions and ' || p.spent_minor || ' spent, its redemptions hold ' || coalesce(h.n, 0) || ' and ' || coalesce(h.spent, 0) as line
          from promotion p left join held h on h.merchant_id = p.merchant_id and h.promotion_id = p.id
          where p.redemptions <> coalesce(h.n, 0) or p.spent_minor <> coalesce(h.spent, 0)
        union all
        select 'promotion ' || u.promotion_id || ': usage ' || u.usage_key || ' counts ' || u.redemptions || ', its redemptions ' || coalesce(r.n, 0)
          from promotion_usage u left join lateral (
            select count(*) as n from promotion_redemption r where r.merchant_id = u.merchant_id and r.promotion_id = u.promotion_id and r.status = 'held'
              and (case when u.usage_key like 'd:%' then 'd:' || r.day else r.consumer_key end) = u.usage_key) r on true
          where u.redemptions <> coalesce(r.n, 0)
        union all
        select 'code ' || c.code || ': counts ' || c.uses || ' uses, its redemptions ' || (select count(*) from promotion_redemption r where r.merchant_id = c.merchant_id and r.code = c.code and r.status = 'held')
          from coupon_code c where c.uses <> (select count(*) from promotion_redemption r where r.merchant_id = c.merchant_id and r.code = c.code and r.status = 'held')
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'promotions.order_discounts_add_up',
    description: 'each order’s discount equals its promotions’ shares, each line’s discount its shares on that line, and each redemption the shares of its orders',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'order ' || o.id || ': discount ' || o.discount_minor || ', its promotions’ shares ' || coalesce(sum(d.amount_minor), 0) as line
          from sales_order o left join order_discount d on d.merchant_id = o.merchant_id and d.order_id = o.id
          group by o.merchant_id, o.id, o.discount_minor having o.discount_minor <> coalesce(sum(d.amount_minor), 0)
        union all
        select 'order ' || l.order_id || ' line ' || l.line_no || ': discount ' || l.discount_minor || ', shares ' || coalesce(sum(d.amount_minor), 0)
          from order_line l left join order_discount d on d.merchant_id = l.merchant_id and d.order_id = l.order_id and d.line_no = l.line_no
          group by l.merchant_id, l.order_id, l.line_no, l.discount_minor having l.discount_minor <> coalesce(sum(d.amount_minor), 0)
        union all
        select 'redemption ' || r.id || ': gave ' || r.amount_minor || ', its orders’ shares ' || coalesce(sum(d.amount_minor), 0)
          from promotion_redemption r left join order_discount d on d.promotion_merchant_id = r.merchant_id and d.redemption_id = r.id
          group by r.merchant_id, r.id, r.amount_minor having r.amount_minor <> coalesce(sum(d.amount_minor), 0)
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'promotions.released_match_closed_orders',
    description: 'every discount of a closed order is given back, no discount of a live order is, and a redemption is released exactly when none of its orders is live',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'order ' || o.id || ' is ' || o.status || ' but its discount from ' || d.promotion_id || ' is ' || case when d.released then 'released' else 'still held' end as line
          from order_discount d join sales_order o on o.merchant_id = d.merchant_id and o.id = d.order_id
          where (o.status = 'closed' and not d.released) or (o.status not in ('closed', 'refunded') and d.released)
        union all
        select 'redemption ' || r.id || ' is ' || r.status || ' with ' || r.live_orders || ' live orders; its unreleased shares are in ' || count(distinct d.order_id) filter (where not d.released) || ' orders'
          from promotion_redemption r left join order_discount d on d.promotion_merchant_id = r.merchant_id and d.redemption_id = r.id
          group by r.merchant_id, r.id, r.status, r.live_orders
          having r.live_orders <> count(distinct d.order_id) filter (where not d.released) or (r.status = 'released') <> (r.live_orders = 0)
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
];
