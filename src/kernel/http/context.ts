import type { KeyKind, Scope } from './scopes.js';

/**
 * Who is calling: resolved from an API key or a console session by the authenticator of the
 * merchants module. A console session (a person signed in to the web console) may do what a
 * secret key may, limited by the scopes of the person's role.
 */
export interface Caller {
  readonly merchant_id: string;
  /** The credential: an API key ID, or a console session ID; rate limits and idempotency keys are per credential. */
  readonly key_id: string;
  readonly kind: CallerKind;
  readonly scopes: ReadonlySet<Scope>;
  /** Who acts, as recorded in audit logs and order timelines: `key:key_...` or `user:usr_...`. */
  readonly actor: string;
  /** The web origins whose pages may use a publishable key (see cors.ts); none for other callers. */
  readonly allowed_origins?: readonly string[];
}

export type CallerKind = KeyKind | 'console';

export interface AppEnv {
  Variables: {
    requestId: string;
    /**
     * What the request's log lines carry (request ID, then the caller's merchant and key). Kept as
     * fields rather than a pino child logger per request, which cost several per cent of the
     * server's CPU under load; the lines read the same.
     */
    logFields: Record<string, unknown>;
    caller: Caller;
    /**
     * Set when the request runs again under an Idempotency-Key whose first run's process died
     * (idempotency.ts): the first run may have done part of the work, which the handler finds.
     */
    idempotentRerun?: boolean;
  };
}

/** Resolves a presented API key or console session token, or undefined when it is unknown, expired or revoked. */
export interface Authenticator {
  authenticate(token: string): Promise<Caller | undefined>;
  /**
   * The anti-forgery token a browser must echo in `X-CSRF-Token` when it authenticates with the
   * session cookie; undefined for tokens that cannot come from a cookie.
   */
  csrfTokenFor(token: string): string | undefined;
}
