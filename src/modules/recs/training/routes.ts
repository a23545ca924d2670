import { z } from '@hono/zod-openapi';
import { durableRunJson, durableRunSchema, runFields } from '../../../kernel/durable-run.js';
import { defineRoute, jsonResponse } from '../../../kernel/http/route.js';
import { defineRunRoutes, registerRunRoutes } from '../../../kernel/http/run-routes.js';
import type { ModuleContext, ModuleRouter } from '../../../kernel/module.js';
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

const trainingSchema = durableRunSchema(
  'RecTraining',
  { reasons: ['manual', 'scheduled', 'cli'], stages: '`reading`, `evaluating als`, `writing`, …', current: 'the run serving reads now' },
  {
    heartbeat_at: runFields.heartbeat_at,
    attempts: z.number().int().openapi({ description: 'times a runner took the run up (more than 1: a runner stopped midway)' }),
    events: z.number().int().nullable(),
    users: z.number().int().nullable(),
    items: z.number().int().nullable(),
    chosen_model: z.enum(modelNames as [string, ...string[]]).nullable(),
    metrics: z.array(metricsSchema).openapi({ description: 'every model evaluated on the time split (the latest 10 % of the interactions held out)' }),
    timings: runFields.timings,
    lists: z.record(z.string(), z.union([z.number(), z.string()])).openapi({ description: 'lists written by kind, the model’s bytes, the split' }),
    train_s: z.number().nullable().openapi({ description: 'seconds, request to lists current' }),
    cpu_s: z.number().nullable().openapi({ description: 'CPU seconds the training process spent' }),
    stage_cpu_s: z.record(z.string(), z.number()).openapi({ description: 'CPU seconds per stage' }),
    memory_bytes: z.number().int().nullable().openapi({ description: 'peak growth of the process’s resident memory during the run' }),
  },
);

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

const trainingRoutes = defineRunRoutes({
  path: '/v1/recommendations/trainings',
  param: 'training_id',
  tag: 'Recommendations',
  access: { read, write },
  schema: trainingSchema,
  body: z.object({}).strict().openapi({ description: 'empty: `{}`' }),
  operationIds: { request: 'requestRecommendationTraining', list: 'listRecommendationTrainings', get: 'getRecommendationTraining' },
  summaries: {
    request: 'Train the brand’s recommendation models now: a queued run (202); while one is queued or running, that one',
    list: 'The brand’s training runs, newest first',
    get: 'One training run: status, progress, stage, metrics per model, timings',
  },
});

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

export const requestRecTrainingRoute = trainingRoutes.request;
export const listRecTrainingsRoute = trainingRoutes.list;
export const getRecTrainingRoute = trainingRoutes.get;

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
        active: active === undefined ? null : durableRunJson(trainingSchema, active, current?.id),
        models: modelNames.flatMap((name) => {
          const e = byModel.get(name);
          return e === undefined ? [] : [{ ...e.m, training_id: e.run.id, evaluated_at: iso(e.run.finished_at)!, chosen: e.run.chosen_model === name }];
        }),
      },
      200,
    );
  });
  registerRunRoutes(router, trainingRoutes, {
    request: (caller) => requestTraining(db, caller.merchant_id, { reason: 'manual', requested_by: caller.actor }),
    list: (merchant_id, page) => listTrainings(db, merchant_id, page),
    get: (merchant_id, id) => getTraining(db, merchant_id, id),
    current: (merchant_id) => currentTraining(db, merchant_id),
    noun: 'The training',
  });
}
