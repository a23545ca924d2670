import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/**
 * Visits, from the brand's data bank. A visit is one consumer (merged profiles count as one) on
 * one local day at one place:
 * - at a store: any event whose `properties.location_id` (or `context.location_id`) names the
 *   location, such as `Store Visited` from a door counter or an in-store screen's scan;
 * - online: a `page` or `screen` event that names no location, a visit to the brand's own
 *   storefront.
 * A consumer who comes back the same day is one visit; on two days, two. Consumers who denied
 * analytics consent are left out, as in every other figure of the data bank.
 */
export const visit_places_max = 1_000;

export interface VisitWindow {
  /** A location ID; ignored for online visits. */
  key: string;
  time_zone: string;
  first_day: string;
  last_day: string;
  previous_first_day: string;
}

export interface PlaceVisits {
  key: string;
  period: 'current' | 'previous';
  visits: number;
}

/** Visits per location (one window each, in the location's time zone) or online (`online: true`, one window). */
export async function visitsByPlace(db: AnyDb, merchant_id: string, windows: readonly VisitWindow[], online = false): Promise<PlaceVisits[]> {
  if (windows.length === 0) return [];
  if (windows.length > visit_places_max) throw new Error(`at most ${visit_places_max} places at once`);
  if (online && windows.length !== 1) throw new Error('online visits take one window');
  const location = sql`coalesce(e.properties->>'location_id', e.context->>'location_id')`;
  const place = online ? sql`e.type in ('page', 'screen') and ${location} is null` : sql`${location} = w.key`;
  const rows = await sql<PlaceVisits>`
    with w as (
      select u.key, u.tz,
             (u.previous_first_day::date::timestamp at time zone u.tz) as previous_start,
             (u.first_day::date::timestamp at time zone u.tz) as current_start,
             ((u.last_day::date + 1)::timestamp at time zone u.tz) as current_end
        from unnest(${windows.map((w) => w.key)}::text[], ${windows.map((w) => w.time_zone)}::text[], ${windows.map((w) => w.first_day)}::text[],
                    ${windows.map((w) => w.last_day)}::text[], ${windows.map((w) => w.previous_first_day)}::text[])
          as u(key, tz, first_day, last_day, previous_first_day)
    ),
    visit as (
      select distinct w.key, case when e.occurred_at >= w.current_start then 'current' else 'previous' end as period,
             coalesce(p.merged_into, e.profile_id) as consumer, (e.occurred_at at time zone w.tz)::date as day
        from w
        join cdp_event e on e.merchant_id = ${merchant_id} and e.occurred_at >= w.previous_start and e.occurred_at < w.current_end and ${place}
        join cdp_profile p on p.merchant_id = e.merchant_id and p.id = e.profile_id
       where not exists (select 1 from cdp_consent c where c.merchant_id = e.merchant_id and c.profile_id = coalesce(p.merged_into, e.profile_id) and c.purpose = 'analytics' and not c.granted)
    )
    select key, period, count(*)::int as visits from visit group by 1, 2 order by 1, 2`.execute(db);
  return rows.rows;
}
