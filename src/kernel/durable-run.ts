import { z } from '@hono/zod-openapi';

/**
 * A durable run: a long piece of work a merchant asks for (a recommendation training, a demand
 * forecast) that a row tracks from `queued` through `running` to `succeeded` or `failed`, with
 * its progress, its stage, and its error. A durable job wakes a runner; the row is the run's lease.
 * This file holds what every such run shows the same way: the API resource's common fields and
 * their JSON. Its routes are in http/run-routes.ts, its `bos` commands' helpers in cli.ts.
 */
export const runStatuses = ['queued', 'running', 'succeeded', 'failed'] as const;
export type RunStatus = (typeof runStatuses)[number];

/** The columns every run's row has. */
export interface DurableRun {
  id: string;
  status: RunStatus;
  reason: string;
  progress: number;
  stage: string;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** Fields some runs show, with the same meaning wherever they stand. */
export const runFields = {
  heartbeat_at: z.string().nullable(),
  timings: z.record(z.string(), z.number()).openapi({ description: 'seconds per stage' }),
};

/**
 * The API resource of a kind of run, registered under `name`: its ID, status, reason, progress and
 * stage, then the kind's own `fields` (in the order given), then its error, whether it is the run
 * serving now (`current`, described by `options.current`), and its times.
 */
export function durableRunSchema<const Reasons extends readonly [string, ...string[]], const Fields extends z.ZodRawShape>(
  name: string,
  options: { reasons: Reasons; stages: string; current: string },
  fields: Fields,
) {
  return z
    .object({
      id: z.string(),
      status: z.enum(runStatuses),
      reason: z.enum(options.reasons),
      progress: z.number().openapi({ description: '0 to 1' }),
      stage: z.string().openapi({ description: `what the run is doing (${options.stages})` }),
      ...fields,
      error: z.string().nullable(),
      current: z.boolean().openapi({ description: options.current }),
      created_at: z.string(),
      started_at: z.string().nullable(),
      finished_at: z.string().nullable(),
    })
    .openapi(name);
}

/** The query of a list of runs: a page, and optionally one status. */
export const runListQuerySchema = <Q extends z.ZodObject>(page: Q) => page.extend({ status: z.enum(runStatuses).optional() });

/**
 * A run as its resource shows it: each field of `schema`, in its order, from the run's row, times
 * as ISO strings, and `current` when the run is `current_id`. A field the row lacks is a bug.
 */
export function durableRunJson<S extends z.ZodObject>(schema: S, run: DurableRun, current_id: string | undefined): z.infer<S> {
  const row = run as unknown as Record<string, unknown>;
  const json: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) {
    if (key === 'current') {
      json[key] = run.id === current_id;
      continue;
    }
    const value = row[key];
    if (value === undefined) throw new Error(`a run has no field ${key}`);
    json[key] = value instanceof Date ? value.toISOString() : value;
  }
  return json as z.infer<S>;
}
