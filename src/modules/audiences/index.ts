/**
 * Audiences (issue 17): who a brand wants to reach, as a rule over its data bank (rules.ts),
 * answered from compressed bitmaps of consumer numbers kept current as events arrive, or from
 * PostgreSQL when a rule needs it (sql.ts, evaluate.ts); saved audiences with their size over
 * time, export, webhook syncs, and membership changes (entered, left) that campaigns trigger on.
 */
import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { audienceEvents } from './events.js';
import { refreshTask } from './maintenance.js';
import { migrations } from './migrations.js';
import { registerRoutes } from './routes.js';

export const audiencesModule = defineModule({
  name: 'audiences',
  migrations,
  routes: registerRoutes,
  checks,
  maintenance: [refreshTask],
  scopes: [
    { name: 'audiences:read', kind: 'secret', description: 'Read saved audiences, their sizes, members and exports, and estimate the size of a rule' },
    { name: 'audiences:write', kind: 'secret', description: 'Create, change and delete saved audiences and their syncs to external destinations' },
  ],
  webhookEvents: audienceEvents,
});

export * from './rules.js';
export { audienceEntered, audienceLeft, audienceEvents } from './events.js';
export type { AudienceRules, BitmapPath, Evaluation, EvaluationPath } from './paths.js';
export { evaluateRule, evaluateSql, forgetTraitCatalog, profileIdsOf, rule_timeout_ms_default, setBitmapPath, traitCatalog, validateRule, builtin_traits, type EvaluateOptions } from './evaluate.js';
export { ruleQuery, haversine, type SqlContext } from './sql.js';
export { audienceSizes, createAudience, deleteAudience, getAudience, listAudiences, membersAmong, numsAfter, updateAudience, type Audience, type AudienceChanges, type Member, type NewAudience } from './audiences.js';
export { diffMembership, membership_events_per_run_max, recordSize, refreshAudiences, type MembershipChange, type RefreshReport } from './maintenance.js';
export { pushSyncs, sync_batch_max, type AudienceSync, type SyncReport } from './syncs.js';
export { AudienceBitmaps, bitmapPath, type BitmapOptions } from './bitmap/index.js';
