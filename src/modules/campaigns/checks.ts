import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

/** The invariants of campaigns that `bos check` verifies. */
export const checks: readonly InvariantCheck[] = [
  {
    name: 'campaigns.control_never_sent',
    description: 'A consumer in a campaign’s control arm was never sent a message of that campaign nor given its coupon',
    async run(db) {
      const rows = await sql<{ merchant_id: string; campaign_id: string; profile_id: string; what: string }>`
        select e.merchant_id, e.campaign_id, e.profile_id, 'a message' as what from campaign_enrolment e
          join reach_send s on s.merchant_id = e.merchant_id and s.campaign_id = e.campaign_id and s.profile_id = e.profile_id
          where e.arm = 'control'
        union all
        select e.merchant_id, e.campaign_id, e.profile_id, 'a coupon' from campaign_enrolment e
          join campaign_coupon k on k.merchant_id = e.merchant_id and k.campaign_id = e.campaign_id and k.profile_id = e.profile_id
          where e.arm = 'control' and k.wallet_coupon_id is not null
        limit 100`.execute(db);
      return rows.rows.map((r) => `campaign ${r.campaign_id} (${r.merchant_id}): control consumer ${r.profile_id} was given ${r.what}`);
    },
  },
  {
    name: 'campaigns.step_within_journey',
    description: 'Every enrolment of a journey is at a step of its campaign’s journey (or just past its last step when done)',
    async run(db) {
      const rows = await sql<{ merchant_id: string; campaign_id: string; profile_id: string; step_index: number; steps: number }>`
        select e.merchant_id, e.campaign_id, e.profile_id, e.step_index, jsonb_array_length(c.steps) as steps
        from campaign_enrolment e join campaign c on c.merchant_id = e.merchant_id and c.id = e.campaign_id
        where c.kind = 'journey' and (e.step_index < 0 or e.step_index > jsonb_array_length(c.steps) or (e.status <> 'done' and e.step_index = jsonb_array_length(c.steps)))
        limit 100`.execute(db);
      return rows.rows.map((r) => `campaign ${r.campaign_id} (${r.merchant_id}): ${r.profile_id} is at step ${r.step_index} of a ${r.steps}-step journey`);
    },
  },
  {
    name: 'campaigns.enrolled_once',
    description: 'A consumer is enrolled in a campaign at most once, and an active enrolment has a due time',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select format('campaign %s (%s): %s enrolled %s times', campaign_id, merchant_id, profile_id, count(*)) as line
          from campaign_enrolment group by merchant_id, campaign_id, profile_id having count(*) > 1
        union all
        select format('campaign %s (%s): %s is active with no due time', e.campaign_id, e.merchant_id, e.profile_id)
          from campaign_enrolment e join campaign c on c.merchant_id = e.merchant_id and c.id = e.campaign_id
          -- A sampling campaign's enrolments rank consumers; they walk no journey.
          where c.kind = 'journey' and e.status = 'active' and e.next_at is null
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
];
