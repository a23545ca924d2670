import type { Scope, ScopeCatalogue } from '../../kernel/http/scopes.js';
import { Problem } from '../../kernel/problem.js';
import type { ConsoleRole } from './tables.js';

/**
 * What each console role may do, as API scopes. A signed-in person calls the same API as a
 * secret key does, so one scope check guards both. Owners may do everything; admins everything
 * but manage people; staff run the daily business; viewers only look.
 *
 * Presets name modules rather than copy their scopes, so a module's new scope reaches the roles
 * that cover that module: owners and admins get every module's secret scopes; staff get all of
 * the modules they run and a few reads; viewers the read scopes of the modules they may see. A new
 * module's scopes reach staff or viewers once its name is added below.
 */
const staff: { runs: string[]; alsoScopes: Scope[] } = {
  runs: ['catalog', 'inventory', 'orders', 'logistics', 'fulfilment', 'replenishment'],
  alsoScopes: ['merchant:read', 'locations:read', 'payments:read', 'consumers:read', 'forecast:read', 'insight:read', 'recs:read', 'search:read', 'attribution:read'],
};
const viewer: { reads: string[]; alsoScopes: Scope[] } = {
  reads: ['locations', 'catalog', 'inventory', 'orders', 'payments', 'databank', 'logistics', 'fulfilment', 'recs', 'search', 'attribution', 'forecast', 'replenishment', 'insight'],
  alsoScopes: ['merchant:read'],
};
/** Clerks run the tills of the stores they are bound to (instore's `pos_clerk_store`), and look things up. */
const clerk: Scope[] = ['pos:read', 'pos:write', 'merchant:read', 'locations:read', 'catalog:read', 'inventory:read', 'orders:read'];

export const consoleRoles = ['owner', 'admin', 'staff', 'viewer', 'clerk'] as const satisfies readonly ConsoleRole[];

/**
 * A role's scopes; in the platform operator's own account (`merchant.platform_operator`) also the
 * platform scopes: every one for owners, admins and staff (who decide disputes), the reads for
 * viewers. No merchant's role holds them, so no merchant can grant them or reach platform routes.
 */
export function scopesOfRole(role: ConsoleRole, scopes: ScopeCatalogue, platform_operator = false): Scope[] {
  const merchantScopes = scopesOfMerchantRole(role, scopes);
  if (!platform_operator || role === 'clerk') return merchantScopes;
  const platform = scopes.ofKind('platform').filter((s) => role !== 'viewer' || s.endsWith(':read'));
  return [...merchantScopes, ...platform];
}

function scopesOfMerchantRole(role: ConsoleRole, scopes: ScopeCatalogue): Scope[] {
  switch (role) {
    case 'owner':
      return scopes.ofKind('secret');
    case 'admin':
      return scopes.ofKind('secret').filter((s) => s !== 'users:write');
    case 'staff':
      return declared(scopes, [...staff.alsoScopes, ...scopes.ofModules(staff.runs)]);
    case 'viewer':
      return declared(scopes, [...viewer.alsoScopes, ...scopes.ofModules(viewer.reads, 'read')]);
    case 'clerk':
      return declared(scopes, clerk);
  }
}

/** In catalogue order, and only scopes some module declares (a preset naming a removed scope grants nothing). */
function declared(scopes: ScopeCatalogue, wanted: readonly Scope[]): Scope[] {
  return scopes.ofKind('secret').filter((s) => wanted.includes(s));
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
