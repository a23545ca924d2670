/**
 * Campaigns (issue 17): journeys (entry, send, wait, branch, coupon, exit) on durable timers,
 * season plans, control groups, sampling campaigns ranked by a propensity model, and the
 * analysis of what they changed (lift with its interval, funnels, cohorts, geo-time lift).
 */
import { onEvents } from '../../kernel/events/event.js';
import { defineModule, type ModuleContext, type ModuleRouter } from '../../kernel/module.js';
import { audienceEntered } from '../audiences/index.js';
import { checks } from './checks.js';
import { campaignJobs, enrolEntered } from './engine.js';
import { migrations } from './migrations.js';
import { registerSamplingRoutes } from './sampling-routes.js';
import { setSamplingAudiences } from './sampling-audience.js';
import { audienceMembers } from './audience-members.js';
import { registerCampaignRoutes } from './routes.js';
import { registerAnalysisRoutes } from './analysis/routes.js';

// Sampling campaigns rank the members of a saved audience or a rule, as the audiences module answers it.
setSamplingAudiences(audienceMembers);

export const campaignsModule = defineModule({
  name: 'campaigns',
  migrations,
  checks,
  routes: (router: ModuleRouter, ctx: ModuleContext) => {
    registerCampaignRoutes(router, ctx);
    registerSamplingRoutes(router, ctx);
    registerAnalysisRoutes(router, ctx, { audienceMembers: (db, merchant_id, audience_id) => audienceMembers(db, merchant_id, { audience_id }) });
  },
  jobs: campaignJobs,
  // A consumer entering a saved audience enrols in the running campaigns that wait for it.
  handlers: ({ db }) => [
    onEvents(audienceEntered, 'campaigns.audience_entered', async (events) => {
      const groups = new Map<string, { merchant_id: string; audience_id: string; profile_ids: string[] }>();
      for (const e of events) {
        if (e.merchant_id === null) continue;
        const key = `${e.merchant_id}\u0000${e.payload.audience_id}`;
        const g = groups.get(key) ?? { merchant_id: e.merchant_id, audience_id: e.payload.audience_id, profile_ids: [] };
        g.profile_ids.push(e.payload.profile_id);
        groups.set(key, g);
      }
      for (const g of groups.values()) await enrolEntered(db, g.merchant_id, g.audience_id, g.profile_ids);
    }),
  ],
  scopes: [
    { name: 'campaigns:read', kind: 'secret', description: 'Read campaigns, their journeys, enrolments, season plans, sampling campaigns and results' },
    { name: 'campaigns:write', kind: 'secret', description: 'Create, change, start, pause, resume and cancel campaigns, season plans and sampling campaigns' },
  ],
});

// Sampling campaigns and the propensity model (sampling.ts, propensity/).
export { assignArms, createSamplingCampaign, getSamplingCampaign, listSamplingCampaigns, lockSamplingCampaign, recordSamplingSends, samplesAffordable, samplingEnrolments, samplingResults, samplingSends, type Enrolment, type NewSamplingCampaign, type SamplingCampaign, type SamplingResults, type SamplingSend } from './sampling.js';
export { setSamplingAudiences, type SamplingAudience, type SamplingAudienceMembers } from './sampling-audience.js';
export { campaignParam, campaignsWrite, samplingCampaignJson, samplingCampaignSchema } from './sampling-routes.js';
export { scoreByPropensity, type PropensityRanking } from './propensity/score.js';
export { liftInterval, wilson, type Lift } from './propensity/lift.js';
export { sampleAddresses, type SampleAddress } from './sampling-addresses.js';
export { audienceMembers } from './audience-members.js';
export { entrySchema, journeyProblems, messageSchema, stepSchema, stepsSchema, successors, type AudienceSource, type Entry, type Step } from './journey.js';
export { campaignPorts, campaignPortsWired, setCampaignPorts, type CampaignPorts, type CampaignPortsFactory } from './ports.js';
export { armOf, campaignTick, cancelCampaign, enrol, enrolEntered, pauseCampaign, resumeCampaign, runCampaignTick, startCampaign, walkBatch } from './engine.js';
export { createCampaign, createSeason, enrolmentCounts, getCampaign, getSeason, listCampaigns, listEnrolments, listSeasons, phases, type Campaign, type CampaignInput, type Phase, type Season } from './store.js';
export { engagedNotBought, reachedAndBought, reachedNotBought, seasonFlows, type SeasonFlow } from './seasons.js';
export { checks as campaignChecks } from './checks.js';
export { platformCampaignPorts } from './platform-ports.js';
export { campaignResults, type CampaignResults } from './analysis/results.js';
export { geoLift, type GeoLiftResult } from './analysis/geo-lift.js';
export { funnel, type FunnelStep } from './analysis/funnel.js';
export { cohorts, stageFlowMatrix } from './analysis/cohorts.js';
export { newcombeDifference, welchDifference, relativeLift } from './analysis/stats.js';
export type { AnalysisPorts, AudienceMembers } from './analysis/routes.js';
