/**
 * Attribution (issue 19): tokens on every recommendation and search answer, the views, clicks,
 * carts and purchases that follow, and the daily recommendation-versus-search figures. See
 * docs/RECS.md.
 */
import { defineModule } from '../../kernel/module.js';
import { migrations } from './migrations.js';

export const attributionModule = defineModule({
  name: 'attribution',
  migrations,
});

export { attributionSecret, issueToken, verifyToken, attributionSources, placements, token_valid_days, type AttributionClaim, type AttributionSource, type Placement, type TokenRefusal, type TokenSecret } from './token.js';
export { recordServed, flushServed, stopServedRecorder, servedRecorderStats, type ServedDetail } from './served.js';
export type { AttributionTables } from './tables.js';
