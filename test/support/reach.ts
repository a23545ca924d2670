import { sql } from 'kysely';
import type { Config } from '../../src/kernel/config.js';
import type { AnyDb } from '../../src/kernel/db.js';
import { newId } from '../../src/kernel/ids.js';
import { contactSealer, saveContactPoints, storedIdentifier, type ContactPoint } from '../../src/modules/databank/index.js';

/** A consumer of the brand's data bank, as the reach tests need one. */
export interface SeedConsumer {
  email?: string | undefined;
  phone?: string | undefined;
  /** Marketing consent: granted, refused, or no record (undefined). */
  marketing?: boolean | undefined;
  /** Channels the consumer refused. */
  refused?: readonly string[] | undefined;
  traits?: Record<string, unknown> | undefined;
  /** Keep the email as an identifier but no contact point to send to. */
  no_contact?: boolean | undefined;
}

/**
 * Writes profiles straight into the data bank's tables (identity by email hash, consent, sealed
 * contact points), many at a time: the throughput tests need thousands in seconds.
 */
export async function seedConsumers(db: AnyDb, config: Config, merchant_id: string, consumers: readonly SeedConsumer[]): Promise<string[]> {
  const ids = consumers.map(() => newId('prf'));
  const chunk = 2_000;
  for (let i = 0; i < consumers.length; i += chunk) {
    const part = consumers.slice(i, i + chunk);
    const pids = ids.slice(i, i + chunk);
    // Consumer numbers come from the brand's counter on its graph-version row, as ingestion takes them.
    const taken = await sql<{ next_num: number }>`insert into cdp_graph_version (merchant_id, version, next_num) values (${merchant_id}, 1, ${part.length})
      on conflict (merchant_id) do update set next_num = cdp_graph_version.next_num + ${part.length}, version = cdp_graph_version.version + 1 returning next_num`.execute(db);
    const first = taken.rows[0]!.next_num - part.length + 1;
    await sql`insert into cdp_profile (merchant_id, id, num, traits, first_seen_at, last_seen_at)
      select ${merchant_id}, id, ${first} + n - 1, t::jsonb, now(), now() from unnest(${pids}::text[], ${part.map((c) => JSON.stringify(c.traits ?? {}))}::text[]) with ordinality as x(id, t, n)`.execute(db);
    const identities = part.flatMap((c, k) => (c.email === undefined ? [] : [{ value: storedIdentifier('email', c.email)!.value, profile_id: pids[k]! }]));
    if (identities.length > 0) {
      await sql`insert into cdp_identity (merchant_id, type, value, profile_id)
        select ${merchant_id}, 'email', v, p from unnest(${identities.map((x) => x.value)}::text[], ${identities.map((x) => x.profile_id)}::text[]) as x(v, p)`.execute(db);
    }
    const consent = part.flatMap((c, k) => (c.marketing === undefined ? [] : [{ profile_id: pids[k]!, granted: c.marketing }]));
    if (consent.length > 0) {
      await sql`insert into cdp_consent (merchant_id, profile_id, purpose, granted, source, updated_at)
        select ${merchant_id}, p, 'marketing', g, 'test', now() - interval '1 day' from unnest(${consent.map((x) => x.profile_id)}::text[], ${consent.map((x) => x.granted)}::boolean[]) as x(p, g)`.execute(db);
    }
    const refusals = part.flatMap((c, k) => (c.refused ?? []).map((channel) => ({ profile_id: pids[k]!, channel })));
    if (refusals.length > 0) {
      await sql`insert into cdp_channel_consent (merchant_id, profile_id, channel, granted, source, updated_at)
        select ${merchant_id}, p, ch, false, 'test', now() - interval '1 day' from unnest(${refusals.map((x) => x.profile_id)}::text[], ${refusals.map((x) => x.channel)}::text[]) as x(p, ch)`.execute(db);
    }
    const points: ContactPoint[] = part.flatMap((c, k) => [
      ...(c.email === undefined || c.no_contact === true ? [] : [{ profile_id: pids[k]!, kind: 'email' as const, value: c.email }]),
      ...(c.phone === undefined || c.no_contact === true ? [] : [{ profile_id: pids[k]!, kind: 'phone' as const, value: c.phone }]),
    ]);
    if (points.length > 0) await saveContactPoints(db, contactSealer(config), merchant_id, points, 'test');
  }
  return ids;
}
