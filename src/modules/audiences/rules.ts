import { z } from '@hono/zod-openapi';

/**
 * The audience rule language: a typed JSON tree, the same for the server, the SDK (through the
 * OpenAPI schema) and the console. A rule selects consumers of one brand's data bank.
 *
 * Leaves:
 * - `trait`: a profile trait compared with a value (`city = Shanghai`, `age >= 30`).
 * - `event`: did (or did not) do an event at least `min_count` times in the last `within_days`
 *   days, optionally with property filters (`category = tea`). Coupon facts are events too
 *   (`Coupon Claimed`, `Coupon Redeemed` with `promotion_id`), and so are a campaign's messages
 *   (`Message Delivered` with `campaign_id`): "not contacted this week" is `not` of one.
 * - `stage`: the lifecycle stage now (A-I-P-L).
 * - `stage_change`: moved from one stage to another within the last `within_days` days.
 * - `purchase`: RFM, recency in days, frequency in orders, money in minor units, each a range.
 * - `near`: lives (home location trait) or was seen (an event at or near the place) within
 *   `radius_km` of a store.
 * - `consent`: granted the purpose, and not refused the channel when one is given.
 * - `audience`: a member of another saved audience of the same brand.
 *
 * Branches: `and`, `or` (lists) and `not`. Size is bounded (depth, children, leaves, list values)
 * so no rule can make evaluation unbounded; every window is bounded (`within_days`).
 */
export const rule_depth_max = 6;
export const rule_children_max = 16;
export const rule_leaves_max = 32;
export const rule_values_max = 100;
export const window_days_max = 3_650;
export const radius_km_max = 100;

export const purposes = ['analytics', 'personalisation', 'marketing'] as const;
export const reachChannels = ['email', 'sms', 'push', 'webhook', 'feed', 'screen'] as const;
export type ReachChannel = (typeof reachChannels)[number];
export const ruleStages = ['aware', 'interested', 'purchased', 'loyal'] as const;

const key = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : -');
const scalar = z.union([z.string().max(200), z.number().finite(), z.boolean()]);
const values = z.array(z.union([z.string().max(200), z.number().finite()])).min(1).max(rule_values_max);
const days = z.number().int().min(1).max(window_days_max);
const range = (max: number) =>
  z
    .object({ min: z.number().int().min(0).max(max).optional(), max: z.number().int().min(0).max(max).optional() })
    .strict()
    .refine((r) => r.min !== undefined || r.max !== undefined, 'give min, max or both')
    .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, 'min must not exceed max');

export const comparisons = ['eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'exists', 'contains'] as const;

export const traitRuleSchema = z
  .object({
    kind: z.literal('trait'),
    trait: key,
    op: z.enum(comparisons),
    value: z.union([scalar, values]).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const list = r.op === 'in' || r.op === 'not_in';
    if (r.op === 'exists') {
      if (r.value !== undefined && typeof r.value !== 'boolean') ctx.addIssue({ code: 'custom', path: ['value'], message: 'exists takes true, false or nothing' });
    } else if (r.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `${r.op} needs a value` });
    else if (list !== Array.isArray(r.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: list ? `${r.op} takes a list` : `${r.op} takes one value` });
    else if (['gt', 'gte', 'lt', 'lte'].includes(r.op) && typeof r.value !== 'number') ctx.addIssue({ code: 'custom', path: ['value'], message: `${r.op} compares numbers` });
  });

export const propertyFilterSchema = z
  .object({ property: key, op: z.enum(['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte']), value: z.union([scalar, values]) })
  .strict()
  .refine((f) => (f.op === 'in') === Array.isArray(f.value), 'in takes a list; the other comparisons one value');

export const eventRuleSchema = z
  .object({
    kind: z.literal('event'),
    event: z.string().trim().min(1).max(200),
    did: z.boolean().default(true),
    min_count: z.number().int().min(1).max(1_000).default(1),
    within_days: days,
    where: z.array(propertyFilterSchema).max(8).default([]),
  })
  .strict();

