import { secretScopes, type Scope } from '../../kernel/http/scopes.js';
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
