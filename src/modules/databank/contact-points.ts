import { sql } from 'kysely';
import type { Config } from '../../kernel/config.js';
import type { AnyDb } from '../../kernel/db.js';
import { keyringSealer, parseSealingKey, sealedKeyId, sealerFromKey, serverSealer, SealingError, type KeyedSealer, type Sealer } from '../../kernel/sealed.js';
import { maskEmail, maskPhone } from './contact.js';
import { hashValue, normaliseEmail, normalisePhone } from './identifiers.js';

/**
 * Contact points: the addresses a brand may reach a consumer at (email, phone, a device's push
 * token). Identifiers are kept only as hashes, right for matching and useless for sending; a
 * contact point is kept sealed (AES-256-GCM, kernel/sealed.ts), its context the brand, profile
 * and kind, so a sealed value copied onto another row does not open. Shown masked, opened only
 * to send, to export on the consumer's request; erasure deletes it.
 */
export const contactKinds = ['email', 'phone', 'push_token'] as const;
export type ContactKind = (typeof contactKinds)[number];

export interface ContactPoint {
  profile_id: string;
  kind: ContactKind;
  value: string;
}

/**
 * The keys that seal contact points: `OPENBOS_CONTACT_KEYS` ("name:key,name:key", or bare keys),
 * the first sealing and all opening; unset, the server's sealing key alone. The key id stored with
 * each row (and named in the sealed value) is the key's own (the first bytes of its SHA-256), so a
 * renamed key still opens what it sealed. A value sealed under the server's sealing key still
 * opens after contact keys are configured, until `bos databank rotate-contact-keys` re-seals it.
 */
export interface ContactKeyring extends KeyedSealer {
  /** The key ids that open (the first one seals). */
  readonly key_ids: readonly string[];
}

export function contactKeyringFrom(keys_text: string | undefined, fallback: () => KeyedSealer): ContactKeyring {
  if (keys_text === undefined || keys_text.trim() === '') {
    return { get key_id() { return fallback().key_id; }, get key_ids() { return [fallback().key_id]; }, seal: (p, c) => fallback().seal(p, c), open: (s, c) => fallback().open(s, c) };
  }
  const ring = keyringSealer(keys_text.split(',').map((entry) => sealerFromKey(parseSealingKey(entry.includes(':') ? entry.slice(entry.indexOf(':') + 1) : entry))));
  return {
    key_id: ring.key_id,
    key_ids: ring.key_ids,
    seal: (plaintext, context) => ring.seal(plaintext, context),
    open(sealed, context) {
      // Rows sealed before contact keys were configured are under the server's sealing key.
      if (!ring.key_ids.includes(sealedKeyId(sealed) ?? '')) {
        const server = fallback();
        if (sealedKeyId(sealed) === server.key_id) return server.open(sealed, context);
      }
      return ring.open(sealed, context);
    },
  };
}

const keyrings = new Map<string, ContactKeyring>();

/** The keyring contact points use (see `ContactKeyring`); the server's key is read at first use. */
export function contactSealer(config: Config): ContactKeyring {
  const cacheKey = `${config.dataDir}\u0000${config.OPENBOS_SEALING_KEY ?? ''}\u0000${config.OPENBOS_CONTACT_KEYS ?? ''}`;
  let ring = keyrings.get(cacheKey);
  if (ring === undefined) {
    ring = contactKeyringFrom(config.OPENBOS_CONTACT_KEYS, () => serverSealer({ data_dir: config.dataDir, key_text: config.OPENBOS_SEALING_KEY }));
    keyrings.set(cacheKey, ring);
  }
  return ring;
}

const context = (merchant_id: string, profile_id: string, kind: ContactKind) => `contact:${merchant_id}:${profile_id}:${kind}`;

/** The normal form of a contact value, or undefined when it is not one (a malformed email). */
export function normaliseContact(kind: ContactKind, raw: string): string | undefined {
  if (kind === 'email') return normaliseEmail(raw);
  if (kind === 'phone') return normalisePhone(raw);
  const token = raw.trim();
  return token.length >= 8 && token.length <= 4096 ? token : undefined;
}

function maskOf(kind: ContactKind, value: string): string {
  if (kind === 'email') return maskEmail(value) ?? '***';
  if (kind === 'phone') return maskPhone(value) ?? '***';
  return `${value.slice(0, 4)}…`;
}