export const stageRuleSchema = z.object({ kind: z.literal('stage'), stages: z.array(z.enum(ruleStages)).min(1).max(4) }).strict();

export const stageChangeRuleSchema = z
  .object({ kind: z.literal('stage_change'), from: z.enum(['none', ...ruleStages]), to: z.enum(ruleStages), within_days: days })
  .strict()
  .refine((r) => r.from !== r.to, 'from and to must differ');

export const purchaseRuleSchema = z
  .object({
    kind: z.literal('purchase'),
    recency_days: range(window_days_max).optional(),
    frequency: range(1_000_000).optional(),
    monetary_minor: range(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict()
  .refine((r) => r.recency_days !== undefined || r.frequency !== undefined || r.monetary_minor !== undefined, 'give recency_days, frequency or monetary_minor');

export const nearRuleSchema = z
  .object({
    kind: z.literal('near'),
    location_id: z.string().min(1).max(64),
    radius_km: z.number().positive().max(radius_km_max),
    how: z.enum(['lives', 'seen', 'either']).default('either'),
    within_days: days.default(90).openapi({ description: 'for `seen`: how far back a sighting counts' }),
  })
  .strict();

export const consentRuleSchema = z.object({ kind: z.literal('consent'), purpose: z.enum(purposes), channel: z.enum(reachChannels).optional() }).strict();

export const audienceRefSchema = z.object({ kind: z.literal('audience'), audience_id: z.string().min(1).max(64) }).strict();

export type TraitRule = z.infer<typeof traitRuleSchema>;
export type EventRule = z.infer<typeof eventRuleSchema>;
export type StageRule = z.infer<typeof stageRuleSchema>;
export type StageChangeRule = z.infer<typeof stageChangeRuleSchema>;
export type PurchaseRule = z.infer<typeof purchaseRuleSchema>;
export type NearRule = z.infer<typeof nearRuleSchema>;
export type ConsentRule = z.infer<typeof consentRuleSchema>;
export type AudienceRef = z.infer<typeof audienceRefSchema>;
export type Leaf = TraitRule | EventRule | StageRule | StageChangeRule | PurchaseRule | NearRule | ConsentRule | AudienceRef;
export type Rule = Leaf | { kind: 'and'; rules: Rule[] } | { kind: 'or'; rules: Rule[] } | { kind: 'not'; rule: Rule };

const leafSchema = z.union([traitRuleSchema, eventRuleSchema, stageRuleSchema, stageChangeRuleSchema, purchaseRuleSchema, nearRuleSchema, consentRuleSchema, audienceRefSchema]);

/**
 * The schema of a rule. The recursion is cut at `rule_depth_max` levels by building the schema
 * level by level, so the OpenAPI document stays finite and a too-deep rule fails validation with a
 * path. `ruleProblems` then bounds the size.
 */
function ruleAt(depth: number): z.ZodType<Rule> {
  if (depth === 0) return leafSchema;
  const inner = z.lazy(() => ruleAt(depth - 1));
  return z.union([
    leafSchema,
    z.object({ kind: z.literal('and'), rules: z.array(inner).min(1).max(rule_children_max) }).strict(),
    z.object({ kind: z.literal('or'), rules: z.array(inner).min(1).max(rule_children_max) }).strict(),
    z.object({ kind: z.literal('not'), rule: inner }).strict(),
  ]);
}

export const ruleSchema: z.ZodType<Rule> = ruleAt(rule_depth_max - 1).openapi('AudienceRule', {
  description: `A rule over a brand's consumers: leaves (trait, event, stage, stage_change, purchase, near, consent, audience) combined with and / or / not; at most ${rule_depth_max} levels, ${rule_children_max} children a branch and ${rule_leaves_max} leaves.`,
});

/** Every leaf of a rule, depth first. */
export function leavesOf(rule: Rule): Leaf[] {
  if (rule.kind === 'and' || rule.kind === 'or') return rule.rules.flatMap(leavesOf);
  if (rule.kind === 'not') return leavesOf(rule.rule);
  return [rule];
}

export function depthOf(rule: Rule): number {
  if (rule.kind === 'and' || rule.kind === 'or') return 1 + Math.max(...rule.rules.map(depthOf));
  if (rule.kind === 'not') return 1 + depthOf(rule.rule);
  return 1;
}

/** Size problems a valid-shaped rule can still have; empty when the rule may be evaluated. */
export function sizeProblems(rule: Rule): string[] {
  const problems: string[] = [];
  if (depthOf(rule) > rule_depth_max) problems.push(`a rule has at most ${rule_depth_max} levels`);
  if (leavesOf(rule).length > rule_leaves_max) problems.push(`a rule has at most ${rule_leaves_max} conditions`);
  return problems;
}

/** The saved audiences a rule refers to. */
export function audienceRefs(rule: Rule): string[] {
  return [...new Set(leavesOf(rule).flatMap((l) => (l.kind === 'audience' ? [l.audience_id] : [])))];
}

const opWords: Record<(typeof comparisons)[number], string> = { eq: 'is', neq: 'is not', in: 'is one of', not_in: 'is none of', gt: '>', gte: '≥', lt: '<', lte: '≤', exists: 'is set', contains: 'contains' };
const show = (v: unknown): string => (Array.isArray(v) ? v.map(show).join(', ') : typeof v === 'string' ? `“${v}”` : String(v));
const rangeWords = (r: { min?: number | undefined; max?: number | undefined }, unit: string) =>
  r.min !== undefined && r.max !== undefined ? `${r.min}–${r.max} ${unit}` : r.min !== undefined ? `at least ${r.min} ${unit}` : `at most ${r.max} ${unit}`;

/** A readable summary of a rule, for lists and the console ("bought “tea” in the last 90 days and …"). */
export function summarise(rule: Rule, names: ReadonlyMap<string, string> = new Map()): string {
  switch (rule.kind) {
    case 'and':
    case 'or':
      return rule.rules.map((r) => (r.kind === 'and' || r.kind === 'or' ? `(${summarise(r, names)})` : summarise(r, names))).join(rule.kind === 'and' ? ' and ' : ' or ');
    case 'not':
      return `not (${summarise(rule.rule, names)})`;
    case 'trait':
      return rule.op === 'exists' && rule.value === false ? `${rule.trait} is not set` : `${rule.trait} ${opWords[rule.op]}${rule.op === 'exists' ? '' : ` ${show(rule.value)}`}`;
    case 'event': {
      const times = rule.min_count > 1 ? ` at least ${rule.min_count} times` : '';
      const where = rule.where.length === 0 ? '' : ` where ${rule.where.map((f) => `${f.property} ${opWords[f.op]} ${show(f.value)}`).join(' and ')}`;
      return `${rule.did ? 'did' : 'did not do'} “${rule.event}”${times}${where} in the last ${rule.within_days} days`;
    }
    case 'stage':
      return `stage is ${rule.stages.join(' or ')}`;
    case 'stage_change':
      return `moved from ${rule.from} to ${rule.to} in the last ${rule.within_days} days`;
    case 'purchase': {
      const parts = [
        rule.recency_days === undefined ? undefined : `last bought ${rangeWords(rule.recency_days, 'days ago')}`,
        rule.frequency === undefined ? undefined : `${rangeWords(rule.frequency, 'orders')}`,
        rule.monetary_minor === undefined ? undefined : `spent ${rangeWords(rule.monetary_minor, '(minor units)')}`,
      ].filter((p) => p !== undefined);
      return parts.join(', ');
    }
    case 'near':
      return `${rule.how === 'lives' ? 'lives' : rule.how === 'seen' ? `was seen in the last ${rule.within_days} days` : `lives or was seen in the last ${rule.within_days} days`} within ${rule.radius_km} km of ${names.get(rule.location_id) ?? rule.location_id}`;
    case 'consent':
      return `consented to ${rule.purpose}${rule.channel === undefined ? '' : ` by ${rule.channel}`}`;
    case 'audience':
      return `in audience ${names.get(rule.audience_id) ?? rule.audience_id}`;
  }
}
