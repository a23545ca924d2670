import { sql, type RawBuilder } from 'kysely';
import { createHash } from 'node:crypto';

/**
 * Identifiers that tie events to a person. Email and phone are normalised and stored only as
 * SHA-256 hashes; the others are opaque IDs stored as sent. Some values are placeholders that
 * SDKs and forms emit for "unknown", and must never merge two people.
 */
export type IdentifierType = 'user_id' | 'anonymous_id' | 'email' | 'phone' | 'device_id' | 'member_code' | 'external_id';

export interface Identifier {
  type: IdentifierType;
  value: string;
}

/** Highest first: the identifier that decides which profile an event belongs to. */
export const identifierPriority: readonly IdentifierType[] = ['user_id', 'member_code', 'email', 'phone', 'external_id', 'device_id', 'anonymous_id'];

/** How many identifiers of a type one profile may hold; beyond that, no merge happens. */
export const identifiers_per_profile_max: Readonly<Record<IdentifierType, number>> = {
  user_id: 1,
  member_code: 1,
  email: 3,
  phone: 3,
  external_id: 5,
  device_id: 10,
  anonymous_id: 100,
};

/** A device seen with more people than this (a shared in-store tablet) stops merging. */
export const users_per_device_max = 3;

const neverMerge = new Set(['', 'anonymous', 'null', 'undefined', 'none', 'nil', 'unknown', '0', '-1', 'n/a', 'na', 'guest', 'test', 'true', 'false', '[object object]', '00000000-0000-0000-0000-000000000000']);

export function isNeverMerge(value: string): boolean {
  return neverMerge.has(value.trim().toLowerCase());
}

/** How the suppression list holds an identity's stored value, in SQL: its SHA-256, in hex. */
export function suppressed(value: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`encode(sha256(convert_to(${value}, 'UTF8')), 'hex')`;
}

export function hashValue(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function normaliseEmail(email: string): string | undefined {
  const trimmed = email.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed) ? trimmed : undefined;
}

/** Digits only, with a leading + kept; too short to be a phone number means no identifier. */
export function normalisePhone(phone: string): string | undefined {
  const digits = phone.replace(/[^\d+]/g, '');
  const plain = digits.replace(/^\+/, '');
  return plain.length >= 7 && plain.length <= 15 ? `${digits.startsWith('+') ? '+' : ''}${plain}` : undefined;
}

/** The stored form of an identifier: hashed for email and phone. */
export function storedIdentifier(type: IdentifierType, raw: string | number | null | undefined): Identifier | undefined {
  if (raw === undefined || raw === null) return undefined;
  const value = String(raw);
  if (isNeverMerge(value)) return undefined;
  if (type === 'email') {
    const email = normaliseEmail(value);
    return email === undefined ? undefined : { type, value: hashValue(email) };
  }
  if (type === 'phone') {
    const phone = normalisePhone(value);
    return phone === undefined ? undefined : { type, value: hashValue(phone) };
  }
  return value.length > 200 ? undefined : { type, value };
}

export const identifierKey = (i: Identifier) => `${i.type}:${i.value}`;
