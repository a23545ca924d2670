import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { inTransaction, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems } from '../../kernel/problem.js';
import { quoteLines } from '../catalog/index.js';
import { getMerchant } from '../merchants/index.js';
import { behaviourOf } from './propensity/data.js';
import { boughtTarget, type Target } from './propensity/features.js';
import { liftInterval, type Lift } from './propensity/lift.js';
import { scoreByPropensity, type PropensityRanking } from './propensity/score.js';
import { samplingAudienceMembers, type SamplingAudience } from './sampling-audience.js';

/**
 * Sampling campaigns: rank an audience by its propensity to buy a product or a category, send
 * free samples to the top N that the budget pays for, hold back an equally ranked control group,
 * and measure conversion in both. Sending (zero-price orders through fulfilment) is the
 * send-samples flow (src/flows/send-samples), which uses `lockSamplingCampaign` and
 * `recordSamplingSends` here.
 */
export interface NewSamplingCampaign {
  name: string;
  audience: SamplingAudience;
  target: Target;
  variant_id: string;
  top_n: number;
  budget_minor: number;
  sample_cost_minor?: number | undefined;
  /** The currency of the budget and the sample's price; the brand's default when absent. */
  currency?: string | undefined;
  control_share: number;
  conversion_days: number;
}

export interface SamplingCampaign {
  id: string;
  name: string;
  status: string;
  target: { product_id: string } | { category_id: string };
  variant_id: string;
  currency: string;
  top_n: number;
  budget_minor: bigint;
  sample_cost_minor: bigint;
  control_share: number;
  conversion_days: number;
  audience: SamplingAudience;
  audience_size: number;
  model: PropensityRanking['model'];
  treatment: number;
  control: number;
  sent_at: Date | null;
  created_at: Date;
}

/** The most consumers an audience may have for ranking (every one is scored). */
export const sampling_audience_max = 200_000;

export interface Enrolment {
  profile_id: string;
  rank: number;
  score: number;
  arm: 'treatment' | 'control';
}

/**
 * Splits the ranked audience into treatment and control with the same rank distribution: ranks
 * are taken in consecutive blocks of b = round(1 / control_share) (pairs at the default 0.5), and
 * in each block one consumer, chosen by a hash of the campaign and the block (seeded, so it is
 * reproducible and nobody can game it), is held back; the others get a sample. Blocks are taken
 * until `treatment_n` consumers are treated (the last block may be short) or the audience ends.
 * With control_share 0 nobody is held back.
 */
export function assignArms(ranked: readonly { profile_id: string; score: number }[], treatment_n: number, control_share: number, seed: string): Enrolment[] {
  const out: Enrolment[] = [];
  if (control_share <= 0) {
    return ranked.slice(0, treatment_n).map((r, i) => ({ ...r, rank: i + 1, arm: 'treatment' }));
  }
  const block = Math.max(2, Math.round(1 / control_share));
  let treated = 0;
  let at = 0;
  let index = 0;
  while (treated < treatment_n && at < ranked.length) {
    const size = Math.min(block, treatment_n - treated + 1, ranked.length - at);
    const members = ranked.slice(at, at + size);
    const held = size < 2 ? -1 : createHash('sha256').update(`${seed}:${index}`).digest().readUInt32BE(0) % size;
    members.forEach((m, k) => {
      const arm = k === held ? 'control' : 'treatment';
      if (arm === 'treatment') treated++;
      out.push({ ...m, rank: at + k + 1, arm });
    });
    at += size;
    index++;
  }
  return out;
}

/** How many samples the budget pays for, at most top_n. */
export function samplesAffordable(top_n: number, budget_minor: bigint, cost_minor: bigint): number {
  if (cost_minor <= 0n) return top_n;
  const affordable = budget_minor / cost_minor;
  return affordable < BigInt(top_n) ? Number(affordable) : top_n;
}

const targetOf = (r: { target_product_id: string | null; target_category_id: string | null }): { product_id: string } | { category_id: string } =>
  r.target_product_id !== null ? { product_id: r.target_product_id } : { category_id: r.target_category_id! };

interface Row {
  id: string;
  name: string;
  status: string;
  control_share: string;
  conversion_days: number;
  created_at: Date;
  target_product_id: string | null;
  target_category_id: string | null;
  variant_id: string;
  currency: string;
  top_n: number;
  budget_minor: string;
  sample_cost_minor: string;
  audience: SamplingAudience;
  audience_size: number;
  model: PropensityRanking['model'];
  sent_at: Date | null;
  treatment: number;
  control: number;
}

