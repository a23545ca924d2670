import { sql } from 'kysely';
import type { InvariantCheck } from '../../../kernel/module.js';

/** For-you lists sampled by `recs.for_you_not_bought`. */
export const for_you_sample = 200;
/** A running run whose heartbeat is older than this is reported. */
export const heartbeat_report_minutes = 10;

export const trainingChecks: InvariantCheck[] = [
  {
    name: 'recs.current_run_succeeded',
    description: 'each brand’s current recommendations (rec_current) come from a succeeded training run of that brand',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'rec_current of ' || c.merchant_id || ' points at run ' || c.training_id || ', which is ' || coalesce(t.status, 'missing') as line
        from rec_current c left join rec_training t on t.merchant_id = c.merchant_id and t.id = c.training_id
        where t.status is distinct from 'succeeded' limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'recs.lists_of_current_run',
    description: 'every recommendation list belongs to a training run of its brand, and only the current run (or one under way) has lists',
    async run(db) {
      const rows = await sql<{ line: string }>`
        with l as (
          select merchant_id, training_id, 'item' as kind, count(*) as n from rec_item_list group by 1, 2
          union all select merchant_id, training_id, 'user', count(*) from rec_user_list group by 1, 2
        )
        select l.n || ' ' || l.kind || ' lists of ' || l.merchant_id || ' belong to run ' || l.training_id || ', which is ' ||
               case when t.id is null then 'not a run of that brand' else t.status || ' and not current' end as line
        from l
        left join rec_training t on t.merchant_id = l.merchant_id and t.id = l.training_id
        left join rec_current c on c.merchant_id = l.merchant_id and c.training_id = l.training_id
        where t.id is null or (c.training_id is null and t.status not in ('queued', 'running'))
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'recs.no_stale_training',
    description: `no training run is running without a heartbeat for more than ${heartbeat_report_minutes} minutes (a dead runner whose run was not taken up again)`,
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'training ' || id || ' of ' || merchant_id || ' is running but its last heartbeat was at ' || coalesce(heartbeat_at::text, 'never') as line
        from rec_training where status = 'running' and (heartbeat_at is null or heartbeat_at < now() - make_interval(mins => ${heartbeat_report_minutes}))
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'recs.for_you_not_bought',
    description: `no consumer’s "for you" list holds a product they had bought before the training, unless it is a repeat purchase (${for_you_sample} lists sampled)`,
    async run(db) {
      const rows = await sql<{ line: string }>`
        with l as (
          select ul.merchant_id, ul.profile_id, ul.items, t.started_at
          from rec_current c
          join rec_training t on t.merchant_id = c.merchant_id and t.id = c.training_id
          join lateral (select * from rec_user_list u where u.merchant_id = c.merchant_id and u.training_id = c.training_id limit ${for_you_sample}) ul on true
          limit ${for_you_sample}
        ), r as (
          select l.merchant_id, l.profile_id, l.started_at, x->>0 as product_id from l cross join jsonb_array_elements(l.items) x
        )
        select 'the for-you list of ' || r.profile_id || ' (' || r.merchant_id || ') holds ' || r.product_id || ', which they bought and is no repeat purchase' as line
        from r
        where not exists (select 1 from product p where p.merchant_id = r.merchant_id and p.id = r.product_id and p.attributes->'repeat_purchase' = 'true'::jsonb)
          and exists (
            select 1 from cdp_event e
            where e.merchant_id = r.merchant_id and e.profile_id = r.profile_id and e.type = 'track' and e.occurred_at <= r.started_at
              and lower(e.event) in ('order completed', 'order paid') and e.properties->>'amount_minor' is distinct from '0'
              and not (lower(e.event) = 'order completed' and coalesce(e.context->>'source', '') = 'openbos')
              and (e.properties->>'product_id' = r.product_id
                or (e.properties->>'product_id' is null and exists (
                      select 1 from jsonb_array_elements(case when jsonb_typeof(e.properties->'products') = 'array' then e.properties->'products' else '[]'::jsonb end) line
                      join variant v on v.merchant_id = e.merchant_id and v.id = line->>'variant_id'
                      where v.product_id = r.product_id))))
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
];