/** Seals and stores contact points (a repeated one is refreshed), in the caller's transaction. */
export async function saveContactPoints(db: AnyDb, sealer: Sealer, merchant_id: string, points: readonly ContactPoint[], source: string): Promise<number> {
  const seen = new Set<string>();
  const rows = points.flatMap((p) => {
    const value = normaliseContact(p.kind, p.value);
    if (value === undefined) return [];
    const hash = hashValue(value);
    // One row per (profile, kind, value): a statement may not upsert the same row twice.
    const key = `${p.profile_id}:${p.kind}:${hash}`;
    if (seen.has(key)) return [];
    seen.add(key);
    const sealed = sealer.seal(value, context(merchant_id, p.profile_id, p.kind));
    return [{ profile_id: p.profile_id, kind: p.kind, hash, sealed, key_id: sealedKeyId(sealed)!, masked: maskOf(p.kind, value) }];
  });
  if (rows.length === 0) return 0;
  rows.sort((a, b) => (`${a.profile_id}:${a.kind}:${a.hash}` < `${b.profile_id}:${b.kind}:${b.hash}` ? -1 : 1));
  await sql`insert into cdp_contact_point (merchant_id, profile_id, kind, value_hash, sealed, key_id, masked, source)
    select ${merchant_id}, * from unnest(${rows.map((r) => r.profile_id)}::text[], ${rows.map((r) => r.kind)}::text[], ${rows.map((r) => r.hash)}::text[],
      ${rows.map((r) => r.sealed)}::text[], ${rows.map((r) => r.key_id)}::text[], ${rows.map((r) => r.masked)}::text[], ${rows.map(() => source)}::text[])
    on conflict (merchant_id, profile_id, kind, value_hash) do update set sealed = excluded.sealed, key_id = excluded.key_id, source = excluded.source, updated_at = now()`.execute(db);
  return rows.length;
}

/**
 * The newest contact point of `kind` of each profile, opened, for sending. Profiles without one
 * are absent from the map.
 */
export async function contactPointsOf(db: AnyDb, sealer: Sealer, merchant_id: string, profile_ids: readonly string[], kind: ContactKind): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (profile_ids.length === 0) return out;
  const rows = await sql<{ profile_id: string; sealed: string }>`
    select distinct on (profile_id) profile_id, sealed from cdp_contact_point
    where merchant_id = ${merchant_id} and kind = ${kind} and profile_id = any(${profile_ids}::text[])
    order by profile_id, updated_at desc, value_hash`.execute(db);
  for (const r of rows.rows) out.set(r.profile_id, sealer.open(r.sealed, context(merchant_id, r.profile_id, kind)));
  return out;
}

/** Contact points as the console shows them: masked, never opened. */
export async function maskedContactPoints(db: AnyDb, merchant_id: string, profile_id: string): Promise<{ kind: ContactKind; masked: string; source: string; updated_at: Date }[]> {
  const rows = await sql<{ kind: ContactKind; masked: string; source: string; updated_at: Date }>`
    select kind, masked, source, updated_at from cdp_contact_point where merchant_id = ${merchant_id} and profile_id = ${profile_id} order by kind, updated_at desc`.execute(db);
  return rows.rows;
}

/** Every contact point of the profiles, opened: for the consumer's own export, and nothing else. */
export async function clearContactPoints(db: AnyDb, sealer: Sealer, merchant_id: string, profile_ids: readonly string[]): Promise<{ kind: ContactKind; value: string; source: string; created_at: Date; updated_at: Date }[]> {
  const rows = await sql<{ profile_id: string; kind: ContactKind; sealed: string; source: string; created_at: Date; updated_at: Date }>`
    select profile_id, kind, sealed, source, created_at, updated_at from cdp_contact_point
    where merchant_id = ${merchant_id} and profile_id = any(${profile_ids}::text[]) order by kind, updated_at desc`.execute(db);
  return rows.rows.map((r) => ({ kind: r.kind, value: sealer.open(r.sealed, context(merchant_id, r.profile_id, r.kind)), source: r.source, created_at: r.created_at, updated_at: r.updated_at }));
}

/**
 * Contact points follow a merge: those of `from` are re-sealed for `into` (the sealed value is
 * bound to its profile) and move there, in the caller's transaction. Merges apply in order, so a
 * profile merged twice passes on what it received first.
 */
export async function moveContactPoints(db: AnyDb, sealer: Sealer, merchant_id: string, merges: readonly { from: string; into: string }[]): Promise<void> {
  for (const m of merges) {
    const rows = await sql<{ kind: ContactKind; value_hash: string; sealed: string; masked: string; source: string; created_at: Date; updated_at: Date }>`
      delete from cdp_contact_point where merchant_id = ${merchant_id} and profile_id = ${m.from}
      returning kind, value_hash, sealed, masked, source, created_at, updated_at`.execute(db);
    if (rows.rows.length === 0) continue;
    const moved = rows.rows.map((r) => {
      const sealed = sealer.seal(sealer.open(r.sealed, context(merchant_id, m.from, r.kind)), context(merchant_id, m.into, r.kind));
      return { ...r, sealed, key_id: sealedKeyId(sealed)! };
    });
    await sql`insert into cdp_contact_point (merchant_id, profile_id, kind, value_hash, sealed, key_id, masked, source, created_at, updated_at)
      select ${merchant_id}, ${m.into}, * from unnest(${moved.map((r) => r.kind)}::text[], ${moved.map((r) => r.value_hash)}::text[], ${moved.map((r) => r.sealed)}::text[],
        ${moved.map((r) => r.key_id)}::text[], ${moved.map((r) => r.masked)}::text[], ${moved.map((r) => r.source)}::text[],
        ${moved.map((r) => r.created_at.toISOString())}::timestamptz[], ${moved.map((r) => r.updated_at.toISOString())}::timestamptz[])
      on conflict (merchant_id, profile_id, kind, value_hash) do update set updated_at = greatest(cdp_contact_point.updated_at, excluded.updated_at)`.execute(db);
  }
}

