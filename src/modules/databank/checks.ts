import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';
import { suppressed } from './identifiers.js';

export const checks: readonly InvariantCheck[] = [
  {
    name: 'databank.events_belong_to_profiles',
    description: 'every stored event and identity belongs to an existing profile, and merges never chain',
    async run(db) {
      const result = await sql<{ what: string; id: string }>`
        select 'event without profile' as what, e.id from cdp_event e where not exists (select 1 from cdp_profile p where p.merchant_id = e.merchant_id and p.id = e.profile_id)
        union all select 'identity on a missing or merged profile', i.type || ':' || i.profile_id from cdp_identity i
          where not exists (select 1 from cdp_profile p where p.merchant_id = i.merchant_id and p.id = i.profile_id and p.merged_into is null)
        union all select 'merge chain', p.id from cdp_profile p join cdp_profile q on q.merchant_id = p.merchant_id and q.id = p.merged_into where q.merged_into is not null
        limit 100`.execute(db);
      return result.rows.map((r) => `${r.what}: ${r.id}`);
    },
  },
  {
    name: 'databank.erasure_holds',
    description: 'no identity of an erased consumer is held again',
    async run(db) {
      const result = await sql<{ type: string; value: string }>`
        select i.type, i.value from cdp_identity i join cdp_suppression s on s.merchant_id = i.merchant_id and s.type = i.type and s.value = ${suppressed(sql.ref('i.value'))} limit 100`.execute(db);
      return result.rows.map((r) => `erased ${r.type} is held again`);
    },
  },
];
