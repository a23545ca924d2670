/**
 * Scopes an API key may hold. Secret keys hold any of them (all by default); publishable keys,
 * which live in browsers and apps, only the publishable ones.
 */
export const secretScopes = [
  'merchant:read',
  'keys:read',
  'keys:write',
  'locations:read',
  'locations:write',
  'catalog:read',
  'catalog:write',
  'inventory:read',
  'inventory:write',
  'orders:read',
  'orders:write',
  'payments:read',
  'payouts:read',
  'consumers:read',
  'consumers:write',
  'audit:read',
  'webhooks:read',
  'webhooks:write',
  'users:read',
  'users:write',
] as const;

export const publishableScopes = ['storefront:read', 'checkout:write', 'events:write'] as const;

export const allScopes = [...secretScopes, ...publishableScopes] as const;

export type Scope = (typeof allScopes)[number];
export type KeyKind = 'secret' | 'publishable';

export function isScope(value: string): value is Scope {
  return (allScopes as readonly string[]).includes(value);
}

export function defaultScopes(kind: KeyKind): Scope[] {
  return kind === 'secret' ? [...secretScopes] : [...publishableScopes];
}

export function scopesAllowedFor(kind: KeyKind): readonly Scope[] {
  return kind === 'secret' ? allScopes : publishableScopes;
}
