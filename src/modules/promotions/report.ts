import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import { localDay } from '../../kernel/time-zone.js';
import { merchantTimeZone } from '../merchants/index.js';
import { walletSources, type WalletSource } from './tables.js';

/**
 * A promotion's report for its merchant's marketing manager: what the wallet coupons of each
 * source became (so a coupon won at a store's screen can be compared with one pushed or
 * claimed), the redemptions and discount money per day in the merchant's own days (held, or
 * given back by closed orders), and the orders and revenue that carried the discount.
 * Two statements, on the promotion's indexes (redemptions by promotion and day, order
 * discounts by redemption, wallet coupons by promotion and source).
 */
export const report_days_max = 366;
const default_days = 30;

export interface SourceFigures {
  source: WalletSource;
  issued: number;
  available: number;
  redeemed: number;
  expired: number;
  /** redeemed ÷ issued; null when none was issued. */
  redemption_rate: number | null;
}

export interface DayFigures {
  day: string;
  redemptions: number;
  released: number;
  discount_minor: number;
  released_minor: number;
}

export interface PromotionReport {
  promotion_id: string;
  currency: string;
  time_zone: string;
  from: string;
  to: string;
  wallet: SourceFigures[];
  redemptions: { total: number; held: number; released: number; by_code: number; by_wallet: number; automatic: number; discount_minor: number; released_minor: number; net_discount_minor: number };
  daily: DayFigures[];
  orders: { orders: number; closed: number; revenue_minor: number; kept_revenue_minor: number; discount_minor: number };
}

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / 86_400_000;
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** The window of days asked for, in the merchant's calendar: the last 30 days unless told, at most a year. */
export function reportWindow(query: { from?: string | undefined; to?: string | undefined }, today: string): { from: string; to: string } {
  const to = query.to ?? today;
  const from = query.from ?? addDays(to, -(default_days - 1));
  const errors = [];
  if (!dayPattern.test(from) || Number.isNaN(dayNumber(from))) errors.push({ field: 'from', location: 'query' as const, message: 'must be a day, YYYY-MM-DD' });
  if (!dayPattern.test(to) || Number.isNaN(dayNumber(to))) errors.push({ field: 'to', location: 'query' as const, message: 'must be a day, YYYY-MM-DD' });
  if (errors.length === 0 && dayNumber(to) < dayNumber(from)) errors.push({ field: 'to', location: 'query' as const, message: 'must not be before from' });
  if (errors.length === 0 && dayNumber(to) - dayNumber(from) + 1 > report_days_max) errors.push({ field: 'from', location: 'query' as const, message: `the window is at most ${report_days_max} days` });
  if (errors.length > 0) throw problems.validation(errors);
  return { from, to };
}

/** The report of one of the merchant's promotions, or undefined when the merchant has no such promotion. */
export async function promotionReport(db: AnyDb, merchant_id: string, promotion_id: string, query: { from?: string | undefined; to?: string | undefined }): Promise<PromotionReport | undefined> {
  const time_zone = await merchantTimeZone(db, merchant_id);
  const { from, to } = reportWindow(query, localDay(new Date(), time_zone));
  const found = await sql<{ currency: string; redemptions: Omit<PromotionReport['redemptions'], 'net_discount_minor'> | null; daily: DayFigures[]; orders: PromotionReport['orders'] }>`
    with p as (select id, currency from promotion where merchant_id = ${merchant_id} and id = ${promotion_id}),
    r as (
      select r.id, r.amount_minor, r.released_minor, r.status, r.code, r.wallet_coupon_id, (r.created_at at time zone ${time_zone})::date as day
      from promotion_redemption r
      where r.merchant_id = ${merchant_id} and r.promotion_id = ${promotion_id}
        and r.created_at >= (${from}::date)::timestamp at time zone ${time_zone}
        and r.created_at < ((${to}::date) + 1)::timestamp at time zone ${time_zone}
    ),
    per_day as (
      select day, count(*)::int as redemptions, (count(*) filter (where status = 'released'))::int as released, sum(amount_minor) as discount_minor, sum(released_minor) as released_minor
      from r group by day
    ),
    o as (
      select od.merchant_id, od.order_id, sum(od.amount_minor) as discount_minor, bool_and(od.released) as closed
      from order_discount od join r on od.redemption_id = r.id
      where od.promotion_merchant_id = ${merchant_id} and od.promotion_id = ${promotion_id}
      group by od.merchant_id, od.order_id
    )
    select p.currency,
      (select json_build_object(
          'total', count(*), 'held', count(*) filter (where status = 'held'), 'released', count(*) filter (where status = 'released'),
          'by_code', count(*) filter (where code is not null), 'by_wallet', count(*) filter (where wallet_coupon_id is not null),
          'automatic', count(*) filter (where code is null and wallet_coupon_id is null),
          'discount_minor', coalesce(sum(amount_minor), 0), 'released_minor', coalesce(sum(released_minor), 0))
        from r) as redemptions,
      (select json_agg(json_build_object('day', to_char(d.day, 'YYYY-MM-DD'), 'redemptions', coalesce(x.redemptions, 0), 'released', coalesce(x.released, 0),
          'discount_minor', coalesce(x.discount_minor, 0), 'released_minor', coalesce(x.released_minor, 0)) order by d.day)
        from generate_series(${from}::date, ${to}::date, interval '1 day') as d(day) left join per_day x on x.day = d.day::date) as daily,
      (select json_build_object('orders', count(*), 'closed', count(*) filter (where o.closed),
          'revenue_minor', coalesce(sum(so.total_minor), 0), 'kept_revenue_minor', coalesce(sum(so.total_minor) filter (where not o.closed), 0),
          'discount_minor', coalesce(sum(o.discount_minor), 0))
        from o join sales_order so on so.merchant_id = o.merchant_id and so.id = o.order_id) as orders
    from p`.execute(db);
  const row = found.rows[0];
  if (row === undefined) return undefined;
  const wallet = await walletFigures(db, merchant_id, promotion_id, time_zone, from, to);
  const r = row.redemptions!;
  return { promotion_id, currency: row.currency, time_zone, from, to, wallet, redemptions: { ...r, net_discount_minor: r.discount_minor - r.released_minor }, daily: row.daily, orders: row.orders };
}

/** What the wallet coupons issued in the window became, per source; a coupon past its expiry counts as expired even before the expiry job marks it. */
async function walletFigures(db: AnyDb, merchant_id: string, promotion_id: string, time_zone: string, from: string, to: string): Promise<SourceFigures[]> {
  const rows = await sql<{ source: WalletSource; issued: number; available: number; redeemed: number; expired: number }>`
    select source, count(*)::int as issued,
      (count(*) filter (where status = 'available' and (expires_at is null or expires_at > now())))::int as available,
      (count(*) filter (where status = 'used'))::int as redeemed,
      (count(*) filter (where status = 'expired' or (status = 'available' and expires_at <= now())))::int as expired
    from wallet_coupon
    where merchant_id = ${merchant_id} and promotion_id = ${promotion_id}
      and claimed_at >= (${from}::date)::timestamp at time zone ${time_zone}
      and claimed_at < ((${to}::date) + 1)::timestamp at time zone ${time_zone}
    group by source`.execute(db);
  const bySource = new Map(rows.rows.map((r) => [r.source, r]));
  return walletSources.map((source) => {
    const r = bySource.get(source) ?? { issued: 0, available: 0, redeemed: 0, expired: 0 };
    return { source, issued: r.issued, available: r.available, redeemed: r.redeemed, expired: r.expired, redemption_rate: r.issued === 0 ? null : r.redeemed / r.issued };
  });
}
