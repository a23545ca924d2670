import { sql } from 'kysely';
import type { AnyDb } from '../../../kernel/db.js';
import { describe, newcombeDifference, relativeLift, welchDifference, type Interval } from './stats.js';

/**
 * A campaign's results, per arm (treatment, control), from the tables that record what happened:
 * - enrolled: campaign_enrolment;
 * - reached, suppressed by reason, opened, clicked: reach_send rows of the campaign (consumers,
 *   not messages, except `messages`);
 * - converted, orders, sales: the data bank's `Order Paid` events of the enrolled consumer (merged
 *   profiles count as the one they merged into) from entering until `conversion_days` later;
 * - coupons redeemed: promotion redemptions of the brand whose checkout became an order paid by an
 *   enrolled consumer after entering (the checkout → order → `Order Paid` event link names the
 *   consumer; redemptions keep only a masked consumer key).
 * Lift compares the arms: conversion difference with Newcombe's hybrid score interval, relative
 * lift with Katz's log interval, sales per enrolled consumer with Welch's interval.
 */
export type Arm = 'treatment' | 'control';

export interface ArmResults {
  enrolled: number;
  reached: number;
  messages_sent: number;
  suppressed: Record<string, number>;
  opened: number;
  clicked: number;
  coupons_redeemed: number;
  coupon_discount_minor: number;
  converted: number;
  orders: number;
  sales_minor: number;
  conversion_rate: number | null;
  sales_per_consumer_minor: number | null;
}

export interface CampaignResults {
  campaign_id: string;
  name: string;
  status: string;
  conversion_days: number;
  currency: string | null;
  arms: Record<Arm, ArmResults>;
  lift: {
    conversion: Interval | null;
    relative_conversion: Interval | null;
    sales_per_consumer_minor: (Interval & { df: number | null }) | null;
    significant: boolean | null;
    verdict: string;
  };
}

const emptyArm = (): ArmResults => ({
  enrolled: 0,
  reached: 0,
  messages_sent: 0,
  suppressed: {},
  opened: 0,
  clicked: 0,
  coupons_redeemed: 0,
  coupon_discount_minor: 0,
  converted: 0,
  orders: 0,
  sales_minor: 0,
  conversion_rate: null,
  sales_per_consumer_minor: null,
});

