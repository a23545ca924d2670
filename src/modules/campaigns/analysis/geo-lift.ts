import { sql } from 'kysely';
import type { AnyDb } from '../../../kernel/db.js';
import { problems } from '../../../kernel/problem.js';
import { merchantTimeZone } from '../../merchants/index.js';
import { describe, welchDifference } from './stats.js';

/**
 * Geo-time lift: did an event at a place (a pop-up store, a screen campaign) raise sales nearby
 * over the following days, and the online sales of the consumers seen there, more than in
 * comparable places over the same days? Two difference-in-differences estimates:
 *
 * (a) Store-area sales. An order belongs to a point: its delivery address when delivered, else
 *     the store or warehouse it is served from (`sales_order.location_id`). The treated area is
 *     everything within `radius_km` of the place; each matched area everything within `radius_km`
 *     of a matched store and outside the treated area. Per local day of the place, the treated
 *     area's sales minus the matched areas' mean sales; the estimate is that difference's mean
 *     over the `days_after` days from the event day on, less its mean over the `days_before` days
 *     before. Its interval is Welch's, over days (days taken as independent draws: a level shift
 *     shared by every area cancels, a trend of its own in one area does not).
 * (b) Online sales of the consumers seen. Consumers (merged profiles count as one) with a data
 *     bank event at a treated store on the event day (`properties.location_id`, the store-visit
 *     convention) against those seen at matched stores that day; per consumer, online sales (an
 *     `Order Paid` naming no location) over the `days_after` days after the event day less their
 *     own over the `days_after` days before it; the estimate is the treated mean less the
 *     matched mean, with Welch's interval over consumers.
 *
 * Sales are orders' totals (less refunds) in one currency, on the local day they were placed;
 * orders awaiting payment or closed are left out.
 */
export const geo_radius_km_max = 50;

export interface GeoLiftRequest {
  merchant_id: string;
  location_id?: string;
  latitude?: number;
  longitude?: number;
  event_date: string;
  radius_km: number;
  days_after: number;
  days_before: number;
  matched_location_ids?: readonly string[];
  currency?: string;
}

interface Store {
  id: string;
  code: string;
  name: string;
  latitude: number;
  longitude: number;
  timezone: string;
}

export interface DidEstimate {
  estimate: number;
  low: number | null;
  high: number | null;
  df: number | null;
  significant: boolean | null;
}

export interface GeoLiftResult {
  place: { location_id: string | null; name: string | null; latitude: number; longitude: number; time_zone: string };
  event_date: string;
  radius_km: number;
  currency: string | null;
  periods: { before: { first_day: string; last_day: string; days: number }; after: { first_day: string; last_day: string; days: number } };
  treated_stores: (Store & { distance_km: number })[];
  matched_stores: (Store & { distance_km: number })[];
  store_area: {
    /** Mean sales per day (minor units) in each period. */
    treated: { before_per_day_minor: number; after_per_day_minor: number };
    matched: { before_per_day_minor: number; after_per_day_minor: number; areas: number };
    /** Per day: treated sales − matched areas' mean, after less before. */
    did_per_day_minor: DidEstimate;
    /** The per-day estimate over the whole after period. */
    did_total_minor: number;
    /** The estimate relative to the treated area's sales per day before; null when it sold nothing. */
    relative: number | null;
    days: { day: string; period: 'before' | 'after'; treated_minor: number; matched_mean_minor: number }[];
  };
  online: {
    treated_consumers: number;
    matched_consumers: number;
    treated: { before_minor: number; after_minor: number };
    matched: { before_minor: number; after_minor: number };
    /** Per consumer: (after − before) of the treated less that of the matched. */
    did_per_consumer_minor: DidEstimate | null;
    periods: { before: { first_day: string; last_day: string }; after: { first_day: string; last_day: string } };
  };
  verdict: string;
}

const km = (a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }) => {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.latitude - a.latitude) * rad) / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(((b.longitude - a.longitude) * rad) / 2) ** 2;
  return 2 * 6_371.0088 * Math.asin(Math.sqrt(h));
};

/** The haversine distance in km between two SQL points, as km() works it out. */
const kmSql = (lat1: unknown, lng1: unknown, lat2: unknown, lng2: unknown) =>
  sql`(2 * 6371.0088 * asin(sqrt(power(sin(radians(${lat2} - ${lat1}) / 2), 2) + cos(radians(${lat1})) * cos(radians(${lat2})) * power(sin(radians(${lng2} - ${lng1}) / 2), 2))))`;

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

