import { gunzipSync } from 'node:zlib';
import { newId } from '../../kernel/ids.js';
import { unstorableFields } from '../../kernel/http/storable.js';
import { Problem, problems, type FieldError } from '../../kernel/problem.js';
import { storedIdentifier, type Identifier } from './identifiers.js';
import { orderValueErrors } from './signals.js';
import { maskedContactTraits } from './contact.js';
import type { ConsentChannel, EventType, IncomingEvent, Purpose } from './ingestion/incoming-event.js';

/**
 * The Segment HTTP tracking API, as existing analytics SDKs speak it: the same paths, the write
 * key as the Basic user name or `writeKey` in the body, JSON sent as application/json or
 * text/plain, optionally gzipped; limits of 32 KB per event, 500 KB and 2,500 events per batch;
 * `timestamp` corrected for the device's clock with `sentAt` and the time we received it.
 *
 * A batch is all or nothing: if any event in it is invalid, the whole request is refused with
 * the index and reason of each bad event, and nothing of it is stored.
 */
export const event_bytes_max = 32 * 1024;
export const batch_bytes_max = 500 * 1024;
export const batch_events_max = 2_500;

export const shortPaths: Record<string, EventType | 'batch'> = { t: 'track', i: 'identify', p: 'page', s: 'screen', g: 'group', a: 'alias', b: 'batch' };

export function decodeBody(raw: Uint8Array, encoding: string | undefined): string {
  if (raw.byteLength > batch_bytes_max) throw problems.payloadTooLarge(batch_bytes_max);
  if (encoding !== undefined && /gzip/i.test(encoding)) {
    try {
      return gunzipSync(raw, { maxOutputLength: batch_bytes_max }).toString('utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw problems.payloadTooLarge(batch_bytes_max);
      throw new Problem(400, 'malformed_gzip', 'The body is not valid gzip', 'Content-Encoding says gzip but the body could not be decompressed');
    }
  }
  return Buffer.from(raw).toString('utf8');
}

export function parseJson(text: string): Record<string, unknown> {
  let parsed: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    parsed = value as Record<string, unknown>;
  } catch (error) {
    throw problems.malformedJson(error instanceof Error ? error.message : 'invalid JSON');
  }
  const unstorable = unstorableFields(parsed, 'body');
  if (unstorable.length > 0) throw problems.validation(unstorable);
  return parsed;
}

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

/** Event times PostgreSQL and every report can hold; outside them a device clock or a client is broken. */
const earliest = Date.UTC(1900, 0, 1);
const latest = Date.UTC(9999, 11, 31, 23, 59, 59);

function parseTime(v: unknown): Date | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const d = new Date(v);
  const t = d.getTime();
  return Number.isNaN(t) || t < earliest || t > latest ? undefined : d;
}

/** The time fields of an event that are present but not a time between the years 1900 and 9999. */
function badTimes(raw: Record<string, unknown>, field: (f: string) => string): FieldError[] {
  return ['timestamp', 'originalTimestamp', 'sentAt']
    .filter((f) => raw[f] !== undefined && raw[f] !== null && parseTime(raw[f]) === undefined)
    .map((f) => ({ field: field(f), location: 'body' as const, message: 'must be an ISO 8601 time between the years 1900 and 9999' }));
}

/** Segment's clock-skew correction: trust the order of the device's clock, not its offset. */
export function correctedTimestamp(raw: Record<string, unknown>, sentAt: Date | undefined, receivedAt: Date): Date {
  const original = parseTime(raw.originalTimestamp) ?? parseTime(raw.timestamp);
  if (original === undefined) return receivedAt;
  if (sentAt === undefined) return original;
  return new Date(receivedAt.getTime() - (sentAt.getTime() - original.getTime()));
}

const consentNames: Record<string, Purpose> = { analytics: 'analytics', personalisation: 'personalisation', personalization: 'personalisation', marketing: 'marketing', advertising: 'marketing' };

const channelNames: Record<string, ConsentChannel> = { email: 'email', email_marketing: 'email', sms: 'sms', sms_marketing: 'sms', push: 'push', push_marketing: 'push', push_notifications: 'push' };