function campaignOf(r: Row): SamplingCampaign {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    target: targetOf(r),
    variant_id: r.variant_id,
    currency: r.currency.trim(),
    top_n: r.top_n,
    budget_minor: BigInt(r.budget_minor),
    sample_cost_minor: BigInt(r.sample_cost_minor),
    control_share: Number(r.control_share),
    conversion_days: r.conversion_days,
    audience: r.audience,
    audience_size: r.audience_size,
    model: r.model,
    treatment: r.treatment,
    control: r.control,
    sent_at: r.sent_at,
    created_at: r.created_at,
  };
}

const selectCampaigns = (merchant_id: string) => sql`
  select c.id, c.name, c.status, c.control_share::text, c.conversion_days, c.created_at, s.target_product_id, s.target_category_id, s.variant_id, s.currency,
    s.top_n, s.budget_minor::text, s.sample_cost_minor::text, s.audience, s.audience_size, s.model, s.sent_at,
    (select count(*)::int from campaign_enrolment e where e.merchant_id = c.merchant_id and e.campaign_id = c.id and e.arm = 'treatment') as treatment,
    (select count(*)::int from campaign_enrolment e where e.merchant_id = c.merchant_id and e.campaign_id = c.id and e.arm = 'control') as control
  from campaign c join sampling_campaign s on s.merchant_id = c.merchant_id and s.campaign_id = c.id
  where c.merchant_id = ${merchant_id} and c.kind = 'sampling'`;

export async function getSamplingCampaign(db: AnyDb, merchant_id: string, id: string): Promise<SamplingCampaign | undefined> {
  const rows = await sql<Row>`${selectCampaigns(merchant_id)} and c.id = ${id}`.execute(db);
  return rows.rows[0] === undefined ? undefined : campaignOf(rows.rows[0]);
}

/** A page of the brand's sampling campaigns, newest first (IDs are time-ordered). */
export async function listSamplingCampaigns(db: AnyDb, merchant_id: string, options: { before_id?: string | undefined; limit: number }): Promise<SamplingCampaign[]> {
  const rows = await sql<Row>`${selectCampaigns(merchant_id)} ${options.before_id === undefined ? sql`` : sql`and c.id < ${options.before_id}`} order by c.id desc limit ${options.limit}`.execute(db);
  return rows.rows.map(campaignOf);
}

/** The enrolments of a campaign in rank order. */
export async function samplingEnrolments(db: AnyDb, merchant_id: string, campaign_id: string, arm?: 'treatment' | 'control'): Promise<Enrolment[]> {
  const rows = await sql<{ profile_id: string; rank: number; score: number; arm: 'treatment' | 'control' }>`
    select profile_id, rank, score, arm from campaign_enrolment
    where merchant_id = ${merchant_id} and campaign_id = ${campaign_id} ${arm === undefined ? sql`` : sql`and arm = ${arm}`}
    order by rank`.execute(db);
  return rows.rows;
}

/**
 * Creates a sampling campaign: checks every input (the target and the sample are the brand's,
 * the budget buys at least one sample, the audience exists), ranks the audience by propensity,
 * and stores the campaign with its enrolments, each with its rank, score and arm, in one
 * transaction. Bad input writes nothing.
 */
