import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

export const perishablesChecks: InvariantCheck[] = [
  {
    name: 'replenishment.approved_markdown_has_promotion',
    description: 'every approved markdown names an automatic percent-off promotion of its merchant, on its variant',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'markdown ' || m.id || ' of ' || m.merchant_id || ' is approved but ' ||
               case when p.id is null then 'its promotion ' || coalesce(m.promotion_id, '(none)') || ' does not exist'
                    else 'its promotion ' || p.id || ' is not a percent-off automatic promotion on ' || m.variant_id end as line
        from replenishment_markdown m
        left join promotion p on p.merchant_id = m.merchant_id and p.id = m.promotion_id
        where m.status = 'approved' and (p.id is null or p.kind <> 'automatic' or p.effect->>'type' <> 'percent_off'
              or not coalesce(p.scope->'variant_ids' ? m.variant_id, false))
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'replenishment.open_markdowns_own_items',
    description: 'every open markdown names a variant and a location of its own merchant',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'open markdown ' || m.id || ' of ' || m.merchant_id || ' names ' ||
               case when v.id is null then 'variant ' || m.variant_id else 'location ' || m.location_id end || ', which is not that merchant''s' as line
        from replenishment_markdown m
        left join variant v on v.merchant_id = m.merchant_id and v.id = m.variant_id
        left join location l on l.merchant_id = m.merchant_id and l.id = m.location_id
        where m.status = 'open' and (v.id is null or l.id is null)
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'replenishment.sold_out_markdown_promotion_ended',
    description: 'a markdown recorded sold out names a promotion that was ended then (ends no later than `sold_out_at`), unless the merchant edited the promotion since',
    // Exact: the end and the record are written in one transaction, the end equal to `sold_out_at`.
    // (Whether every sold-out markdown was ended is not checkable exactly: a level's `updated_at` is
    // its writer's transaction start, so a sale in flight across the review looks older than it.)
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'markdown ' || m.id || ' of ' || m.merchant_id || ' sold out at ' || m.sold_out_at || ' but its promotion '
               || coalesce(p.id, m.promotion_id) || case when p.id is null then ' does not exist' else ' runs until ' || coalesce(p.ends_at::text, 'no end') end as line
        from replenishment_markdown m
        left join promotion p on p.merchant_id = m.merchant_id and p.id = m.promotion_id
        where m.sold_out_at is not null and (p.id is null or (p.status = 'active' and (p.ends_at is null or p.ends_at > m.sold_out_at) and p.updated_at <= m.sold_out_at))
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
];
