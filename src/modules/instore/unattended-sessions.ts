import type { MaintenanceTask } from '../../kernel/module.js';
import type { ScopeDefinition } from '../../kernel/http/scopes.js';
import { flagStaleSessions } from './sessions.js';

/** Scopes of unattended stores (`instore:write` is declared in index.ts, shared by every in-store part). */
export const sessionsScopes: ScopeDefinition[] = [
  { name: 'instore:read', kind: 'secret', description: 'Read in-store selling: unattended stores, their devices, shopping sessions, the review queue and disputes' },
  { name: 'instore:devices', kind: 'secret', description: 'A store’s devices: gates open and close shopping sessions (and charge at the exit), shelves report picks and put-backs, heartbeats' },
];

export const sessionsMaintenance: MaintenanceTask[] = [{ name: 'instore.flag_stale_sessions', interval_ms: 5 * 60_000, run: async ({ db }) => void (await flagStaleSessions(db)) }];
