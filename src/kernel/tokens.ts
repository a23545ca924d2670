import { createHash, randomBytes } from 'node:crypto';

/**
 * Bearer tokens (API keys, console and consumer sessions, cart tokens, webhook secrets): a prefix
 * that says what the token is, then random bytes. Only a token's SHA-256 is stored.
 */
export function newToken(prefix: string, bytes: number): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
