import { z } from '@hono/zod-openapi';
import type { AnyDb } from '../../../kernel/db.js';
import { defineRoute, jsonBody, jsonResponse } from '../../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../../kernel/module.js';
import { problems, type FieldError } from '../../../kernel/problem.js';
import { merchantTimeZone } from '../../merchants/index.js';
import { cohort_months_max, cohorts, stageFlowMatrix } from './cohorts.js';
import { funnel, funnel_steps_max } from './funnel.js';
import { geo_radius_km_max, geoLift } from './geo-lift.js';
import { campaignResults } from './results.js';

/**
 * The members of a saved audience as data bank profile IDs, or undefined when the brand has no
 * such audience. The coordinator wires it to the audiences module's evaluation; without it,
 * `audience_id` answers 501.
 */
export type AudienceMembers = (db: AnyDb, merchant_id: string, audience_id: string) => Promise<readonly string[] | undefined>;

export interface AnalysisPorts {
  audienceMembers?: AudienceMembers;
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'must be a real date');
const windowQuery = { from: day.openapi({ description: 'first day, in the merchant’s time zone' }), to: day.openapi({ description: 'last day (inclusive)' }) };
/** Analysis windows are bounded: a window over years scans years of events. */
const window_days_max = 732;

function checkWindow(from: string, to: string, location: FieldError['location'] = 'query'): void {
  if (from > to) throw problems.validation([{ field: 'from', location, message: 'must not be after `to`' }]);
  if ((Date.parse(to) - Date.parse(from)) / 86_400_000 > window_days_max) throw problems.validation([{ field: 'to', location, message: `the window is at most ${window_days_max} days` }]);
}

const interval = z.object({ estimate: z.number(), low: z.number(), high: z.number() });
const nullableInterval = z.object({ estimate: z.number(), low: z.number().nullable(), high: z.number().nullable(), df: z.number().nullable(), significant: z.boolean().nullable() });

const armSchema = z.object({
  enrolled: z.number().int(),
  reached: z.number().int().openapi({ description: 'consumers sent at least one message' }),
  messages_sent: z.number().int(),
  suppressed: z.record(z.string(), z.number().int()).openapi({ description: 'consumers with a suppressed send, by reason' }),
  opened: z.number().int(),
  clicked: z.number().int(),
  coupons_redeemed: z.number().int(),
  coupon_discount_minor: z.number().int(),
  converted: z.number().int().openapi({ description: 'consumers with an order paid within the conversion window after entering' }),
  orders: z.number().int(),
  sales_minor: z.number().int(),
  conversion_rate: z.number().nullable(),
  sales_per_consumer_minor: z.number().nullable(),
});

const resultsSchema = z
  .object({
    campaign_id: z.string(),
    name: z.string(),
    status: z.string(),
    conversion_days: z.number().int(),
    currency: z.string().nullable(),
    arms: z.object({ treatment: armSchema, control: armSchema }),
    lift: z.object({
      conversion: interval.nullable().openapi({ description: 'treatment − control conversion rate, Newcombe’s hybrid score 95% interval' }),
      relative_conversion: interval.nullable().openapi({ description: 'treatment ÷ control conversion − 1, Katz’s log 95% interval' }),
      sales_per_consumer_minor: interval.extend({ df: z.number().nullable() }).nullable().openapi({ description: 'treatment − control sales per enrolled consumer, Welch’s 95% interval' }),
      significant: z.boolean().nullable(),
      verdict: z.string(),
    }),
  })
  .openapi('CampaignResults');

