/**
 * Attribution (issue 19): tokens on every recommendation and search answer, the views, clicks,
 * carts and purchases that follow, and the daily recommendation-versus-search figures. See
 * docs/RECS.md.
 */
import { defineModule } from '../../kernel/module.js';
import { contactSealer } from '../databank/index.js';
import { checks } from './checks.js';
import { attributionOrderAttributed } from './events.js';
import { databankHandlers, orderHandlers } from './handlers.js';
import { migrations } from './migrations.js';
import { retentionTask } from './retention.js';
import { registerRoutes } from './routes.js';

export const attributionModule = defineModule({
  name: 'attribution',
  migrations,
  checks,
  routes: registerRoutes,
  handlers: ({ db, config }) => [...orderHandlers(db), ...databankHandlers(db, contactSealer(config))],
  maintenance: [retentionTask],
  webhookEvents: [attributionOrderAttributed],
  scopes: [
    { name: 'attribution:read', kind: 'secret', description: 'Read the traffic and sales attributed to recommendations and search' },
    { name: 'attribution:write', kind: 'secret', description: 'Report views, clicks, carts and purchases that followed a recommendation or search answer, from a server' },
  ],
});

export { attributionSecret, issueToken, verifyToken, attributionSources, placements, token_valid_days, type AttributionClaim, type AttributionSource, type Placement, type TokenRefusal, type TokenSecret } from './token.js';
export { recordServed, flushServed, stopServedRecorder, servedRecorderStats, type ServedDetail } from './served.js';
export { attributionTouched, attributionOrderAttributed } from './events.js';
export { recordTouches, settleOrder, reverseOrder, touches_per_batch_max, type TouchInput, type TouchResult } from './touches.js';
export { dailyFigures, placementFigures, allPlacements, type DailyRow, type Figures, type PlacementRow } from './figures.js';
export { pruneRaw, served_retention_days } from './retention.js';
export type { AttributionTables, TouchKind } from './tables.js';
export { touchKinds } from './tables.js';