export async function createSamplingCampaign(db: AnyDb, merchant_id: string, input: NewSamplingCampaign, now = new Date()): Promise<SamplingCampaign> {
  const merchant = await getMerchant(db, merchant_id);
  if (merchant === undefined) throw problems.notFound('The merchant');
  const currency = input.currency ?? merchant.default_currency;
  if ('product_id' in input.target) {
    const found = await sql`select 1 from product where merchant_id = ${merchant_id} and id = ${input.target.product_id}`.execute(db);
    // Another merchant's product is as unknown as a product that does not exist (tenancy: 404).
    if (found.rows.length === 0) throw problems.notFound('The target product');
  } else if ('category_id' in input.target) {
    const found = await sql`select 1 from category where merchant_id = ${merchant_id} and id = ${input.target.category_id}`.execute(db);
    if (found.rows.length === 0) throw problems.notFound('The target category');
  }
  const own = await sql`select 1 from variant where merchant_id = ${merchant_id} and id = ${input.variant_id}`.execute(db);
  if (own.rows.length === 0) throw problems.notFound('The sample variant');
  const [quote] = await quoteLines(db, [{ variant_id: input.variant_id, quantity: 1 }], currency);
  if (quote === undefined) throw problems.notFound('The sample variant');
  if (!quote.ok) throw new Problem(422, 'sample_not_sendable', 'The sample cannot be sent', quote.detail, [{ field: 'variant_id', location: 'body', message: quote.detail }]);
  const cost = input.sample_cost_minor === undefined ? quote.unit_price_minor : BigInt(input.sample_cost_minor);
  const budget = BigInt(input.budget_minor);
  const n = samplesAffordable(input.top_n, budget, cost);
  if (n < 1) throw new Problem(422, 'budget_too_small', 'The budget buys no sample', `A sample costs ${cost} ${currency} minor units; the budget is ${budget}`, [{ field: 'budget_minor', location: 'body', message: `at least ${cost}` }]);
  const members = await samplingAudienceMembers(db, merchant_id, input.audience);
  if (members === undefined) throw problems.notFound('The audience');
  if (members.length > sampling_audience_max) throw problems.unprocessable('audience_too_large', `A sampling campaign ranks at most ${sampling_audience_max} consumers; this audience has ${members.length}`);
  // Only live profiles: a merged one is its survivor now, an erased one is gone.
  const live = (await sql<{ id: string }>`select id from cdp_profile where merchant_id = ${merchant_id} and merged_into is null and id = any(${members}::text[])`.execute(db)).rows.map((r) => r.id);
  const ranking = await scoreByPropensity(db, merchant_id, live, input.target, input.conversion_days, now);
  const ranked = live.map((profile_id) => ({ profile_id, score: ranking.scores.get(profile_id) ?? 0 })).sort((a, b) => b.score - a.score || (a.profile_id < b.profile_id ? -1 : 1));
  const id = newId('cmp');
  const enrolments = assignArms(ranked, n, input.control_share, id);
  const target = 'product_id' in input.target ? { product_id: input.target.product_id } : 'category_id' in input.target ? { category_id: input.target.category_id } : undefined;
  if (target === undefined) throw problems.unprocessable('target_required', 'A sampling campaign targets a product or a category');
  await inTransaction(db, async (trx) => {
    await sql`insert into campaign (merchant_id, id, name, kind, status, entry, steps, control_share, conversion_days)
      values (${merchant_id}, ${id}, ${input.name}, 'sampling', 'draft', ${JSON.stringify({ audience: input.audience, target })}::jsonb, '[]'::jsonb, ${input.control_share}, ${input.conversion_days})`.execute(trx);
    await sql`insert into sampling_campaign (merchant_id, campaign_id, target_product_id, target_category_id, variant_id, currency, top_n, budget_minor, sample_cost_minor, audience, model, audience_size)
      values (${merchant_id}, ${id}, ${'product_id' in target ? target.product_id : null}, ${'category_id' in target ? target.category_id : null}, ${input.variant_id}, ${currency}, ${input.top_n},
        ${budget.toString()}::bigint, ${cost.toString()}::bigint, ${JSON.stringify(input.audience)}::jsonb, ${JSON.stringify(ranking.model)}::jsonb, ${live.length})`.execute(trx);
    if (enrolments.length > 0) {
      await sql`insert into campaign_enrolment (merchant_id, campaign_id, profile_id, arm, rank, score, status)
        select ${merchant_id}, ${id}, p, a, r, s, 'active' from unnest(${enrolments.map((e) => e.profile_id)}::text[], ${enrolments.map((e) => e.arm)}::text[],
          ${enrolments.map((e) => e.rank)}::int[], ${enrolments.map((e) => e.score)}::float8[]) as u(p, a, r, s)`.execute(trx);
    }
  });
  return (await getSamplingCampaign(db, merchant_id, id))!;
}

/** Locks a sampling campaign for sending; a refusal when it is not there or already sent. */
export async function lockSamplingCampaign(trx: AnyTrx, merchant_id: string, id: string): Promise<SamplingCampaign> {
  const locked = await sql<{ status: string; sent_at: Date | null }>`
    select c.status, s.sent_at from campaign c join sampling_campaign s on s.merchant_id = c.merchant_id and s.campaign_id = c.id
    where c.merchant_id = ${merchant_id} and c.id = ${id} and c.kind = 'sampling' for update of c, s`.execute(trx);
  const row = locked.rows[0];
  if (row === undefined) throw problems.notFound('The sampling campaign');
  if (row.sent_at !== null) throw problems.conflict('samples_already_sent', `The samples of campaign ${id} were sent at ${row.sent_at.toISOString()}; a campaign sends once`);
  if (row.status !== 'draft') throw problems.conflict('campaign_not_draft', `The campaign is ${row.status}; only a draft sends its samples`);
  return (await getSamplingCampaign(trx, merchant_id, id))!;
}

