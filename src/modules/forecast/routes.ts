import { z } from '@hono/zod-openapi';
import { durableRunSchema, runFields } from '../../kernel/durable-run.js';
import { isIdPart, keyCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { defineRunRoutes, registerRunRoutes } from '../../kernel/http/run-routes.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { history_days_max } from './history.js';
import { importHistory, import_rows_max } from './import-history.js';
import { currentRun, getRun, listRuns, requestForecast } from './runs.js';
import { history_days_default, listSeries, seriesDetail, summary } from './views.js';

const read = { scope: 'forecast:read', tenancy: 'merchant' } as const;
const write = { scope: 'forecast:write', tenancy: 'merchant' } as const;

/** Imports at most this many rows a request; a row is about 100 bytes of JSON. */
const import_body_bytes_max = 8 * 1024 * 1024;
/** An import this large asks for a forecast run at once (the daily run would take up to a day). */
export const import_rerun_rows = 1_000;

const classes = ['smooth', 'erratic', 'intermittent', 'lumpy'] as const;
const bandSchema = z.object({ mean: z.number(), lower: z.number(), upper: z.number() });

const runSchema = durableRunSchema(
  'ForecastRun',
  { reasons: ['manual', 'scheduled', 'import', 'cli'], stages: '`reading`, `forecasting`, `swap`, `done`', current: 'its forecasts are the ones served now' },
  {
    series: z.number().int().openapi({ description: 'variant × location series the run forecasts' }),
    done: z.number().int().openapi({ description: 'series forecast so far' }),
    by_class: z.record(z.string(), z.number().int()).openapi({ description: 'series per demand class (smooth, erratic, intermittent, lumpy)' }),
    by_model: z.record(z.string(), z.number().int()).openapi({ description: 'series per model the backtest chose' }),
    fallbacks: z.number().int().openapi({ description: 'series too short for any model, answered by a baseline' }),
    horizon_days: z.number().int(),
    level: z.number().openapi({ description: 'prediction interval level' }),
    start_date: z.string().nullable().openapi({ description: 'the first forecast day (the brand’s today when the run read its history)' }),
    attempts: z.number().int(),
    timings: runFields.timings,
    run_s: z.number().nullable(),
  },
);

const runRoutes = defineRunRoutes({
  path: '/v1/forecast/runs',
  param: 'run_id',
  tag: 'Forecast',
  access: { read, write },
  schema: runSchema,
  body: z
    .object({
      horizon_days: z.number().optional().openapi({ description: 'days ahead, 1 to 366 (default 28)' }),
      level: z.number().optional().openapi({ description: 'prediction interval level, strictly between 0 and 1 (default 0.8)' }),
    })
    .strict(),
  operationIds: { request: 'requestForecastRun', list: 'listForecastRuns', get: 'getForecastRun' },
  summaries: {
    request: 'Forecast the brand’s demand now: a queued run (202); while one is queued or running, that one',
    list: 'The brand’s forecast runs, newest first',
    get: 'One forecast run: status, progress, series by class and model, fallbacks',
  },
});

export const requestForecastRunRoute = runRoutes.request;
export const listForecastRunsRoute = runRoutes.list;
export const getForecastRunRoute = runRoutes.get;

const seriesItemSchema = z
  .object({
    variant_id: z.string(),
    sku: z.string(),
    title: z.string(),
    location_id: z.string(),
    location_name: z.string(),
    class: z.enum(classes),
    model: z.string(),
    combined_with: z.string().nullable().openapi({ description: 'the second model when the forecast is the average of two (the backtest’s best two; `model` is the first), else null' }),
    fallback: z.string().nullable().openapi({ description: 'why a baseline answered (series too short), else null' }),
    next_7_days: bandSchema.openapi({ description: 'units over the next 7 days, with the interval of the sum' }),
  })
  .openapi('ForecastSeriesItem');

const seriesCursor = keyCursor([isIdPart, isIdPart]);

export const listForecastSeriesRoute = defineRoute({
  operationId: 'listForecastSeries',
  method: 'get',
  path: '/v1/forecast/series',
  tags: ['Forecast'],
  summary: 'The current forecast’s series (variant × location) with their next 7 days, by location',
  access: read,
  request: { query: pageQuerySchema.extend({ location_id: z.string().max(64).optional(), variant_id: z.string().max(64).optional(), class: z.enum(classes).optional() }) },
  responses: { 200: jsonResponse(pageSchema(seriesItemSchema), 'A page of series') },
});

const detailSchema = z
  .object({
    variant_id: z.string(),
    location_id: z.string(),
    class: z.enum(classes),
    model: z.string(),
    combined_with: z.string().nullable().openapi({ description: 'the second model when the forecast is the average of two (the backtest’s best two; `model` is the first), else null' }),
    fallback: z.string().nullable(),
    level: z.number(),
    sigma: z.number().openapi({ description: 'one-day forecast error’s standard deviation, units' }),
    adi: z.number().openapi({ description: 'average interval between demands, days' }),
    cv2: z.number().openapi({ description: 'squared coefficient of variation of the demand sizes' }),
    backtest: z.record(z.string(), z.number()).openapi({ description: 'MASE of each candidate model in the rolling-origin backtest (lower is better)' }),
    granularity: z.enum(['day', 'week']),
    history: z.array(z.object({ date: z.string(), units: z.number(), censored: z.boolean().openapi({ description: 'out of stock: demand unknown, not zero' }) })),
    forecast: z.array(bandSchema.extend({ date: z.string().openapi({ description: 'the day, or the first day of the week' }) })),
  })
  .openapi('ForecastSeries');

export const getForecastSeriesRoute = defineRoute({
  operationId: 'getForecastSeries',
  method: 'get',
  path: '/v1/forecast/series/{variant_id}/{location_id}',
  tags: ['Forecast'],
  summary: 'One variant at one location: its sales history (censored days marked) and its forecast with intervals, by day or week',
  access: read,
  request: {
    params: z.object({ variant_id: z.string().max(64).openapi({ param: { name: 'variant_id', in: 'path' } }), location_id: z.string().max(64).openapi({ param: { name: 'location_id', in: 'path' } }) }),
    query: z.object({
      granularity: z.enum(['day', 'week']).default('day'),
      history_days: z.coerce.number().int().min(7).max(history_days_max).default(history_days_default).openapi({ description: `days of history shown (default ${history_days_default})` }),
    }),
  },
  responses: { 200: jsonResponse(detailSchema, 'The series') },
});

export const getForecastSummaryRoute = defineRoute({
  operationId: 'getForecastSummary',
  method: 'get',
  path: '/v1/forecast/summary',
  tags: ['Forecast'],
  summary: 'Next period’s demand per location, region and chain, coherent bottom-up (chain = sum of regions = sum of locations)',
  access: read,
  request: { query: z.object({ granularity: z.enum(['day', 'week']).default('week'), variant_id: z.string().max(64).optional() }) },
  responses: {
    200: jsonResponse(
      z
        .object({
          period: z.object({ start: z.string(), end: z.string() }),
          level: z.number(),
          stores: z.array(bandSchema.extend({ location_id: z.string(), name: z.string(), code: z.string(), kind: z.string(), region: z.string() })),
          regions: z.array(bandSchema.extend({ region: z.string() })),
          chain: bandSchema,
        })
        .openapi('ForecastSummary'),
      'The summary',
    ),
  },
});

export const importForecastHistoryRoute = defineRoute({
  operationId: 'importForecastHistory',
  method: 'post',
  path: '/v1/forecast/history',
  tags: ['Forecast'],
  summary: 'Import daily sales history (a POS’s): all rows or none; a day imported again replaces the one before',
  access: write,
  body_limit_bytes: import_body_bytes_max,
  request: jsonBody(
    z
      .object({
        rows: z
          .array(
            z
              .object({
                date: z.string().max(10).openapi({ description: 'the local day, YYYY-MM-DD, before today' }),
                sku: z.string().max(64).optional(),
                variant_id: z.string().max(64).optional(),
                location_code: z.string().max(32).optional(),
                location_id: z.string().max(64).optional(),
                units: z.number().openapi({ description: 'whole units sold that day, at least 0' }),
                in_stock: z.boolean().optional().openapi({ description: 'false: out of stock that day (its demand is unknown); default true' }),
              })
              .strict(),
          )
          .max(import_rows_max),
      })
      .strict(),
  ),
  responses: {
    200: jsonResponse(
      z
        .object({
          imported: z.number().int(),
          days: z.number().int(),
          series: z.number().int(),
          run_id: z.string().nullable().openapi({ description: `a forecast run asked for by an import of ${import_rerun_rows} rows or more` }),
        })
        .openapi('ForecastHistoryImport'),
      'Imported',
    ),
  },
});

const noForecast = () => problems.notFound('A succeeded forecast run of the brand (run one: POST /v1/forecast/runs)');

export function registerForecastRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  registerRunRoutes(router, runRoutes, {
    request: (caller, body) => requestForecast(db, caller.merchant_id, { horizon_days: body.horizon_days, level: body.level, reason: 'manual', requested_by: caller.actor }),
    list: (merchant_id, page) => listRuns(db, merchant_id, page),
    get: (merchant_id, id) => getRun(db, merchant_id, id),
    current: (merchant_id) => currentRun(db, merchant_id),
    noun: 'The forecast run',
  });
  router.route(listForecastSeriesRoute, async (c) => {
    const run = await currentRun(db, c.get('caller').merchant_id);
    const query = c.req.valid('query');
    const after = seriesCursor.decode(query.cursor);
    if (run === undefined) return c.json({ data: [], next_cursor: null }, 200);
    const rows = await listSeries(db, run, { location_id: query.location_id, variant_id: query.variant_id, class: query.class, after, limit: query.limit + 1 });
    const page = toPage(rows, query.limit, (last) => seriesCursor.encode([last.location_id, last.variant_id]));
    return c.json({ data: page.items, next_cursor: page.next_cursor }, 200);
  });
  router.route(getForecastSeriesRoute, async (c) => {
    const run = await currentRun(db, c.get('caller').merchant_id);
    if (run === undefined) throw noForecast();
    const { variant_id, location_id } = c.req.valid('param');
    const { granularity, history_days } = c.req.valid('query');
    const detail = await seriesDetail(db, run, variant_id, location_id, granularity, history_days);
    if (detail === undefined) throw problems.notFound('The forecast of that variant at that location');
    return c.json(detail, 200);
  });
  router.route(getForecastSummaryRoute, async (c) => {
    const run = await currentRun(db, c.get('caller').merchant_id);
    if (run === undefined) throw noForecast();
    const { granularity, variant_id } = c.req.valid('query');
    return c.json(await summary(db, run, granularity, variant_id), 200);
  });
  router.route(importForecastHistoryRoute, async (c) => {
    const caller = c.get('caller');
    const { rows } = c.req.valid('json');
    const result = await importHistory(db, caller.merchant_id, rows);
    let run_id: string | null = null;
    if (result.imported >= import_rerun_rows) run_id = (await requestForecast(db, caller.merchant_id, { reason: 'import', requested_by: caller.actor })).id;
    return c.json({ ...result, run_id }, 200);
  });
}
