import type { Logger } from 'pino';
import type { KeyKind, Scope } from './scopes.js';

/** Who is calling: resolved from the API key by the authenticator of the merchants module. */
export interface Caller {
  readonly merchant_id: string;
  readonly key_id: string;
  readonly kind: KeyKind;
  readonly scopes: ReadonlySet<Scope>;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    caller: Caller;
  };
}

/** Resolves a presented API key, or undefined when it is unknown or revoked. */
export interface Authenticator {
  authenticate(token: string): Promise<Caller | undefined>;
}
