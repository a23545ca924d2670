import { sql } from 'kysely';
import type { InvariantCheck } from '../../../kernel/module.js';
import { placements } from '../../attribution/index.js';
import { getProduct } from '../../catalog/index.js';

/** Rules looked up one by one in the catalog by `recs.rules_name_own_products`. */
const rules_checked_max = 10_000;
/** Recommendation answers sampled by `recs.served_obey_exclusions` (the latest). */
const served_sampled_max = 10_000;

export const servingChecks: InvariantCheck[] = [
  {
    name: 'recs.rules_name_own_products',
    description: 'every pin and exclusion names a product of its own merchant and a known placement',
    async run(db) {
      const rows = await sql<{ merchant_id: string; id: string; product_id: string; placement: string | null }>`
        select merchant_id, id, product_id, placement from rec_rule order by created_at desc limit ${rules_checked_max}`.execute(db);
      const lines: string[] = [];
      for (const r of rows.rows) {
        if (r.placement !== null && !(placements as readonly string[]).includes(r.placement)) lines.push(`rule ${r.id} of ${r.merchant_id} names the unknown placement ${r.placement}`);
        if ((await getProduct(db, r.merchant_id, r.product_id)) === undefined) lines.push(`rule ${r.id} of ${r.merchant_id} names ${r.product_id}, which is not one of its products`);
      }
      return lines;
    },
  },
  {
    name: 'recs.served_obey_exclusions',
    description: 'no recommendation answer recorded (the latest, sampled) showed a product its merchant had excluded from that placement before',
    async run(db) {
      const rows = await sql<{ line: string }>`
        with served as (
          select merchant_id, id, placement, served_at, product_ids from attr_served
           where source = 'recommendation' order by served_at desc limit ${served_sampled_max}
        )
        select 'answer ' || s.id || ' of ' || s.merchant_id || ' (' || s.placement || ') showed ' || r.product_id || ', excluded by rule ' || r.id as line
          from served s join rec_rule r on r.merchant_id = s.merchant_id and r.action = 'exclude'
           and (r.placement is null or r.placement = s.placement) and r.created_at < s.served_at and r.product_id = any(s.product_ids)
         limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
];
