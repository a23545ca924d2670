/**
 * Campaigns (issue 17): journeys (entry, send, wait, branch, coupon, exit) on durable timers,
 * season plans, control groups, sampling campaigns ranked by a propensity model, and the
 * analysis of what they changed (lift with its interval, funnels, cohorts, geo-time lift).
 */
import { defineModule } from '../../kernel/module.js';
import { migrations } from './migrations.js';

export const campaignsModule = defineModule({
  name: 'campaigns',
  migrations,
});