const did = (a: number[], b: number[]): DidEstimate => {
  const w = welchDifference(describe(a), describe(b));
  return { estimate: w.estimate, low: w.low, high: w.high, df: w.df, significant: w.low > 0 || w.high < 0 };
};

export async function geoLift(db: AnyDb, r: GeoLiftRequest): Promise<GeoLiftResult> {
  const stores = (
    await sql<Store>`select id, code, name, latitude, longitude, timezone from location where merchant_id = ${r.merchant_id} and kind = 'store' and active order by code`.execute(db)
  ).rows;
  let place: GeoLiftResult['place'];
  if (r.location_id !== undefined) {
    const l = (await sql<Store>`select id, code, name, latitude, longitude, timezone from location where merchant_id = ${r.merchant_id} and id = ${r.location_id}`.execute(db)).rows[0];
    if (l === undefined) throw problems.notFound('The location');
    place = { location_id: l.id, name: l.name, latitude: l.latitude, longitude: l.longitude, time_zone: l.timezone };
  } else {
    if (r.latitude === undefined || r.longitude === undefined) throw problems.validation([{ field: 'location_id', location: 'body', message: 'name a location_id, or a latitude and longitude' }]);
    place = { location_id: null, name: null, latitude: r.latitude, longitude: r.longitude, time_zone: await merchantTimeZone(db, r.merchant_id) };
  }
  const withDistance = stores.map((s) => ({ ...s, distance_km: Math.round(km(place, s) * 1000) / 1000 }));
  const treated = withDistance.filter((s) => s.distance_km <= r.radius_km || s.id === place.location_id);
  let matched: typeof withDistance;
  if (r.matched_location_ids !== undefined) {
    matched = [];
    for (const id of r.matched_location_ids) {
      const s = withDistance.find((x) => x.id === id);
      if (s === undefined) throw problems.notFound(`The store ${id}`);
      if (treated.some((t) => t.id === id)) throw problems.unprocessable('matched_store_inside_radius', `The matched store ${s.code} is within ${r.radius_km} km of the place, inside the area being measured`);
      matched.push(s);
    }
  } else {
    matched = withDistance.filter((s) => !treated.some((t) => t.id === s.id));
  }
  if (matched.length === 0) throw problems.unprocessable('no_matched_areas', `The brand has no store farther than ${r.radius_km} km from the place to compare with; name matched stores or a smaller radius`);

  const tz = place.time_zone;
  const before = { first_day: addDays(r.event_date, -r.days_before), last_day: addDays(r.event_date, -1), days: r.days_before };
  const after = { first_day: r.event_date, last_day: addDays(r.event_date, r.days_after - 1), days: r.days_after };
  const onlineBefore = { first_day: addDays(r.event_date, -r.days_after), last_day: addDays(r.event_date, -1) };
  const onlineAfter = { first_day: addDays(r.event_date, 1), last_day: addDays(r.event_date, r.days_after) };
  const windowStart = sql`(${before.first_day}::date::timestamp at time zone ${tz})`;
  const windowEnd = sql`((${onlineAfter.last_day}::date + 1)::timestamp at time zone ${tz})`;

  const currency =
    r.currency ??
    (
      await sql<{ currency: string }>`
        select currency from sales_order where merchant_id = ${r.merchant_id} and created_at >= ${windowStart} and created_at < ${windowEnd}
         group by 1 order by count(*) desc, 1 limit 1`.execute(db)
    ).rows[0]?.currency ??
    null;

  // (a) Sales per area and local day.
  const areas = [{ key: '@place', latitude: place.latitude, longitude: place.longitude }, ...matched.map((s) => ({ key: s.id, latitude: s.latitude, longitude: s.longitude }))];
  const sold = await sql<{ key: string; day: string; sales: string }>`
    with o as (
      select (o.created_at at time zone ${tz})::date as day, o.total_minor - coalesce(o.refund_amount_minor, 0) as sales,
             coalesce(case when d.kind <> 'pickup' then d.latitude end, l.latitude) as lat,
             coalesce(case when d.kind <> 'pickup' then d.longitude end, l.longitude) as lng
        from sales_order o
        left join order_delivery d on d.merchant_id = o.merchant_id and d.order_id = o.id
        left join location l on l.merchant_id = o.merchant_id and l.id = o.location_id
       where o.merchant_id = ${r.merchant_id} and o.currency = ${currency ?? ''}
         and o.status not in ('awaiting_payment', 'closed')
         and o.created_at >= ${windowStart} and o.created_at < ((${after.last_day}::date + 1)::timestamp at time zone ${tz})
    ),
    a as (select * from unnest(${areas.map((a) => a.key)}::text[], ${areas.map((a) => a.latitude)}::float8[], ${areas.map((a) => a.longitude)}::float8[]) as a(key, lat, lng))
    select a.key, to_char(o.day, 'YYYY-MM-DD') as day, sum(o.sales)::text as sales
      from o join a on o.lat is not null and ${kmSql(sql`a.lat`, sql`a.lng`, sql`o.lat`, sql`o.lng`)} <= ${r.radius_km}
     where a.key = '@place' or ${kmSql(sql`${place.latitude}::float8`, sql`${place.longitude}::float8`, sql`o.lat`, sql`o.lng`)} > ${r.radius_km}
     group by 1, 2`.execute(db);
  const salesOf = new Map(sold.rows.map((x) => [`${x.key}|${x.day}`, Number(x.sales)]));
  const days: GeoLiftResult['store_area']['days'] = [];
  for (const [period, p] of [['before', before], ['after', after]] as const) {
    for (let i = 0; i < p.days; i++) {
      const day = addDays(p.first_day, i);
      const treated_minor = salesOf.get(`@place|${day}`) ?? 0;
      const matched_mean_minor = matched.reduce((s, m) => s + (salesOf.get(`${m.id}|${day}`) ?? 0), 0) / matched.length;
      days.push({ day, period, treated_minor, matched_mean_minor });
    }
  }
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);
  const inPeriod = (p: 'before' | 'after') => days.filter((d) => d.period === p);
  const diffs = (p: 'before' | 'after') => inPeriod(p).map((d) => d.treated_minor - d.matched_mean_minor);
  const storeDid = did(diffs('after'), diffs('before'));
  const treatedBefore = mean(inPeriod('before').map((d) => d.treated_minor));

  // (b) Consumers seen at the treated stores, or at matched ones, on the event day; their online sales around it.
  const locationOf = sql`coalesce(e.properties->>'location_id', e.context->>'location_id')`;
  const dayStart = (day: string) => sql`(${day}::date::timestamp at time zone ${tz})`;
  const dayEnd = (day: string) => sql`((${day}::date + 1)::timestamp at time zone ${tz})`;
  const seen = await sql<{ root: string; treated: boolean; before_minor: string; after_minor: string }>`
    with seen as (
      select coalesce(p.merged_into, e.profile_id) as root, bool_or(${locationOf} = any(${treated.map((s) => s.id)}::text[])) as treated
        from cdp_event e join cdp_profile p on p.merchant_id = e.merchant_id and p.id = e.profile_id
       where e.merchant_id = ${r.merchant_id} and e.occurred_at >= ${dayStart(r.event_date)} and e.occurred_at < ${dayEnd(r.event_date)}
         and ${locationOf} = any(${[...treated, ...matched].map((s) => s.id)}::text[])
         and not exists (select 1 from cdp_consent c where c.merchant_id = e.merchant_id and c.profile_id = coalesce(p.merged_into, e.profile_id) and c.purpose = 'analytics' and not c.granted)
       group by 1
    )
    select s.root, s.treated,
           coalesce(sum(b.amount) filter (where b.occurred_at < ${dayStart(r.event_date)}), 0)::text as before_minor,
           coalesce(sum(b.amount) filter (where b.occurred_at >= ${dayStart(onlineAfter.first_day)}), 0)::text as after_minor
      from seen s
      left join lateral (
        select e.occurred_at, (e.properties->>'amount_minor')::bigint - coalesce((e.properties->>'refund_amount_minor')::bigint, 0) as amount
          from cdp_profile p join cdp_event e on e.merchant_id = p.merchant_id and e.profile_id = p.id
         where p.merchant_id = ${r.merchant_id} and coalesce(p.merged_into, p.id) = s.root
           and lower(e.event) = 'order paid' and ${locationOf} is null
           and e.properties->>'currency' is not distinct from ${currency}
           and coalesce(e.properties->>'amount_minor', '') ~ '^[0-9]+$'
           and ((e.occurred_at >= ${dayStart(onlineBefore.first_day)} and e.occurred_at < ${dayStart(r.event_date)})
             or (e.occurred_at >= ${dayStart(onlineAfter.first_day)} and e.occurred_at < ${dayEnd(onlineAfter.last_day)}))
      ) b on true
     group by 1, 2`.execute(db);
  const group = (t: boolean) => seen.rows.filter((x) => x.treated === t).map((x) => ({ before: Number(x.before_minor), after: Number(x.after_minor) }));
  const tg = group(true);
  const mg = group(false);
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const onlineDid =
    tg.length >= 2 && mg.length >= 2
      ? did(
          tg.map((x) => x.after - x.before),
          mg.map((x) => x.after - x.before),
        )
      : tg.length > 0 && mg.length > 0
        ? { estimate: mean(tg.map((x) => x.after - x.before)) - mean(mg.map((x) => x.after - x.before)), low: null, high: null, df: null, significant: null }
        : null;

  const result: GeoLiftResult = {
    place,
    event_date: r.event_date,
    radius_km: r.radius_km,
    currency,
    periods: { before, after },
    treated_stores: treated,
    matched_stores: matched,
    store_area: {
      treated: { before_per_day_minor: treatedBefore, after_per_day_minor: mean(inPeriod('after').map((d) => d.treated_minor)) },
      matched: { before_per_day_minor: mean(inPeriod('before').map((d) => d.matched_mean_minor)), after_per_day_minor: mean(inPeriod('after').map((d) => d.matched_mean_minor)), areas: matched.length },
      did_per_day_minor: storeDid,
      did_total_minor: storeDid.estimate * r.days_after,
      relative: treatedBefore === 0 ? null : storeDid.estimate / treatedBefore,
      days,
    },
    online: {
      treated_consumers: tg.length,
      matched_consumers: mg.length,
      treated: { before_minor: sum(tg.map((x) => x.before)), after_minor: sum(tg.map((x) => x.after)) },
      matched: { before_minor: sum(mg.map((x) => x.before)), after_minor: sum(mg.map((x) => x.after)) },
      did_per_consumer_minor: onlineDid,
      periods: { before: onlineBefore, after: onlineAfter },
    },
    verdict: '',
  };
  result.verdict = verdictOf(result);
  return result;
}