/**
 * Re-seals up to `limit` contact points not sealed under the keyring's current key, in one
 * transaction of the caller's; returns how many. Rows are taken in key order after `after` and
 * locked (`skip locked`: a consumer's own write goes first), so a run interrupted anywhere starts
 * again where it was and a second run alongside does no harm.
 */
export async function resealContactPoints(db: AnyDb, sealer: ContactKeyring, limit: number, after?: readonly string[]): Promise<{ resealed: number; failed: number; last: string[] | undefined }> {
  const from = after === undefined ? sql`true` : sql`(merchant_id, profile_id, kind, value_hash) > (${after[0]}, ${after[1]}, ${after[2]}, ${after[3]})`;
  const rows = await sql<{ merchant_id: string; profile_id: string; kind: ContactKind; value_hash: string; sealed: string }>`
    select merchant_id, profile_id, kind, value_hash, sealed from cdp_contact_point where key_id <> ${sealer.key_id} and ${from}
    order by merchant_id, profile_id, kind, value_hash limit ${limit} for update skip locked`.execute(db);
  let failed = 0;
  const done: { merchant_id: string; profile_id: string; kind: string; value_hash: string; sealed: string }[] = [];
  for (const r of rows.rows) {
    const ctx = context(r.merchant_id, r.profile_id, r.kind);
    try {
      done.push({ ...r, sealed: sealer.seal(sealer.open(r.sealed, ctx), ctx) });
    } catch (error) {
      if (!(error instanceof SealingError) && !(error instanceof Error && /unsupported state|auth/i.test(error.message))) throw error;
      failed++;
    }
  }
  if (done.length > 0) {
    await sql`update cdp_contact_point c set sealed = x.sealed, key_id = ${sealer.key_id}
      from unnest(${done.map((r) => r.merchant_id)}::text[], ${done.map((r) => r.profile_id)}::text[], ${done.map((r) => r.kind)}::text[], ${done.map((r) => r.value_hash)}::text[], ${done.map((r) => r.sealed)}::text[])
        as x(merchant_id, profile_id, kind, value_hash, sealed)
      where c.merchant_id = x.merchant_id and c.profile_id = x.profile_id and c.kind = x.kind and c.value_hash = x.value_hash`.execute(db);
  }
  const last = rows.rows.at(-1);
  return { resealed: done.length, failed, last: last === undefined ? undefined : [last.merchant_id, last.profile_id, last.kind, last.value_hash] };
}

/** Contact points that do not open under the configured keys (a sample of at most `sample` rows, and every row under an unknown key id). */
export async function unopenableContactPoints(db: AnyDb, sealer: ContactKeyring, sample: number): Promise<string[]> {
  const estimate = await sql<{ n: number }>`select reltuples::float8 as n from pg_class where oid = 'cdp_contact_point'::regclass`.execute(db);
  const rowsNow = estimate.rows[0]?.n ?? -1;
  // A large table is sampled (a block sample of about `sample` rows); a small one is read whole.
  const sampled = rowsNow > sample * 2 ? sql`cdp_contact_point tablesample system (${sql.lit(Math.max(0.001, (sample * 100) / rowsNow))})` : sql`cdp_contact_point`;
  const rows = await sql<{ merchant_id: string; profile_id: string; kind: ContactKind; sealed: string; key_id: string }>`
    (select merchant_id, profile_id, kind, sealed, key_id from cdp_contact_point where key_id <> all(${[...sealer.key_ids]}::text[]) limit 100)
    union all
    (select merchant_id, profile_id, kind, sealed, key_id from ${sampled} limit ${sample})`.execute(db);
  const problems: string[] = [];
  for (const r of rows.rows) {
    try {
      sealer.open(r.sealed, context(r.merchant_id, r.profile_id, r.kind));
    } catch {
      problems.push(`the ${r.kind} contact point of ${r.merchant_id}/${r.profile_id} does not open (key ${r.key_id})`);
    }
  }
  return [...new Set(problems)];
}

/**
 * The erase-consumer flow's part: email contact points with one of the erased person's email
 * hashes, wherever they are held (a profile split from the erased one by an undone merge).
 */
export async function forgetContactPoints(db: AnyDb, merchant_id: string, email_hashes: readonly string[]): Promise<number> {
  if (email_hashes.length === 0) return 0;
  const result = await sql`delete from cdp_contact_point where merchant_id = ${merchant_id} and kind = 'email' and value_hash = any(${email_hashes}::text[])`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
