import type { AudienceTables } from './tables.js';
import { sql } from 'kysely';
import roaring from 'roaring';
import { tablesOf, inTransaction, type AnyDb } from '../../kernel/db.js';
import { Problem, type FieldError } from '../../kernel/problem.js';
import type { AudienceRules, BitmapPath, Evaluation } from './paths.js';
import { sizeProblems, type Leaf, type Rule } from './rules.js';
import { ruleQuery, type SqlContext } from './sql.js';

const { RoaringBitmap32 } = roaring;

/**
 * Evaluates a rule for one brand: validates it against the brand (its traits, locations and saved
 * audiences), then asks the in-memory bitmaps when a bitmap path is registered, and PostgreSQL
 * when there is none or it cannot answer (the answer says which, and why).
 */
let bitmapPath: BitmapPath | undefined;

/** Registers (or, with undefined, removes) the in-memory bitmap path; evaluation tries it first. */
export function setBitmapPath(path: BitmapPath | undefined): void {
  bitmapPath = path;
}

/** How long one rule may run in PostgreSQL before it is refused as too expensive. */
export const rule_timeout_ms_default = 10_000;

export interface EvaluateOptions {
  /** The moment of evaluation; now by default. */
  now?: Date;
  timeout_ms?: number;
  /** The saved audience whose rule this is: a reference back to it is a cycle. */
  self_id?: string;
  /** Where the rule sits in the request body, for the problems' field paths (default `rule`). */
  field?: string;
  /** Skip the bitmap path (to compare the two, or when PostgreSQL must answer). */
  sql_only?: boolean;
}

const problem = (code: string, detail: string, field?: string) =>
  new Problem(422, code, 'The rule cannot be evaluated', detail, field === undefined ? undefined : [{ field, location: 'body', message: detail }]);

// ---------------------------------------------------------------------------------------------
// The trait catalog

/** Traits every brand knows, whether or not a profile carries them yet (the `near` leaf reads them). */
export const builtin_traits = ['home_latitude', 'home_longitude'] as const;
export const trait_catalog_ttl_ms = 60_000;
/** A catalog miss reloads when the cached one is older than this, so a new trait shows up fast without a scan per keystroke. */
const trait_catalog_miss_reload_ms = 2_000;

const catalogs = new Map<string, { keys: Set<string>; loaded_at: number }>();

async function loadCatalog(db: AnyDb, merchant_id: string): Promise<Set<string>> {
  const rows = await sql<{ key: string }>`select distinct k.key from cdp_profile p, jsonb_object_keys(p.traits) k(key)
    where p.merchant_id = ${merchant_id} and p.merged_into is null and jsonb_typeof(p.traits) = 'object'`.execute(db);
  const keys = new Set<string>([...builtin_traits, ...rows.rows.map((r) => r.key)]);
  catalogs.set(merchant_id, { keys, loaded_at: Date.now() });
  return keys;
}

/** The brand's known trait keys: the top-level keys over its live profiles, plus the built-in ones; cached briefly. */
export async function traitCatalog(db: AnyDb, merchant_id: string): Promise<string[]> {
  const cached = catalogs.get(merchant_id);
  const keys = cached !== undefined && Date.now() - cached.loaded_at < trait_catalog_ttl_ms ? cached.keys : await loadCatalog(db, merchant_id);
  return [...keys].sort();
}

async function knowsTrait(db: AnyDb, merchant_id: string, trait: string): Promise<boolean> {
  const top = trait.split('.')[0]!;
  const cached = catalogs.get(merchant_id);
  const age = cached === undefined ? Infinity : Date.now() - cached.loaded_at;
  if (cached !== undefined && age < trait_catalog_ttl_ms && cached.keys.has(top)) return true;
  if (cached !== undefined && age < trait_catalog_miss_reload_ms) return false;
  return (await loadCatalog(db, merchant_id)).has(top);
}

/** Forgets the cached catalog of a brand (or of all), so the next evaluation reads it again. */
export function forgetTraitCatalog(merchant_id?: string): void {
  if (merchant_id === undefined) catalogs.clear();
  else catalogs.delete(merchant_id);
}

// ---------------------------------------------------------------------------------------------
// Validation

type Visit = (leaf: Leaf, field: string) => void;

function walk(rule: Rule, field: string, visit: Visit): void {
  if (rule.kind === 'and' || rule.kind === 'or') rule.rules.forEach((r, i) => walk(r, `${field}.rules.${i}`, visit));
  else if (rule.kind === 'not') walk(rule.rule, `${field}.rule`, visit);
  else visit(rule, field);
}

/** A saved audience's stored rule; undefined when the brand has none with this id. */
export async function savedRule(db: AnyDb, merchant_id: string, audience_id: string): Promise<Rule | undefined> {
  const row = await tablesOf<AudienceTables>(db).selectFrom('audience').select('rule').where('merchant_id', '=', merchant_id).where('id', '=', audience_id).executeTakeFirst();
  return row === undefined ? undefined : (row.rule);
}

/**
 * Checks a rule against the brand, and gathers what evaluating it needs: the locations its `near`
 * leaves name and the rules of the saved audiences it refers to, directly or not. Throws a 422
 * problem naming the field: a rule too large, an unknown trait, a location or saved audience that
 * is not the brand's, or a cycle among saved audiences.
 */
