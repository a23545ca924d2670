import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

/** Membership's invariants, from the rows themselves. */
export const checks: readonly InvariantCheck[] = [
  {
    name: 'membership.codes_used_once',
    description: 'every consumer code (consumer and time step) was accepted at most once',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'consumer ' || consumer_id || ': the code of step ' || counter || ' was accepted ' || count(*) || ' times' as line
        from consumer_code_use group by consumer_id, counter having count(*) > 1 limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'membership.points_match_journal',
    description: 'every member’s points equal the sum of their points journal',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'member ' || m.consumer_id || ' of ' || m.merchant_id || ': ' || m.points || ' points, journal ' || coalesce(j.total, 0) as line
        from member m left join (select merchant_id, consumer_id, sum(points) as total from points_entry group by merchant_id, consumer_id) j
          on j.merchant_id = m.merchant_id and j.consumer_id = m.consumer_id
        where m.points <> coalesce(j.total, 0) limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'membership.levels_match_points',
    description: 'every member holds the highest level of their brand that their points reach',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'member ' || m.consumer_id || ' of ' || m.merchant_id || ': level ' || coalesce(m.level, 'none') || ' with ' || m.points || ' points, should be ' || coalesce(l.name, 'none') as line
        from member m left join lateral (
          select name from membership_level where merchant_id = m.merchant_id and min_points <= m.points order by min_points desc limit 1
        ) l on true
        where m.level is distinct from l.name limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
];
