import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';
import { suppressed } from './identifiers.js';
import { contactSealer, unopenableContactPoints } from './contact-points.js';

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
  {
    name: 'databank.contact_points_open',
    description: 'every contact point opens under a configured key (OPENBOS_CONTACT_KEYS or the sealing key; a sample of 1,000 rows, and every row under a key not configured)',
    async run(db, config) {
      // The keys are settings: without the platform's configuration there is nothing to open with.
      if (config === undefined) return [];
      return unopenableContactPoints(db, contactSealer(config), 1_000);
    },
  },
  {
    name: 'databank.erased_contact_points',
    description: 'no contact point nor channel consent is held for a profile that no longer exists (erased), and no contact point of an erased email or phone',
    async run(db) {
      const result = await sql<{ what: string; id: string }>`
        select 'contact point of a missing profile' as what, c.merchant_id || '/' || c.profile_id as id from cdp_contact_point c
          where not exists (select 1 from cdp_profile p where p.merchant_id = c.merchant_id and p.id = c.profile_id)
        union all select 'channel consent of a missing profile', c.merchant_id || '/' || c.profile_id from cdp_channel_consent c
          where not exists (select 1 from cdp_profile p where p.merchant_id = c.merchant_id and p.id = c.profile_id)
        union all select 'contact point of an erased ' || c.kind, c.merchant_id || '/' || c.profile_id from cdp_contact_point c
          join cdp_suppression s on s.merchant_id = c.merchant_id and s.type = c.kind and s.value = ${suppressed(sql.ref('c.value_hash'))}
          where c.kind in ('email', 'phone')
        limit 100`.execute(db);
      return result.rows.map((r) => `${r.what}: ${r.id}`);
    },
  },
];
