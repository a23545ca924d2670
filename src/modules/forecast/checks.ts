import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

/** A running run whose heartbeat is older than this is reported. */
export const heartbeat_report_minutes = 10;

/**
 * The forecasts' invariants. The summary's coherence (chain = sum of regions = sum of stores) is
 * structural: the summary is computed bottom-up from the stored store forecasts on each read, so
 * there is no stored aggregate that could drift; the engine's `bottomUp` tests prove the sums.
 */
export const forecastChecks: InvariantCheck[] = [
  {
    name: 'forecast.values_ordered',
    description: 'every stored forecast value is non-negative and lower <= mean <= upper',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'forecast of ' || variant_id || ' at ' || location_id || ' on ' || day || ' (run ' || run_id || ', ' || merchant_id || ') has lower ' || lower || ', mean ' || mean || ', upper ' || upper as line
        from forecast_value where lower < 0 or mean < lower or upper < mean or mean = 'NaN'::real or upper = 'Infinity'::real
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'forecast.current_run_complete',
    description: 'each brand’s current forecast run succeeded and has, for every series it counted, a value for every day of its horizon',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'forecast_current of ' || c.merchant_id || ' points at run ' || c.run_id || case
                 when r.id is null then ', which is missing'
                 when r.status <> 'succeeded' then ', which is ' || r.status
                 else ' counting ' || r.series || ' series of ' || r.horizon_days || ' days, but it holds ' ||
                      (select count(*) from forecast_series s where s.merchant_id = c.merchant_id and s.run_id = c.run_id) || ' series and ' ||
                      (select count(*) from forecast_value v where v.merchant_id = c.merchant_id and v.run_id = c.run_id) || ' values' end as line
        from forecast_current c left join forecast_run r on r.merchant_id = c.merchant_id and r.id = c.run_id
        where r.id is null or r.status <> 'succeeded'
           or (select count(*) from forecast_series s where s.merchant_id = c.merchant_id and s.run_id = c.run_id) <> r.series
           or (select count(*) from forecast_value v where v.merchant_id = c.merchant_id and v.run_id = c.run_id) <> r.series::bigint * r.horizon_days
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'forecast.values_of_current_run',
    description: 'forecast series belong to a run of their brand that is current or under way',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select count(*) || ' forecast series of ' || s.merchant_id || ' belong to run ' || s.run_id || ', which is ' ||
               coalesce(max(r.status) || ' and not current', 'not a run of that brand') as line
        from forecast_series s
        left join forecast_run r on r.merchant_id = s.merchant_id and r.id = s.run_id
        left join forecast_current c on c.merchant_id = s.merchant_id and c.run_id = s.run_id
        where r.id is null or (c.run_id is null and r.status not in ('queued', 'running'))
        group by s.merchant_id, s.run_id limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'forecast.no_stale_run',
    description: `no forecast run is running without a heartbeat for more than ${heartbeat_report_minutes} minutes`,
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'forecast run ' || id || ' of ' || merchant_id || ' is running but its last heartbeat was at ' || coalesce(heartbeat_at::text, 'never') as line
        from forecast_run where status = 'running' and (heartbeat_at is null or heartbeat_at < now() - make_interval(mins => ${heartbeat_report_minutes}))
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
];
