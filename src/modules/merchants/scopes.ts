import type { ScopeDefinition } from '../../kernel/http/scopes.js';

/** The scopes of the merchant's own account: its profile, API keys, people and audit trail. */
export const scopes: readonly ScopeDefinition[] = [
  { name: 'merchant:read', kind: 'secret', description: 'Read the store’s profile' },
  { name: 'merchant:write', kind: 'secret', description: 'Change the store’s profile: its time zone' },
  { name: 'keys:read', kind: 'secret', description: 'List API keys (never their tokens) and the scopes a key may hold' },
  { name: 'keys:write', kind: 'secret', description: 'Create, rename, restrict and revoke API keys, with at most the scopes the caller holds' },
  { name: 'audit:read', kind: 'secret', description: 'Read the audit trail of who changed what' },
  { name: 'users:read', kind: 'secret', description: 'List the people who may sign in to the console' },
  { name: 'users:write', kind: 'secret', description: 'Invite people, change their roles and disable them' },
];
