import type { MaintenanceTask } from '../../kernel/module.js';
import type { ScopeDefinition } from '../../kernel/http/scopes.js';
import { flagStaleSessions } from './sessions.js';

/** The scopes of in-store selling; `instore:read`/`instore:write` serve every part of the module. */
export const sessionsScopes: ScopeDefinition[] = [
  { name: 'instore:read', kind: 'secret', description: 'Read in-store selling: unattended stores, their devices, shopping sessions, the review queue and disputes' },
  { name: 'instore:write', kind: 'secret', description: 'Run in-store selling: set stores unattended, register devices, resolve reviewed sessions, decide disputes' },
  { name: 'instore:devices', kind: 'secret', description: 'A store’s devices: gates open and close shopping sessions (and charge at the exit), shelves report picks and put-backs, heartbeats' },
];

export const sessionsMaintenance: MaintenanceTask[] = [{ name: 'instore.flag_stale_sessions', interval_ms: 5 * 60_000, run: async ({ db }) => void (await flagStaleSessions(db)) }];