const money = (minor: number, currency: string | null) => `${(minor / 100).toFixed(2)}${currency === null ? '' : ` ${currency}`}`;

function verdictOf(r: GeoLiftResult): string {
  const a = r.store_area.did_per_day_minor;
  const where = `within ${r.radius_km} km of ${r.place.name ?? 'the place'}`;
  const range = (e: DidEstimate) => (e.low === null || e.high === null ? 'no interval: too few' : `95% interval ${money(e.low, r.currency)} to ${money(e.high, r.currency)}`);
  const first =
    a.significant === true && a.estimate > 0
      ? `Sales ${where} rose by ${money(a.estimate, r.currency)} a day more than in the ${r.store_area.matched.areas} matched area(s) over the ${r.periods.after.days} days from ${r.event_date} (${range(a)}), about ${money(r.store_area.did_total_minor, r.currency)} in all.`
      : a.significant === true
        ? `Sales ${where} fell by ${money(-a.estimate, r.currency)} a day against the matched areas over the ${r.periods.after.days} days from ${r.event_date} (${range(a)}).`
        : `No clear change in sales ${where} against the matched areas: ${money(a.estimate, r.currency)} a day (${range(a)}).`;
  const o = r.online.did_per_consumer_minor;
  const second =
    o === null
      ? 'Too few consumers were seen at the stores that day to compare their online sales.'
      : o.significant === true
        ? `Online sales of the ${r.online.treated_consumers} consumers seen there ${o.estimate > 0 ? 'rose' : 'fell'} by ${money(Math.abs(o.estimate), r.currency)} each over the next ${r.periods.after.days} days, against those seen at the matched stores (${range(o)}).`
        : `Online sales of the ${r.online.treated_consumers} consumers seen there over the next ${r.periods.after.days} days changed by ${money(o.estimate, r.currency)} each against those seen at the matched stores (${range(o)}${o.low === null ? ' consumers' : ''}), no clear effect.`;
  return `${first} ${second}`;
}