/** Undefined when the merchant has no such campaign. */
export async function campaignResults(db: AnyDb, merchant_id: string, campaign_id: string): Promise<CampaignResults | undefined> {
  const campaign = (
    await sql<{ name: string; status: string; conversion_days: number }>`
      select name, status, conversion_days from campaign where merchant_id = ${merchant_id} and id = ${campaign_id}`.execute(db)
  ).rows[0];
  if (campaign === undefined) return undefined;

  // The enrolled consumers, each with the profile their events now file under.
  const enrolled = sql`
    select en.profile_id, en.arm, en.entered_at, coalesce(p.merged_into, en.profile_id) as root
      from campaign_enrolment en
      left join cdp_profile p on p.merchant_id = en.merchant_id and p.id = en.profile_id
     where en.merchant_id = ${merchant_id} and en.campaign_id = ${campaign_id}`;

  // The currency most of the brand's paid orders are in: sales of other currencies are not added to it.
  const currency =
    (
      await sql<{ currency: string }>`
        select e.properties->>'currency' as currency
          from (${enrolled}) en
          join cdp_profile p on p.merchant_id = ${merchant_id} and coalesce(p.merged_into, p.id) = en.root
          join cdp_event e on e.merchant_id = ${merchant_id} and e.profile_id = p.id and lower(e.event) = 'order paid'
         where e.properties->>'currency' is not null
         group by 1 order by count(*) desc, 1 limit 1`.execute(db)
    ).rows[0]?.currency ?? null;

  const perConsumer = await sql<{ arm: Arm; profile_id: string; orders: number; sales_minor: string }>`
    with en as (${enrolled})
    select en.arm, en.profile_id, count(o.id)::int as orders, coalesce(sum(o.amount_minor), 0)::text as sales_minor
      from en
      left join lateral (
        select e.id, (e.properties->>'amount_minor')::bigint as amount_minor
          from cdp_profile p
          join cdp_event e on e.merchant_id = p.merchant_id and e.profile_id = p.id
         where p.merchant_id = ${merchant_id} and coalesce(p.merged_into, p.id) = en.root
           and lower(e.event) = 'order paid'
           and e.occurred_at >= en.entered_at and e.occurred_at < en.entered_at + make_interval(days => ${campaign.conversion_days})
           and (${currency}::text is null or e.properties->>'currency' = ${currency})
           and coalesce(e.properties->>'amount_minor', '') ~ '^[0-9]+$'
      ) o on true
     group by 1, 2`.execute(db);

  const sends = await sql<{ arm: Arm; reached: number; messages: number; opened: number; clicked: number }>`
    with en as (${enrolled})
    select en.arm,
           count(distinct s.profile_id) filter (where s.status in ('sent', 'delivered'))::int as reached,
           count(*) filter (where s.status in ('sent', 'delivered'))::int as messages,
           count(distinct s.profile_id) filter (where s.opened_at is not null)::int as opened,
           count(distinct s.profile_id) filter (where s.clicked_at is not null)::int as clicked
      from reach_send s join en on en.profile_id = s.profile_id
     where s.merchant_id = ${merchant_id} and s.campaign_id = ${campaign_id}
     group by 1`.execute(db);

  const suppressed = await sql<{ arm: Arm; reason: string; n: number }>`
    with en as (${enrolled})
    select en.arm, s.reason, count(distinct s.profile_id)::int as n
      from reach_send s join en on en.profile_id = s.profile_id
     where s.merchant_id = ${merchant_id} and s.campaign_id = ${campaign_id} and s.status = 'suppressed'
     group by 1, 2`.execute(db);

  const coupons = await sql<{ arm: Arm; n: number; discount_minor: string }>`
    with en as (${enrolled})
    select arm, count(*)::int as n, coalesce(sum(amount_minor), 0)::text as discount_minor from (
      select distinct en.arm, r.id, r.amount_minor
        from en
        join cdp_profile p on p.merchant_id = ${merchant_id} and coalesce(p.merged_into, p.id) = en.root
        join cdp_event e on e.merchant_id = ${merchant_id} and e.profile_id = p.id and lower(e.event) = 'order paid'
        join sales_order o on o.id = e.properties->>'order_id' and o.merchant_id = e.merchant_id
        join promotion_redemption r on r.merchant_id = ${merchant_id} and r.checkout_id = o.checkout_id and r.created_at >= en.entered_at
    ) redeemed
     group by 1`.execute(db);

  const arms: Record<Arm, ArmResults> = { treatment: emptyArm(), control: emptyArm() };
  const salesOf: Record<Arm, number[]> = { treatment: [], control: [] };
  for (const r of perConsumer.rows) {
    const arm = arms[r.arm];
    arm.enrolled += 1;
    arm.orders += r.orders;
    if (r.orders > 0) arm.converted += 1;
    arm.sales_minor += Number(r.sales_minor);
    salesOf[r.arm].push(Number(r.sales_minor));
  }
  for (const r of sends.rows) Object.assign(arms[r.arm], { reached: r.reached, messages_sent: r.messages, opened: r.opened, clicked: r.clicked });
  for (const r of suppressed.rows) arms[r.arm].suppressed[r.reason] = r.n;
  // One checkout's redemption may reach several orders (one per seller); count it once.
  for (const r of coupons.rows) Object.assign(arms[r.arm], { coupons_redeemed: r.n, coupon_discount_minor: Number(r.discount_minor) });
  for (const arm of Object.values(arms)) {
    arm.conversion_rate = arm.enrolled === 0 ? null : arm.converted / arm.enrolled;
    arm.sales_per_consumer_minor = arm.enrolled === 0 ? null : arm.sales_minor / arm.enrolled;
  }

  const t = arms.treatment;
  const c = arms.control;
  const conversion = t.enrolled > 0 && c.enrolled > 0 ? newcombeDifference(t.converted, t.enrolled, c.converted, c.enrolled) : null;
  const relative = relativeLift(t.converted, t.enrolled, c.converted, c.enrolled);
  const sales = salesOf.treatment.length >= 2 && salesOf.control.length >= 2 ? welchDifference(describe(salesOf.treatment), describe(salesOf.control)) : null;
  const significant = conversion === null ? null : conversion.low > 0 || conversion.high < 0;
  return {
    campaign_id,
    name: campaign.name,
    status: campaign.status,
    conversion_days: campaign.conversion_days,
    currency,
    arms,
    lift: {
      conversion,
      relative_conversion: relative,
      sales_per_consumer_minor: sales === null ? null : { estimate: sales.estimate, low: sales.low, high: sales.high, df: sales.df },
      significant,
      verdict: verdictOf(conversion, t, c),
    },
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const points = (x: number) => `${(x * 100).toFixed(1)} points`;

function verdictOf(conversion: Interval | null, t: ArmResults, c: ArmResults): string {
  if (conversion === null) {
    return t.enrolled === 0 ? 'No one has entered the treatment group yet.' : 'There is no control group to compare with, so the campaign’s lift cannot be measured.';
  }
  const range = `(95% interval ${points(conversion.low)} to ${points(conversion.high)})`;
  const rates = `${pct(t.conversion_rate ?? 0)} of the treatment group converted against ${pct(c.conversion_rate ?? 0)} of the control group`;
  if (conversion.low > 0) return `The campaign raised conversion by ${points(conversion.estimate)} ${range}: ${rates}.`;
  if (conversion.high < 0) return `The campaign lowered conversion by ${points(-conversion.estimate)} ${range}: ${rates}.`;
  return `No clear lift: ${rates}; the difference of ${points(conversion.estimate)} ${range} could be chance.`;
}
