/**
 * Campaigns (issue 17): journeys (entry, send, wait, branch, coupon, exit) on durable timers,
 * season plans, control groups, sampling campaigns ranked by a propensity model, and the
 * analysis of what they changed (lift with its interval, funnels, cohorts, geo-time lift).
 */
import { defineModule } from '../../kernel/module.js';
import { migrations } from './migrations.js';
import { registerSamplingRoutes } from './sampling-routes.js';
import { setSamplingAudiences } from './sampling-audience.js';
import { audienceMembers } from './audience-members.js';

// Sampling campaigns rank the members of a saved audience or a rule, as the audiences module answers it.
setSamplingAudiences(audienceMembers);

export const campaignsModule = defineModule({
  name: 'campaigns',
  migrations,
  routes: (router, ctx) => {
    registerSamplingRoutes(router, ctx);
  },
  scopes: [
    { name: 'campaigns:read', kind: 'secret', description: 'Read campaigns, their enrolments and results' },
    { name: 'campaigns:write', kind: 'secret', description: 'Create, send and run campaigns' },
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