/** Consent per channel: `categoryPreferences` keys naming a channel (`email`, `sms_marketing`, `push`). */
function channelConsentOf(context: Record<string, unknown>): Partial<Record<ConsentChannel, boolean>> | undefined {
  const prefs = obj(obj(context.consent).categoryPreferences);
  const out: Partial<Record<ConsentChannel, boolean>> = {};
  for (const [k, v] of Object.entries(prefs)) {
    const channel = channelNames[k.toLowerCase()];
    if (channel !== undefined && typeof v === 'boolean') out[channel] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function consentOf(context: Record<string, unknown>): Partial<Record<Purpose, boolean>> | undefined {
  const prefs = obj(obj(context.consent).categoryPreferences);
  const out: Partial<Record<Purpose, boolean>> = {};
  for (const [k, v] of Object.entries(prefs)) {
    const purpose = consentNames[k.toLowerCase()];
    if (purpose !== undefined && typeof v === 'boolean') out[purpose] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The context as stored with the event: `context.traits` may carry the email and phone, which
 * the data bank keeps only hashed (as identifiers) and masked, never as sent.
 */
function withoutRawContact(context: Record<string, unknown>): Record<string, unknown> {
  const device = obj(context.device);
  // A push token is a contact point: kept sealed, never in the stored context.
  const bare = device.token === undefined ? context : { ...context, device: Object.fromEntries(Object.entries(device).filter(([k]) => k !== 'token')) };
  const traits = obj(bare.traits);
  if (traits.email === undefined && traits.phone === undefined) return bare;
  const { email: _e, phone: _p, ...rest } = traits;
  return { ...bare, traits: { ...rest, ...maskedContactTraits(traits) } };
}

export function identifiersOf(type: EventType, raw: Record<string, unknown>, traits: Record<string, unknown>, context: Record<string, unknown>): Identifier[] {
  const ctxTraits = obj(context.traits);
  const candidates: (Identifier | undefined)[] = [
    storedIdentifier('user_id', str(raw.userId)),
    storedIdentifier('anonymous_id', str(raw.anonymousId)),
    // An alias links the previous identity (usually the anonymous one) to the user.
    type === 'alias' ? storedIdentifier('anonymous_id', str(raw.previousId)) : undefined,
    storedIdentifier('email', str(traits.email) ?? str(ctxTraits.email)),
    storedIdentifier('phone', str(traits.phone) ?? str(ctxTraits.phone)),
    storedIdentifier('member_code', str(traits.member_code) ?? str(ctxTraits.member_code)),
    storedIdentifier('device_id', str(obj(context.device).id)),
    ...(Array.isArray(context.externalIds) ? context.externalIds.map((x) => storedIdentifier('external_id', `${str(obj(x).type) ?? 'id'}:${str(obj(x).id) ?? ''}`)) : []),
  ];
  return candidates.filter((i): i is Identifier => i !== undefined && !(i.type === 'external_id' && i.value.endsWith(':')));
}

const types = new Set<EventType>(['track', 'identify', 'page', 'screen', 'group', 'alias']);

export interface ParsedRequest {
  writeKey: string | undefined;
  events: Omit<IncomingEvent, 'merchant_id'>[];
}

/**
 * Validates and normalises one request (a single call or a batch); throws a Problem listing bad
 * events. `bodyLength` is the decoded body's length: when the whole body fits the event limit, no
 * event in it can exceed it, and the events need not be measured one by one.
 */
export function parseRequest(path: EventType | 'batch', body: Record<string, unknown>, receivedAt: Date, bodyLength = Number.POSITIVE_INFINITY): ParsedRequest {
  const sentAt = parseTime(body.sentAt);
  if (body.sentAt !== undefined && body.sentAt !== null && sentAt === undefined) throw problems.validation(badTimes(body, (f) => f));
  const raws: { raw: Record<string, unknown>; type: unknown }[] =
    path === 'batch'
      ? (() => {
          if (!Array.isArray(body.batch)) throw problems.validation([{ field: 'batch', location: 'body', message: 'must be an array of events' }]);
          if (body.batch.length > batch_events_max) throw new Problem(413, 'batch_too_large', 'Too many events', `A batch holds at most ${batch_events_max} events`);
          return body.batch.map((e) => ({ raw: obj(e), type: obj(e).type }));
        })()
      : [{ raw: body, type: path }];
  const batchContext = obj(body.context);
  const errors: FieldError[] = [];
  const events: Omit<IncomingEvent, 'merchant_id'>[] = [];
  raws.forEach(({ raw, type }, i) => {
    const field = (f: string) => (path === 'batch' ? `batch.${i}.${f}` : f);
    if (bodyLength > event_bytes_max && JSON.stringify(raw).length > event_bytes_max) throw new Problem(413, 'event_too_large', 'An event is too large', `Event ${path === 'batch' ? i : ''} exceeds ${event_bytes_max} bytes`);
    if (typeof type !== 'string' || !types.has(type as EventType)) return errors.push({ field: field('type'), location: 'body', message: 'must be track, identify, page, screen, group or alias' });
    const t = type as EventType;
    const userId = str(raw.userId);
    const anonymousId = str(raw.anonymousId);
    if (userId === null && anonymousId === null) return errors.push({ field: field('userId'), location: 'body', message: 'userId or anonymousId is required' });
    if (t === 'track' && str(raw.event) === null) return errors.push({ field: field('event'), location: 'body', message: 'a track call needs an event name' });
    const refused = [...badTimes(raw, field), ...orderValueErrors(obj(raw.properties)).map((f) => ({ field: field(`properties.${f}`), location: 'body' as const, message: 'must be a number from 0 to 10^13 (major units; amount_minor: a safe integer)' }))];
    if (refused.length > 0) return errors.push(...refused);
    const context = { ...batchContext, ...obj(raw.context) };
    const traits = t === 'identify' || t === 'group' ? obj(raw.traits) : obj(context.traits);
    const consent = consentOf(context);
    const channelConsent = channelConsentOf(context);
    const deviceToken = str(obj(context.device).token);
    events.push({
      message_id: str(raw.messageId) ?? newId('msg'),
      type: t,
      event: t === 'track' ? str(raw.event) : str(raw.name),
      user_id: userId,
      anonymous_id: anonymousId,
      traits,
      properties: obj(raw.properties),
      context: withoutRawContact(context),
      occurred_at: correctedTimestamp(raw, parseTime(raw.sentAt) ?? sentAt, receivedAt),
      received_at: receivedAt,
      identifiers: identifiersOf(t, raw, traits, context),
      ...(consent === undefined ? {} : { consent }),
      ...(channelConsent === undefined ? {} : { channel_consent: channelConsent }),
      ...(deviceToken === null ? {} : { device_token: deviceToken }),
    });
    return undefined;
  });
  if (errors.length > 0) throw problems.validation(errors);
  return { writeKey: str(body.writeKey) ?? undefined, events };
}
