import { z } from '@hono/zod-openapi';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../../kernel/module.js';
import { problems } from '../../../kernel/problem.js';
import { modelNames, type Metrics } from '../engine/index.js';
import { currentTraining, getTraining, listTrainings, requestTraining, type TrainingRun } from './runs.js';

const read = { scope: 'recs:read', tenancy: 'merchant' } as const;
const write = { scope: 'recs:write', tenancy: 'merchant' } as const;

const metricsSchema = z
  .object({
    model: z.enum(modelNames as [string, ...string[]]),
    users: z.number().int().openapi({ description: 'test users scored' }),
    hr_at_10: z.number(),
    ndcg_at_10: z.number(),
    precision_at_10: z.number(),
    recall_at_10: z.number(),
    map_at_10: z.number(),
    coverage: z.number(),
    train_s: z.number(),
    memory_bytes: z.number().int(),
  })
  .openapi('RecModelMetrics');

const trainingSchema = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    reason: z.enum(['manual', 'scheduled', 'cli']),
    progress: z.number().openapi({ description: '0 to 1' }),
    stage: z.string().openapi({ description: 'what the run is doing (`reading`, `evaluating als`, `writing`, …)' }),
    heartbeat_at: z.string().nullable(),
    attempts: z.number().int().openapi({ description: 'times a runner took the run up (more than 1: a runner stopped midway)' }),
    events: z.number().int().nullable(),
    users: z.number().int().nullable(),
    items: z.number().int().nullable(),
    chosen_model: z.enum(modelNames as [string, ...string[]]).nullable(),
    metrics: z.array(metricsSchema).openapi({ description: 'every model evaluated on the time split (the latest 10 % of the interactions held out)' }),
    timings: z.record(z.string(), z.number()).openapi({ description: 'seconds per stage' }),
    lists: z.record(z.string(), z.union([z.number(), z.string()])).openapi({ description: 'lists written by kind, the model’s bytes, the split' }),
    train_s: z.number().nullable().openapi({ description: 'seconds, request to lists current' }),
    cpu_s: z.number().nullable().openapi({ description: 'CPU seconds the training process spent' }),
    stage_cpu_s: z.record(z.string(), z.number()).openapi({ description: 'CPU seconds per stage' }),
    memory_bytes: z.number().int().nullable().openapi({ description: 'peak growth of the process’s resident memory during the run' }),
    error: z.string().nullable(),
    current: z.boolean().openapi({ description: 'the run serving reads now' }),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi('RecTraining');

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

function trainingJson(r: TrainingRun, current_id: string | undefined) {
  return {
    id: r.id,
    status: r.status,
    reason: r.reason,
    progress: r.progress,
    stage: r.stage,
    heartbeat_at: iso(r.heartbeat_at),
    attempts: r.attempts,
    events: r.events,
    users: r.users,
    items: r.items,
    chosen_model: r.chosen_model,
    metrics: r.metrics,
    timings: r.timings,
    lists: r.lists,
    train_s: r.train_s,
    cpu_s: r.cpu_s,
    stage_cpu_s: r.stage_cpu_s,
    memory_bytes: r.memory_bytes,
    error: r.error,
    current: r.id === current_id,
    created_at: new Date(r.created_at).toISOString(),
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
  };
}

const trainingParams = z.object({ training_id: z.string().max(64).openapi({ param: { name: 'training_id', in: 'path' } }) });

export const getRecModelsRoute = defineRoute({
  operationId: 'getRecommendationModels',
  method: 'get',
  path: '/v1/recommendations/models',
  tags: ['Recommendations'],
  summary: 'The recommendation models: each model’s offline scores from the latest run that evaluated it, the model serving now, and when it was trained',
  access: read,
  responses: {
    200: jsonResponse(
      z
        .object({
          current: z.object({ training_id: z.string(), model: z.string(), trained_at: z.string() }).nullable(),
          last_trained_at: z.string().nullable().openapi({ description: 'when the latest successful run finished' }),
          active: trainingSchema.nullable().openapi({ description: 'the run queued or running now, if any' }),
          models: z.array(metricsSchema.extend({ training_id: z.string(), evaluated_at: z.string(), chosen: z.boolean().openapi({ description: 'the model the run chose' }) })),
        })
        .openapi('RecModels'),
      'The models',
    ),
  },
});

