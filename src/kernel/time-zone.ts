import { z } from '@hono/zod-openapi';

/**
 * Time zones are IANA names ("Asia/Shanghai"): a merchant's days (sales today, the daily
 * series, A-I-P-L days) begin and end at its own midnight, not at UTC's. Offsets such as "+08:00"
 * are refused: they know no daylight saving time, and PostgreSQL reads them with the sign turned.
 */
export function canonicalTimeZone(value: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export const isTimeZone = (value: string): boolean => canonicalTimeZone(value) !== undefined;

/** An IANA time zone, as the API takes it (store `canonicalTimeZone` of it). */
export const timeZoneSchema = z.string().max(64).refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai').openapi({ example: 'Asia/Shanghai' });

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (YYYY-MM-DD) an instant falls on in a time zone. */
export function localDay(at: Date, time_zone: string): string {
  let format = dayFormats.get(time_zone);
  if (format === undefined) {
    // One formatter per zone: an import asks for the day of every row.
    format = new Intl.DateTimeFormat('en-CA', { timeZone: time_zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(time_zone, format);
  }
  return format.format(at);
}

/** The calendar day before a day (YYYY-MM-DD). */
export function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}
