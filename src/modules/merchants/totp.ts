import { Secret, TOTP } from 'otpauth';

/**
 * Time-based one-time passwords (RFC 6238) as every authenticator app reads them: SHA-1, six
 * digits, 30-second steps, through the `otpauth` library. A code is accepted one step either
 * side of now (±30 s of clock drift between phone and server) and identified by its step, so the
 * caller can refuse a step already used.
 */
export const totp_period_s = 30;
export const totp_window_steps = 1;
const totp_digits = 6;
const secret_bytes = 20;

function totpOf(secret_base32: string, label = '', issuer = ''): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: totp_digits, period: totp_period_s, secret: Secret.fromBase32(secret_base32) });
}

/** A new random secret (160 bits, as RFC 4226 recommends), in base32. */
export function newTotpSecret(): string {
  return new Secret({ size: secret_bytes }).base32;
}

/** The `otpauth://` URI an authenticator app scans: the store's name as issuer, the email as label. */
export function otpauthUri(secret_base32: string, issuer: string, label: string): string {
  return totpOf(secret_base32, label, issuer).toString();
}

/** The time step a code belongs to, within the window around `now_ms`; undefined when it matches none. */
export function stepOfCode(secret_base32: string, code: string, now_ms: number = Date.now()): number | undefined {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const delta = totpOf(secret_base32).validate({ token, timestamp: now_ms, window: totp_window_steps });
  if (delta === null) return undefined;
  return TOTP.counter({ period: totp_period_s, timestamp: now_ms }) + delta;
}
