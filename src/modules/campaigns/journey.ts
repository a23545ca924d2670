import { z } from '@hono/zod-openapi';
import { propertyFilterSchema, reachChannels, ruleSchema, type Rule } from '../audiences/index.js';

/**
 * A campaign's journey: how consumers enter it, then the steps each walks, one after the other
 * unless a branch jumps. Steps are addressed by their index in `steps`; walking past the last
 * step ends the journey (`done`), an `exit` step ends it early (`exited`).
 *
 * A journey must be a finite walk: every cycle is refused (not only the ones without a wait), so
 * a consumer visits each step at most once, which is what makes a step's send key
 * (`campaign:<id>:step:<index>`) name exactly one message per consumer.
 */
export const steps_max = 32;
export const wait_days_max = 365;
export const journey_days_max = 400;

const audienceSource = {
  audience_id: z.string().min(1).max(64).optional().openapi({ description: 'a saved audience of this merchant' }),
  rule: ruleSchema.optional().openapi({ description: 'or an audience rule, evaluated when the campaign enrols' }),
};

export const entrySchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('audience'), ...audienceSource }).strict().openapi({ description: 'enrols the members of an audience (or rule) when the campaign starts' }),
    z.object({ kind: z.literal('event'), event: z.string().trim().min(1).max(200) }).strict().openapi({ description: 'a consumer doing this event (received by the data bank after the start) enrols' }),
    z.object({ kind: z.literal('audience_entered'), audience_id: z.string().min(1).max(64) }).strict().openapi({ description: 'a consumer entering this saved audience enrols' }),
    z
      .object({ kind: z.literal('date'), at: z.string().datetime({ offset: true }), ...audienceSource })
      .strict()
      .openapi({ description: 'enrols the members of an audience (or rule) at a date' }),
  ])
  .superRefine((e, ctx) => {
    if ((e.kind === 'audience' || e.kind === 'date') && (e.audience_id === undefined) === (e.rule === undefined)) ctx.addIssue({ code: 'custom', path: ['audience_id'], message: 'give audience_id or rule, not both' });
  })
  .openapi('CampaignEntry');

export const messageSchema = z
  .object({ subject: z.string().trim().min(1).max(200), text: z.string().trim().min(1).max(5_000), url: z.string().url().max(2_000).optional() })
  .strict()
  .openapi('CampaignMessage');

const stepRef = z.number().int().min(0).max(steps_max - 1);

export const stepSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('send'), channel: z.enum(reachChannels), message: messageSchema }).strict(),
    z
      .object({ kind: z.literal('wait'), days: z.number().int().min(1).max(wait_days_max).optional(), hours: z.number().int().min(1).max(24 * wait_days_max).optional() })
      .strict()
      .refine((w) => (w.days === undefined) !== (w.hours === undefined), 'give days or hours'),
    z
      .object({
        kind: z.literal('branch'),
        if: z
          .object({
            event: z.string().trim().min(1).max(200),
            since: z.enum(['entry', 'last_step']).default('entry').openapi({ description: 'did the event since entering the campaign, or since the previous step' }),
            where: z.array(propertyFilterSchema).max(8).default([]),
          })
          .strict(),
        then: stepRef,
        else: stepRef,
      })
      .strict(),
    z.object({ kind: z.literal('coupon'), promotion_id: z.string().min(1).max(64) }).strict(),
    z.object({ kind: z.literal('exit') }).strict(),
  ])
  .openapi('CampaignStep');

export type Entry = z.infer<typeof entrySchema>;
export type Step = z.infer<typeof stepSchema>;
export type AudienceSource = { audience_id: string } | { rule: Rule };

export const stepsSchema = z.array(stepSchema).min(1).max(steps_max);

/** The steps a step leads to (a branch two, an exit none, the others the next one). */
export function successors(steps: readonly Step[], index: number): number[] {
  const step = steps[index]!;
  if (step.kind === 'exit') return [];
  if (step.kind === 'branch') return [...new Set([step.then, step.else])];
  return [index + 1];
}

/** What is wrong with a journey's shape: unknown step targets and cycles, each with its field. */
export function journeyProblems(steps: readonly Step[]): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  for (const [i, s] of steps.entries()) {
    if (s.kind !== 'branch') continue;
    for (const side of ['then', 'else'] as const) {
      if (s[side] >= steps.length) problems.push({ field: `steps.${i}.${side}`, message: `refers to step ${s[side]}, but the journey has ${steps.length} steps (0-${steps.length - 1})` });
      else if (s[side] === i) problems.push({ field: `steps.${i}.${side}`, message: 'a branch cannot lead to itself' });
    }
  }
  if (problems.length > 0) return problems;
  // Depth-first search for a back edge: any cycle is refused, with or without a wait in it.
  const state = new Array<0 | 1 | 2>(steps.length).fill(0);
  const visit = (i: number, path: number[]): void => {
    if (i >= steps.length || state[i] === 2) return;
    if (state[i] === 1) {
      const cycle = [...path.slice(path.indexOf(i)), i];
      if (problems.length === 0) problems.push({ field: `steps.${path[path.length - 1]!}`, message: `the journey loops (${cycle.join(' → ')}); a journey may not revisit a step` });
      return;
    }
    state[i] = 1;
    for (const next of successors(steps, i)) visit(next, [...path, i]);
    state[i] = 2;
  };
  visit(0, []);
  for (let i = 0; i < steps.length; i++) visit(i, []);
  return problems;
}

/** How long a wait step holds a consumer, in milliseconds. */
export function waitMs(step: Extract<Step, { kind: 'wait' }>): number {
  return step.days !== undefined ? step.days * 86_400_000 : step.hours! * 3_600_000;
}

/** The longest a consumer can spend in the journey (the waits on its longest path), in milliseconds. */
export function longestWaitMs(steps: readonly Step[]): number {
  const memo = new Map<number, number>();
  const longest = (i: number): number => {
    if (i >= steps.length) return 0;
    const known = memo.get(i);
    if (known !== undefined) return known;
    const s = steps[i]!;
    const own = s.kind === 'wait' ? waitMs(s) : 0;
    const after = Math.max(0, ...successors(steps, i).map(longest));
    memo.set(i, own + after);
    return own + after;
  };
  return longest(0);
}

/** The saved audiences and promotions a campaign refers to, to check they are the merchant's own. */
export function referencesOf(entry: Entry, steps: readonly Step[]): { audience_ids: string[]; promotion_ids: string[] } {
  const audience_ids = 'audience_id' in entry && entry.audience_id !== undefined ? [entry.audience_id] : [];
  const promotion_ids = steps.flatMap((s) => (s.kind === 'coupon' ? [s.promotion_id] : []));
  return { audience_ids, promotion_ids: [...new Set(promotion_ids)] };
}
