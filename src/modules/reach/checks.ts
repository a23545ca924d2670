import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

/**
 * Reach's invariants, from the rows themselves: nothing sent for marketing to a consumer who had
 * refused (as far as the tables can tell: a refusal recorded before the send was written), no
 * consumer over the caps a send was checked against, and one send per dedupe key.
 */
export const checks: readonly InvariantCheck[] = [
  {
    name: 'reach.consent_at_send',
    description: 'no marketing message went (sent or delivered) to a consumer whose marketing consent, or consent to the channel, was refused before the send was written',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'send ' || s.id || ' (' || s.merchant_id || '): sent to ' || s.profile_id || ', who refused marketing at ' || c.updated_at as line
          from reach_send s join cdp_consent c on c.merchant_id = s.merchant_id and c.profile_id = s.profile_id and c.purpose = 'marketing'
          where s.purpose = 'marketing' and s.status in ('sent', 'delivered') and not c.granted and c.updated_at < s.created_at
        union all
        select 'send ' || s.id || ' (' || s.merchant_id || '): sent by ' || s.channel || ' to ' || s.profile_id || ', who refused the channel at ' || c.updated_at
          from reach_send s join cdp_channel_consent c on c.merchant_id = s.merchant_id and c.profile_id = s.profile_id and c.channel = s.channel
          where s.purpose = 'marketing' and s.status in ('sent', 'delivered') and not c.granted and c.updated_at < s.created_at
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'reach.within_caps',
    description: 'no marketing message went to a consumer who had, within the window, as many marketing messages as the caps it was checked against allowed (per channel and across channels)',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'send ' || s.id || ' (' || s.merchant_id || '): ' || s.profile_id || ' had ' || b.total || ' marketing messages (' || b.same || ' by ' || s.channel || ') within '
            || (s.caps->>'window_days') || ' days before it; caps ' || coalesce(s.caps->>'across', 'none') || ' across, ' || coalesce(s.caps->>'channel', 'none') || ' per channel' as line
          from reach_send s
          cross join lateral (
            select count(*) as total, count(*) filter (where p.channel = s.channel) as same from reach_send p
            where p.merchant_id = s.merchant_id and p.profile_id = s.profile_id and p.purpose = 'marketing' and p.status in ('sending', 'sent', 'delivered') and p.id <> s.id and p.created_at <= s.created_at
              and p.created_at > s.created_at - make_interval(days => (s.caps->>'window_days')::int)
          ) b
          where s.purpose = 'marketing' and s.status in ('sent', 'delivered') and s.caps is not null
            and ((s.caps->>'across' is not null and b.total >= (s.caps->>'across')::int) or (s.caps->>'channel' is not null and b.same >= (s.caps->>'channel')::int))
        limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
  {
    name: 'reach.one_send_per_key',
    description: 'no two sends of one merchant share a dedupe key (a consumer gets a campaign step once)',
    async run(db) {
      const rows = await sql<{ line: string }>`
        select 'dedupe key ' || dedupe_key || ' (' || merchant_id || '): ' || count(*) || ' sends' as line from reach_send group by merchant_id, dedupe_key having count(*) > 1 limit 100`.execute(db);
      return rows.rows.map((r) => r.line);
    },
  },
];
