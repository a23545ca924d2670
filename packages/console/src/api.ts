import { createOpenBos, OpenBosError, unwrap, type Schemas } from '@openbos/sdk';

/**
 * The console's one way to the server: the typed SDK, on this page's origin, signed in by the
 * HttpOnly session cookie. Changes carry the session's anti-forgery token, learnt at sign-in.
 */
let csrfToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export const bos = createOpenBos({ baseUrl: window.location.origin, csrfToken: () => csrfToken });

export { OpenBosError, unwrap, type Schemas };

/** A new idempotency key for one user action, so a double click or a retry never acts twice. */
export function idempotencyKey(): { 'Idempotency-Key': string } {
  return { 'Idempotency-Key': crypto.randomUUID() };
}