export interface SamplingSend {
  profile_id: string;
  order_id: string | null;
  skipped_reason: 'no_address' | 'out_of_stock' | null;
}

/** Records what sending did and marks the campaign running, in the sender's transaction. */
export async function recordSamplingSends(trx: AnyTrx, merchant_id: string, id: string, sends: readonly SamplingSend[], now = new Date()): Promise<void> {
  if (sends.length > 0) {
    await sql`insert into sampling_send (merchant_id, campaign_id, profile_id, order_id, skipped_reason)
      select ${merchant_id}, ${id}, p, o, r from unnest(${sends.map((s) => s.profile_id)}::text[], ${sends.map((s) => s.order_id)}::text[], ${sends.map((s) => s.skipped_reason)}::text[]) as u(p, o, r)`.execute(trx);
  }
  await sql`update sampling_campaign set sent_at = ${now} where merchant_id = ${merchant_id} and campaign_id = ${id}`.execute(trx);
  await sql`update campaign set status = 'running', starts_at = ${now}, updated_at = now() where merchant_id = ${merchant_id} and id = ${id}`.execute(trx);
}

export async function samplingSends(db: AnyDb, merchant_id: string, id: string): Promise<SamplingSend[]> {
  const rows = await sql<SamplingSend>`select profile_id, order_id, skipped_reason from sampling_send where merchant_id = ${merchant_id} and campaign_id = ${id} order by profile_id`.execute(db);
  return rows.rows;
}

export interface SamplingResults {
  campaign_id: string;
  sent_at: Date | null;
  /** The end of the conversion window (sent_at + conversion_days). */
  window_ends_at: Date | null;
  /** Whether the window is over: before then the figures can still grow. */
  final: boolean;
  treatment: { consumers: number; samples_sent: number; converted: number };
  control: { consumers: number; converted: number };
  lift: Lift | null;
}

/**
 * Conversion in each arm: a consumer converted when they bought the target (any purchase of the
 * product, or of a product of the category, other than the free sample itself) within
 * conversion_days after the samples were sent. The treatment arm counts every consumer assigned
 * to it, sent or skipped (intention to treat), so skipping those without an address cannot flatter
 * the result. Lift is the difference of the two rates with its 95% interval (Newcombe).
 */
export async function samplingResults(db: AnyDb, merchant_id: string, id: string, now = new Date()): Promise<SamplingResults | undefined> {
  const campaign = await getSamplingCampaign(db, merchant_id, id);
  if (campaign === undefined) return undefined;
  const sends = await samplingSends(db, merchant_id, id);
  const samples_sent = sends.filter((s) => s.order_id !== null).length;
  if (campaign.sent_at === null) {
    return { campaign_id: id, sent_at: null, window_ends_at: null, final: false, treatment: { consumers: campaign.treatment, samples_sent, converted: 0 }, control: { consumers: campaign.control, converted: 0 }, lift: null };
  }
  const from = campaign.sent_at.getTime();
  const to = from + campaign.conversion_days * 86_400_000;
  const enrolments = await samplingEnrolments(db, merchant_id, id);
  const histories = await behaviourOf(db, merchant_id, enrolments.map((e) => e.profile_id), new Date(from), new Date(Math.min(to, Math.max(from, now.getTime()) + 1)));
  const count = (arm: 'treatment' | 'control') => {
    const members = enrolments.filter((e) => e.arm === arm);
    return { consumers: members.length, converted: members.filter((e) => boughtTarget(histories.get(e.profile_id) ?? [], from, to, campaign.target) === 1).length };
  };
  const treatment = count('treatment');
  const control = count('control');
  return {
    campaign_id: id,
    sent_at: campaign.sent_at,
    window_ends_at: new Date(to),
    final: now.getTime() >= to,
    treatment: { ...treatment, samples_sent },
    control,
    lift: control.consumers === 0 || treatment.consumers === 0 ? null : liftInterval(treatment.converted, treatment.consumers, control.converted, control.consumers),
  };
}
