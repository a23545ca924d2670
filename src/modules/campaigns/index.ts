/**
 * Campaigns (issue 17): journeys (entry, send, wait, branch, coupon, exit) on durable timers,
 * season plans, control groups, sampling campaigns ranked by a propensity model, and the
 * analysis of what they changed (lift with its interval, funnels, cohorts, geo-time lift).
 */
import { defineModule } from '../../kernel/module.js';
import { registerAnalysisRoutes } from './analysis/routes.js';
import { migrations } from './migrations.js';

export const campaignsModule = defineModule({
  name: 'campaigns',
  migrations,
  routes: (router, ctx) => registerAnalysisRoutes(router, ctx),
});

export { campaignResults, type CampaignResults } from './analysis/results.js';
export { geoLift, type GeoLiftResult } from './analysis/geo-lift.js';
export { funnel, type FunnelStep } from './analysis/funnel.js';
export { cohorts, stageFlowMatrix } from './analysis/cohorts.js';
export { newcombeDifference, wilson, welchDifference, relativeLift } from './analysis/stats.js';
export type { AnalysisPorts, AudienceMembers } from './analysis/routes.js';