export const requestRecTrainingRoute = defineRoute({
  operationId: 'requestRecommendationTraining',
  method: 'post',
  path: '/v1/recommendations/trainings',
  tags: ['Recommendations'],
  summary: 'Train the brand’s recommendation models now: a queued run (202); while one is queued or running, that one',
  access: write,
  request: jsonBody(z.object({}).strict().openapi({ description: 'empty: `{}`' })),
  responses: { 202: jsonResponse(trainingSchema, 'The run, queued or already under way') },
});

export const listRecTrainingsRoute = defineRoute({
  operationId: 'listRecommendationTrainings',
  method: 'get',
  path: '/v1/recommendations/trainings',
  tags: ['Recommendations'],
  summary: 'The brand’s training runs, newest first',
  access: read,
  request: { query: pageQuerySchema.extend({ status: z.enum(['queued', 'running', 'succeeded', 'failed']).optional() }) },
  responses: { 200: jsonResponse(pageSchema(trainingSchema), 'A page of runs') },
});

export const getRecTrainingRoute = defineRoute({
  operationId: 'getRecommendationTraining',
  method: 'get',
  path: '/v1/recommendations/trainings/{training_id}',
  tags: ['Recommendations'],
  summary: 'One training run: status, progress, stage, metrics per model, timings',
  access: read,
  request: { params: trainingParams },
  responses: { 200: jsonResponse(trainingSchema, 'The run') },
});

export function registerTrainingRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(getRecModelsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const current = await currentTraining(db, merchant_id);
    const recent = await listTrainings(db, merchant_id, { limit: 20 });
    const active = recent.find((r) => r.status === 'queued' || r.status === 'running');
    const succeeded = recent.filter((r) => r.status === 'succeeded');
    const byModel = new Map<string, { m: Metrics; run: TrainingRun }>();
    for (const run of succeeded) for (const m of run.metrics) if (!byModel.has(m.model)) byModel.set(m.model, { m, run });
    return c.json(
      {
        current: current === undefined ? null : { training_id: current.id, model: current.chosen_model ?? 'popularity', trained_at: iso(current.finished_at)! },
        last_trained_at: iso(succeeded[0]?.finished_at ?? null),
        active: active === undefined ? null : trainingJson(active, current?.id),
        models: modelNames.flatMap((name) => {
          const e = byModel.get(name);
          return e === undefined ? [] : [{ ...e.m, training_id: e.run.id, evaluated_at: iso(e.run.finished_at)!, chosen: e.run.chosen_model === name }];
        }),
      },
      200,
    );
  });
  router.route(requestRecTrainingRoute, async (c) => {
    const caller = c.get('caller');
    const run = await requestTraining(db, caller.merchant_id, { reason: 'manual', requested_by: caller.actor });
    const current = await currentTraining(db, caller.merchant_id);
    return c.json(trainingJson(run, current?.id), 202);
  });
  router.route(listRecTrainingsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { limit, cursor, status } = c.req.valid('query');
    const rows = await listTrainings(db, merchant_id, { before_id: decodeCursor(cursor), limit: limit + 1, status });
    const page = toPage(rows, limit);
    const current = await currentTraining(db, merchant_id);
    return c.json({ data: page.items.map((r) => trainingJson(r, current?.id)), next_cursor: page.next_cursor }, 200);
  });
  router.route(getRecTrainingRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const run = await getTraining(db, merchant_id, c.req.valid('param').training_id);
    if (run === undefined) throw problems.notFound('The training');
    const current = await currentTraining(db, merchant_id);
    return c.json(trainingJson(run, current?.id), 200);
  });
}
