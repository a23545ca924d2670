import { sql } from 'kysely';
import type { AnyDb } from '../../src/kernel/db.js';
import { newId } from '../../src/kernel/ids.js';
import type { CampaignPortsFactory, AudienceSource } from '../../src/modules/campaigns/index.js';
import type { SendOutcome, SendRequest } from '../../src/modules/reach/index.js';

/**
 * Campaign ports for tests, until the real reach and audiences modules are wired: a sender that
 * records each message in `reach_send` with the reach module's idempotency (one row per dedupe
 * key and consumer, a repeat returns the first outcome) and its send-time checks for a marketing
 * message (marketing consent granted and the channel not refused, a frequency cap), and audience
 * members read by plain SQL from the data bank.
 */
export interface TestPortsOptions {
  /** At most `max` marketing messages sent to a consumer in `days` days. */
  cap?: { max: number; days: number };
  /** Saved audiences the tests pretend exist: id → merchant and members. */
  audiences?: Map<string, { merchant_id: string; profile_ids?: string[] }>;
  /** Called after each send request is recorded (committed), before the campaign advances. */
  afterSend?: (request: SendRequest, outcomes: SendOutcome[]) => void;
}

export const default_cap = { max: 3, days: 7 };

export function testCampaignPorts(options: TestPortsOptions = {}): CampaignPortsFactory {
  const cap = options.cap ?? default_cap;
  return (db: AnyDb) => ({
    async send(request) {
      const keys = request.profile_ids.map((p) => `${request.dedupe_key}:${p}`);
      const ids = request.profile_ids.map(() => newId('send'));
      await sql`insert into reach_send (merchant_id, id, profile_id, channel, purpose, campaign_id, step_id, dedupe_key, status, reason, subject, body, sent_at)
        select ${request.merchant_id}, v.id, v.profile_id, ${request.channel}, ${request.purpose}, ${request.campaign_id}, ${request.step_id}, v.key,
          case when d.reason is null then 'sent' else 'suppressed' end, d.reason, ${request.message.subject}, ${JSON.stringify(request.message)}::jsonb,
          case when d.reason is null then now() end
        from unnest(${request.profile_ids}::text[], ${keys}::text[], ${ids}::text[]) as v(profile_id, key, id)
        cross join lateral (select case
            when not exists (select 1 from cdp_consent c where c.merchant_id = ${request.merchant_id} and c.profile_id = v.profile_id and c.purpose = 'marketing' and c.granted)
              or exists (select 1 from cdp_channel_consent c where c.merchant_id = ${request.merchant_id} and c.profile_id = v.profile_id and c.channel = ${request.channel} and not c.granted) then 'no_consent'
            when (select count(*) from reach_send s where s.merchant_id = ${request.merchant_id} and s.profile_id = v.profile_id and s.purpose = 'marketing' and s.status = 'sent'
                  and s.created_at > now() - make_interval(days => ${cap.days})) >= ${cap.max} then 'capped'
          end as reason) d
        on conflict (merchant_id, dedupe_key) do nothing`.execute(db);
      const rows = await sql<{ id: string; profile_id: string; status: 'sent' | 'suppressed' | 'failed'; reason: SendOutcome['reason']; fresh: boolean }>`
        select s.id, s.profile_id, s.status, s.reason, s.id = any(${ids}::text[]) as fresh from reach_send s
        where s.merchant_id = ${request.merchant_id} and s.dedupe_key = any(${keys}::text[])`.execute(db);
      const outcomes = rows.rows.map((r) => ({ profile_id: r.profile_id, send_id: r.id, status: r.status, reason: r.reason, repeated: !r.fresh }));
      options.afterSend?.(request, outcomes);
      return outcomes;
    },
    async audienceMembers(merchant_id: string, source: AudienceSource) {
      if ('audience_id' in source) {
        const a = options.audiences?.get(source.audience_id);
        if (a === undefined || a.merchant_id !== merchant_id) return undefined;
        if (a.profile_ids !== undefined) return a.profile_ids;
      }
      // A rule, or a saved audience without a list: every (unmerged) profile of the brand, in order.
      const rows = await sql<{ id: string }>`select id from cdp_profile where merchant_id = ${merchant_id} and merged_into is null order by num`.execute(db);
      return rows.rows.map((r) => r.id);
    },
    audienceExists(merchant_id: string, audience_id: string) {
      return Promise.resolve(options.audiences?.get(audience_id)?.merchant_id === merchant_id);
    },
  });
}

/**
 * Makes `n` data bank profiles for a brand fast, in SQL: profile `${prefix}${i}` (i zero-padded to
 * 7 digits) with consumer number i. Marketing consent: none asked when i % 3 = 0, refused when
 * i % 5 = 0, granted otherwise; email refused when i % 7 = 0.
 */
export async function makeProfiles(db: AnyDb, merchant_id: string, n: number, prefix = 'prf_'): Promise<void> {
  await sql`insert into cdp_graph_version (merchant_id, version, next_num) values (${merchant_id}, 1, ${n}) on conflict (merchant_id) do update set next_num = greatest(cdp_graph_version.next_num, ${n})`.execute(db);
  await sql`insert into cdp_profile (merchant_id, id, num, first_seen_at, last_seen_at)
    select ${merchant_id}, ${prefix} || lpad(i::text, 7, '0'), i, now(), now() from generate_series(1, ${n}) i`.execute(db);
  // Every third consumer gave no marketing consent; every fifth of the others refused it; every 7th refused email.
  await sql`insert into cdp_consent (merchant_id, profile_id, purpose, granted, source)
    select ${merchant_id}, ${prefix} || lpad(i::text, 7, '0'), 'marketing', i % 5 <> 0, 'test' from generate_series(1, ${n}) i where i % 3 <> 0`.execute(db);
  await sql`insert into cdp_channel_consent (merchant_id, profile_id, channel, granted, source)
    select ${merchant_id}, ${prefix} || lpad(i::text, 7, '0'), 'email', false, 'test' from generate_series(1, ${n}) i where i % 7 = 0`.execute(db);
}
