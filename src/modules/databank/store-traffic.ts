import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/**
 * A store's traffic by local hour of day, from the brand's data bank: for each hour (0-23) the
 * visitors seen at the store in that hour, a consumer counted once per day and hour (merged
 * profiles as one), over the store's local days. Events name the store as `visitsByPlace` reads
 * them (`properties.location_id` or `context.location_id`); consumers who denied analytics
 * consent are left out. One aggregate in PostgreSQL.
 */
export async function visitorsByHourAt(db: AnyDb, merchant_id: string, w: { location_id: string; time_zone: string; first_day: string; last_day: string }): Promise<{ hour: number; visitors: number }[]> {
  const rows = await sql<{ hour: number; visitors: number }>`
    with seen as (
      select distinct coalesce(p.merged_into, e.profile_id) as consumer, date_trunc('hour', e.occurred_at at time zone ${w.time_zone}) as local_hour
        from cdp_event e
        join cdp_profile p on p.merchant_id = e.merchant_id and p.id = e.profile_id
       where e.merchant_id = ${merchant_id}
         and coalesce(e.properties->>'location_id', e.context->>'location_id') = ${w.location_id}
         and e.occurred_at >= (${w.first_day}::date::timestamp at time zone ${w.time_zone})
         and e.occurred_at < ((${w.last_day}::date + 1)::timestamp at time zone ${w.time_zone})
         and not exists (select 1 from cdp_consent c where c.merchant_id = e.merchant_id and c.profile_id = coalesce(p.merged_into, e.profile_id) and c.purpose = 'analytics' and not c.granted)
    )
    select extract(hour from local_hour)::int as hour, count(*)::int as visitors from seen group by 1 order by 1`.execute(db);
  return rows.rows;
}
