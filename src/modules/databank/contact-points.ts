import { sql } from 'kysely';
import type { Config } from '../../kernel/config.js';
import type { AnyDb } from '../../kernel/db.js';
import { lazyServerSealer, type Sealer } from '../../kernel/sealed.js';
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

/** The sealer contact points use: the server's key (OPENBOS_SEALING_KEY or the data folder's key file). */
export function contactSealer(config: Config): Sealer {
  return lazyServerSealer({ data_dir: config.dataDir, key_text: config.OPENBOS_SEALING_KEY });
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
  const rows = points.flatMap((p) => {
    const value = normaliseContact(p.kind, p.value);
    if (value === undefined) return [];
    const sealed = sealer.seal(value, context(merchant_id, p.profile_id, p.kind));
    return [{ profile_id: p.profile_id, kind: p.kind, hash: hashValue(value), sealed, key_id: sealed.split('.')[1]!, masked: maskOf(p.kind, value) }];
  });
  if (rows.length === 0) return 0;
  rows.sort((a, b) => (`${a.profile_id}:${a.kind}:${a.hash}` < `${b.profile_id}:${b.kind}:${b.hash}` ? -1 : 1));
  await sql`insert into cdp_contact_point (merchant_id, profile_id, kind, value_hash, sealed, key_id, masked, source)
    select ${merchant_id}, * from unnest(${rows.map((r) => r.profile_id)}::text[], ${rows.map((r) => r.kind)}::text[], ${rows.map((r) => r.hash)}::text[],
      ${rows.map((r) => r.sealed)}::text[], ${rows.map((r) => r.key_id)}::text[], ${rows.map((r) => r.masked)}::text[], ${rows.map(() => source)}::text[])
    on conflict (merchant_id, profile_id, kind, value_hash) do update set sealed = excluded.sealed, key_id = excluded.key_id, updated_at = now()`.execute(db);
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