export const getCampaignResultsRoute = defineRoute({
  operationId: 'getCampaignResults',
  method: 'get',
  path: '/v1/campaigns/{campaign_id}/results',
  tags: ['Campaigns'],
  summary: 'A campaign’s results per arm (reached, suppressed by reason, opened, clicked, coupons, orders, sales) and its lift over the control group with 95% intervals',
  access: { scope: 'campaigns:read', tenancy: 'merchant' },
  request: { params: z.object({ campaign_id: z.string().min(1).max(64).openapi({ param: { name: 'campaign_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(resultsSchema, 'The campaign’s results') },
});

const funnelSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    time_zone: z.string(),
    audience_id: z.string().nullable(),
    channel: z.string().nullable(),
    steps: z.array(z.object({ step: z.string(), consumers: z.number().int(), conversion_from_previous: z.number().nullable(), conversion_from_first: z.number().nullable() })),
  })
  .openapi('Funnel');

export const getFunnelRoute = defineRoute({
  operationId: 'getFunnel',
  method: 'get',
  path: '/v1/analysis/funnel',
  tags: ['Analysis'],
  summary: 'Consumers who did each step in order within the window, by audience or by channel',
  access: { scope: 'campaigns:read', tenancy: 'merchant' },
  request: {
    query: z.object({
      steps: z.string().min(1).max(1_000).openapi({ description: `event names, comma-separated, 1 to ${funnel_steps_max}`, example: 'Product Viewed,Product Added,Order Paid' }),
      ...windowQuery,
      audience_id: z.string().min(1).max(64).optional(),
      channel: z.enum(['email', 'sms', 'push', 'webhook', 'feed', 'screen']).optional().openapi({ description: 'only consumers reached through this channel' }),
    }),
  },
  responses: { 200: jsonResponse(funnelSchema, 'The funnel') },
});

const cohortsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    time_zone: z.string(),
    months: z.number().int(),
    cohorts: z.array(z.object({ month: z.string(), new_buyers: z.number().int(), buyers: z.array(z.number().int().nullable()), retention: z.array(z.number().nullable()) })),
  })
  .openapi('Cohorts');

export const getCohortsRoute = defineRoute({
  operationId: 'getCohorts',
  method: 'get',
  path: '/v1/analysis/cohorts',
  tags: ['Analysis'],
  summary: 'Retention by first-purchase month: the share of each month’s new buyers who bought again in month +1 … +N',
  access: { scope: 'campaigns:read', tenancy: 'merchant' },
  request: { query: z.object({ ...windowQuery, months: z.coerce.number().int().min(1).max(cohort_months_max).default(6) }) },
  responses: { 200: jsonResponse(cohortsSchema, 'The cohorts') },
});

const flowStage = z.enum(['none', 'aware', 'interested', 'purchased', 'loyal']);
const stageFlowSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    time_zone: z.string(),
    stages: z.array(flowStage),
    counts: z.array(z.array(z.number().int())).openapi({ description: 'counts[i][j]: consumers in stages[i] at the end of `from` and stages[j] at the end of `to`' }),
    total: z.number().int(),
    moves: z.array(z.object({ from: flowStage, to: flowStage, consumers: z.number().int() })),
  })
  .openapi('StageFlow');

export const getStageFlowRoute = defineRoute({
  operationId: 'getStageFlow',
  method: 'get',
  path: '/v1/analysis/stage-flow',
  tags: ['Analysis'],
  summary: 'How consumers moved between A-I-P-L stages from the end of one day to the end of another, as a matrix',
  access: { scope: 'campaigns:read', tenancy: 'merchant' },
  request: { query: z.object(windowQuery) },
  responses: { 200: jsonResponse(stageFlowSchema, 'The flow') },
});

const storeSchema = z.object({ id: z.string(), code: z.string(), name: z.string(), latitude: z.number(), longitude: z.number(), timezone: z.string(), distance_km: z.number() });
const period = z.object({ first_day: z.string(), last_day: z.string() });

const geoLiftBody = z
  .object({
    location_id: z.string().min(1).max(64).optional().openapi({ description: 'the place: a store of the brand (a pop-up, a store with a screen campaign)' }),
    latitude: z.number().min(-90).max(90).optional(),
    longitude: z.number().min(-180).max(180).optional(),
    event_date: day.openapi({ description: 'the day of the event, in the place’s time zone' }),
    radius_km: z.number().positive().max(geo_radius_km_max).default(3),
    days_after: z.number().int().min(2).max(60).default(3).openapi({ description: 'days measured from the event day on (store areas), and after it (online sales)' }),
    days_before: z.number().int().min(2).max(365).default(28),
    matched_location_ids: z.array(z.string().min(1).max(64)).min(1).max(200).optional().openapi({ description: 'stores to compare with; by default every other store of the brand outside the radius' }),
    currency: z.string().regex(/^[A-Z]{3}$/).optional(),
  })
  .strict()
  .openapi('GeoLiftRequest');

const geoLiftSchema = z
  .object({
    place: z.object({ location_id: z.string().nullable(), name: z.string().nullable(), latitude: z.number(), longitude: z.number(), time_zone: z.string() }),
    event_date: z.string(),
    radius_km: z.number(),
    currency: z.string().nullable(),
    periods: z.object({ before: period.extend({ days: z.number().int() }), after: period.extend({ days: z.number().int() }) }),
    treated_stores: z.array(storeSchema),
    matched_stores: z.array(storeSchema),
    store_area: z.object({
      treated: z.object({ before_per_day_minor: z.number(), after_per_day_minor: z.number() }),
      matched: z.object({ before_per_day_minor: z.number(), after_per_day_minor: z.number(), areas: z.number().int() }),
      did_per_day_minor: nullableInterval,
      did_total_minor: z.number(),
      relative: z.number().nullable(),
      days: z.array(z.object({ day: z.string(), period: z.enum(['before', 'after']), treated_minor: z.number(), matched_mean_minor: z.number() })),
    }),
    online: z.object({
      treated_consumers: z.number().int(),
      matched_consumers: z.number().int(),
      treated: z.object({ before_minor: z.number(), after_minor: z.number() }),
      matched: z.object({ before_minor: z.number(), after_minor: z.number() }),
      did_per_consumer_minor: nullableInterval.nullable(),
      periods: z.object({ before: period, after: period }),
    }),
    verdict: z.string(),
  })
  .openapi('GeoLift');

