import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Every delivery carries `OpenBOS-Signature: t=<unix seconds>,v1=<hex>`, where v1 is the
 * HMAC-SHA256 of `<t>.<raw body>` keyed with the endpoint's secret (the whole `whsec_...`
 * string as UTF-8). Signing the timestamp with the body lets a receiver refuse a captured
 * request replayed later; the scheme is Stripe's, so receivers know it. While a rotated secret
 * is still valid the header carries one `v1` per secret, the new one first
 * (`t=...,v1=<new>,v1=<old>`), as Stripe does: a receiver that accepts any matching `v1` keeps
 * working with either secret.
 */
export const signatureHeader = 'OpenBOS-Signature';
export const eventIdHeader = 'OpenBOS-Event-Id';

/** How far a receiver should let the signature's time differ from its own clock by default. */
export const signature_tolerance_s_default = 300;

function hmacHex(secret: string, timestamp_s: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp_s}.${rawBody}`).digest('hex');
}

/** Signs with every secret given (the current one first, then one being rotated out). */
export function signWebhook(secrets: string | readonly string[], rawBody: string, timestamp_s: number): string {
  const all = typeof secrets === 'string' ? [secrets] : secrets;
  if (all.length === 0) throw new Error('a webhook is signed with at least one secret');
  return [`t=${timestamp_s}`, ...all.map((secret) => `v1=${hmacHex(secret, timestamp_s, rawBody)}`)].join(',');
}

/**
 * For receivers: true when `header` (the `OpenBOS-Signature` value) signs `rawBody` (the bytes
 * received, before any JSON parsing) with `secret`, and its timestamp lies within `tolerance_s`
 * of `now_s`. Any one matching `v1` suffices, so a header may carry several. Compares in
 * constant time.
 */
export function verifyWebhookSignature(secret: string, header: string | null | undefined, rawBody: string, tolerance_s: number = signature_tolerance_s_default, now_s: number = Date.now() / 1_000): boolean {
  if (header === null || header === undefined) return false;
  const parts = header.split(',').map((p) => p.trim().split('='));
  const timestamps = parts.filter(([k]) => k === 't').map(([, v]) => v ?? '');
  if (timestamps.length !== 1 || !/^\d{1,12}$/.test(timestamps[0]!)) return false;
  const timestamp_s = Number(timestamps[0]);
  if (Math.abs(now_s - timestamp_s) > tolerance_s) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp_s, rawBody), 'hex');
  return parts
    .filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v))
    .some(([, v]) => timingSafeEqual(Buffer.from(v!, 'hex'), expected));
}