export async function validateRule(db: AnyDb, merchant_id: string, rule: Rule, options: Pick<EvaluateOptions, 'self_id' | 'field'> = {}): Promise<Omit<SqlContext, 'now'>> {
  const field = options.field ?? 'rule';
  const size = sizeProblems(rule);
  if (size.length > 0) throw problem('rule_too_large', size.join('; '), field);

  const traits: { trait: string; field: string }[] = [];
  const locationFields = new Map<string, string>();
  walk(rule, field, (leaf, at) => {
    if (leaf.kind === 'trait') traits.push({ trait: leaf.trait, field: `${at}.trait` });
    if (leaf.kind === 'near' && !locationFields.has(leaf.location_id)) locationFields.set(leaf.location_id, `${at}.location_id`);
  });
  for (const t of traits) {
    if (!(await knowsTrait(db, merchant_id, t.trait))) throw problem('unknown_trait', `no consumer of this brand has a trait “${t.trait.split('.')[0]}” (${t.field})`, t.field);
  }

  // The saved audiences, depth first, refusing a reference back to one being expanded.
  const audiences = new Map<string, Rule>();
  // A problem inside a saved audience's rule is reported at the reference that led there (`origin`).
  const expand = async (r: Rule, at: string, stack: readonly string[], origin?: string): Promise<void> => {
    const refs: { id: string; field: string }[] = [];
    walk(r, at, (leaf, f) => {
      if (leaf.kind === 'audience') refs.push({ id: leaf.audience_id, field: origin ?? `${f}.audience_id` });
      if (leaf.kind === 'near' && !locationFields.has(leaf.location_id)) locationFields.set(leaf.location_id, origin ?? `${f}.location_id`);
    });
    for (const ref of refs) {
      if (stack.includes(ref.id)) throw problem('audience_cycle', `the rule refers back to audience ${ref.id} through ${[...stack, ref.id].join(' → ')}`, ref.field);
      let inner = audiences.get(ref.id);
      if (inner === undefined) {
        inner = await savedRule(db, merchant_id, ref.id);
        if (inner === undefined) throw problem('unknown_audience', `this brand has no saved audience ${ref.id}`, ref.field);
        audiences.set(ref.id, inner);
      }
      await expand(inner, ref.field, [...stack, ref.id], ref.field);
    }
  };
  await expand(rule, field, options.self_id === undefined ? [] : [options.self_id]);

  const locations = new Map<string, { latitude: number; longitude: number }>();
  if (locationFields.size > 0) {
    const rows = await db
      .selectFrom('location')
      .select(['id', 'latitude', 'longitude'])
      .where('merchant_id', '=', merchant_id)
      .where('id', 'in', [...locationFields.keys()])
      .execute();
    for (const row of rows as { id: string; latitude: number; longitude: number }[]) locations.set(row.id, { latitude: Number(row.latitude), longitude: Number(row.longitude) });
    for (const [id, at] of locationFields) if (!locations.has(id)) throw problem('unknown_location', `this brand has no location ${id}`, at);
  }
  return { merchant_id, locations, audiences };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** Evaluates in PostgreSQL under a statement timeout; a rule that runs past it is refused (422 `rule_too_expensive`). */
export async function evaluateSql(db: AnyDb, rule: Rule, ctx: SqlContext, timeout_ms: number = rule_timeout_ms_default): Promise<RoaringBitmap32> {
  const query = ruleQuery(rule, ctx);
  try {
    return await inTransaction(db, async (trx) => {
      await sql`select set_config('statement_timeout', ${String(Math.max(1, Math.round(timeout_ms)))}, true)`.execute(trx);
      const { rows } = await sql<{ nums: number[] | null }>`select array_agg(q.num) as nums from (${query}) q`.execute(trx);
      return new RoaringBitmap32(rows[0]?.nums ?? []);
    });
  } catch (error) {
    if ((error as { code?: string }).code === '57014') {
      throw new Problem(422, 'rule_too_expensive', 'The rule is too expensive', `evaluating the rule took longer than ${timeout_ms} ms; narrow its windows or conditions`);
    }
    throw error;
  }
}

type RoaringBitmap32 = InstanceType<typeof RoaringBitmap32>;

/**
 * The brand's consumers a rule selects, as consumer numbers, and which path answered. Validates
 * first (see `validateRule`); nothing is written.
 */
export async function evaluateRule(db: AnyDb, merchant_id: string, rule: Rule, options: EvaluateOptions = {}): Promise<Evaluation> {
  const started = performance.now();
  const checked = await validateRule(db, merchant_id, rule, options);
  const took = () => Math.round((performance.now() - started) * 100) / 100;
  let sql_reason = 'no bitmap index is registered';
  if (bitmapPath !== undefined && options.sql_only !== true) {
    const audiences: AudienceRules = (id) => Promise.resolve(checked.audiences.get(id));
    const answer = await bitmapPath.evaluate(merchant_id, rule, audiences);
    if ('members' in answer) return { path: 'bitmap', members: answer.members, took_ms: took() };
    sql_reason = answer.unsupported;
  } else if (options.sql_only === true) sql_reason = 'PostgreSQL was asked for';
  const members = await evaluateSql(db, rule, { ...checked, now: options.now ?? new Date() }, options.timeout_ms);
  return { path: 'sql', sql_reason, members, took_ms: took() };
}

/** The data bank profile ids of consumer numbers of a brand (a merged profile keeps its number; unknown numbers are left out). */
export async function profileIdsOf(db: AnyDb, merchant_id: string, nums: Iterable<number>): Promise<Map<number, string>> {
  const list = [...nums];
  const ids = new Map<number, string>();
  for (let i = 0; i < list.length; i += 10_000) {
    const chunk = list.slice(i, i + 10_000);
    const { rows } = await sql<{ num: number; id: string }>`select num, id from cdp_profile where merchant_id = ${merchant_id} and num = any(${chunk}::integer[])`.execute(db);
    for (const r of rows) ids.set(r.num, r.id);
  }
  return ids;
}

export type { FieldError };
