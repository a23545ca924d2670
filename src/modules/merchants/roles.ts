import { secretScopes, type Scope } from '../../kernel/http/scopes.js';
import { Problem } from '../../kernel/problem.js';
import type { ConsoleRole } from './tables.js';

/**
 * What each console role may do, as API scopes. A signed-in person calls the same API as a
 * secret key does, so one scope check guards both. Owners may do everything; admins everything
 * but manage people; staff run the daily business; viewers only look.
 */
const staffScopes: readonly Scope[] = [
  'merchant:read',
  'locations:read',
  'catalog:read',
  'catalog:write',
  'inventory:read',
  'inventory:write',
  'orders:read',
  'orders:write',
  'payments:read',
  'consumers:read',
];

const viewerScopes: readonly Scope[] = ['merchant:read', 'locations:read', 'catalog:read', 'inventory:read', 'orders:read', 'payments:read', 'payouts:read', 'consumers:read'];

export const consoleRoles = ['owner', 'admin', 'staff', 'viewer'] as const satisfies readonly ConsoleRole[];

export function scopesOfRole(role: ConsoleRole): Scope[] {
  switch (role) {
    case 'owner':
      return [...secretScopes];
    case 'admin':
      return secretScopes.filter((s) => s !== 'users:write');
    case 'staff':
      return [...staffScopes];
    case 'viewer':
      return [...viewerScopes];
  }
}

/**
 * Nobody may grant powers they do not hold, nor act on someone who holds more: a caller may give
 * a role, or change, disable or reset the password of a person, only when every scope of that
 * role is one of the caller's own. So a key with `users:write` alone can neither make an owner
 * nor take over one.
 */
export function assertWithinPowers(callerScopes: ReadonlySet<Scope>, scopes: readonly Scope[], what: string): void {
  const beyond = scopes.filter((s) => !callerScopes.has(s));
  if (beyond.length > 0) {
    throw new Problem(403, 'exceeds_your_powers', 'That would exceed your own powers', `${what} holds ${beyond.length} scope(s) you do not: \`${beyond.join('`, `')}\``);
  }
}