export const geoLiftRoute = defineRoute({
  operationId: 'getGeoLift',
  method: 'post',
  path: '/v1/analysis/geo-lift',
  tags: ['Analysis'],
  summary: 'Did an event at a place raise sales within R km over the following days, and the online sales of the consumers seen there, against matched areas (difference in differences)?',
  access: { scope: 'campaigns:read', tenancy: 'merchant' },
  request: { ...jsonBody(geoLiftBody) },
  responses: { 200: jsonResponse(geoLiftSchema, 'The estimates, their intervals and the figures behind them') },
});

export function registerAnalysisRoutes(router: ModuleRouter, { db }: ModuleContext, ports: AnalysisPorts = {}): void {
  router.route(getCampaignResultsRoute, async (c) => {
    const results = await campaignResults(db, c.get('caller').merchant_id, c.req.valid('param').campaign_id);
    if (results === undefined) throw problems.notFound('The campaign');
    return c.json(results, 200);
  });

  router.route(getFunnelRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const q = c.req.valid('query');
    checkWindow(q.from, q.to);
    const steps = q.steps.split(',').map((s) => s.trim());
    if (steps.some((s) => s.length === 0 || s.length > 200) || steps.length > funnel_steps_max) {
      throw problems.validation([{ field: 'steps', location: 'query', message: `1 to ${funnel_steps_max} event names, comma-separated, none empty` }]);
    }
    let profile_ids: readonly string[] | undefined;
    if (q.audience_id !== undefined) {
      if (ports.audienceMembers === undefined) throw problems.notImplemented('Funnels by audience need the audiences module’s evaluation');
      profile_ids = await ports.audienceMembers(db, merchant_id, q.audience_id);
      if (profile_ids === undefined) throw problems.notFound('The audience');
    }
    const time_zone = await merchantTimeZone(db, merchant_id);
    const result = await funnel(db, { merchant_id, steps, from: q.from, to: q.to, time_zone, ...(profile_ids === undefined ? {} : { profile_ids }), ...(q.channel === undefined ? {} : { channel: q.channel }) });
    return c.json({ from: q.from, to: q.to, time_zone, audience_id: q.audience_id ?? null, channel: q.channel ?? null, steps: result }, 200);
  });

  router.route(getCohortsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const q = c.req.valid('query');
    checkWindow(q.from, q.to);
    const time_zone = await merchantTimeZone(db, merchant_id);
    return c.json({ from: q.from, to: q.to, time_zone, months: q.months, cohorts: await cohorts(db, { merchant_id, from: q.from, to: q.to, time_zone, months: q.months }) }, 200);
  });

  router.route(getStageFlowRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const q = c.req.valid('query');
    checkWindow(q.from, q.to);
    const time_zone = await merchantTimeZone(db, merchant_id);
    return c.json({ from: q.from, to: q.to, time_zone, ...(await stageFlowMatrix(db, { merchant_id, from: q.from, to: q.to, time_zone })) }, 200);
  });

  router.route(geoLiftRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const b = c.req.valid('json');
    const hasPoint = b.latitude !== undefined && b.longitude !== undefined;
    if ((b.location_id === undefined) === !hasPoint || (b.latitude === undefined) !== (b.longitude === undefined)) {
      throw problems.validation([{ field: 'location_id', location: 'body', message: 'name either a location_id or a latitude and longitude' }]);
    }
    const result = await geoLift(db, {
      merchant_id,
      event_date: b.event_date,
      radius_km: b.radius_km,
      days_after: b.days_after,
      days_before: b.days_before,
      ...(b.location_id === undefined ? { latitude: b.latitude!, longitude: b.longitude! } : { location_id: b.location_id }),
      ...(b.matched_location_ids === undefined ? {} : { matched_location_ids: b.matched_location_ids }),
      ...(b.currency === undefined ? {} : { currency: b.currency }),
    });
    return c.json(result, 200);
  });
}
