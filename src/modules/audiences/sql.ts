import { sql, type RawBuilder } from 'kysely';
import { defaultWindows } from '../databank/index.js';
import type { ConsentRule, EventRule, Leaf, NearRule, PurchaseRule, Rule, StageChangeRule, StageRule, TraitRule } from './rules.js';

/**
 * The PostgreSQL path: a rule compiled into one query that returns the numbers (`cdp_profile.num`)
 * of the brand's matching live profiles, exactly per the semantics of docs/AUDIENCES.md. Every
 * node is a set of numbers: leaves select from the brand's live profiles (or their events), `and`
 * is INTERSECT, `or` is UNION, `not` is the universe EXCEPT the rule. Every value is a bound
 * parameter; only the shape of the rule shapes the SQL.
 */
export interface SqlContext {
  merchant_id: string;
  now: Date;
  /** The brand's locations the rule's `near` leaves name (validated before compiling). */
  locations: ReadonlyMap<string, { latitude: number; longitude: number }>;
  /** The rules of the brand's saved audiences the rule refers to, directly or not (validated acyclic). */
  audiences: ReadonlyMap<string, Rule>;
}

const earth_radius_m = 6_371_008.8;

/** The query answering `rule`: one column `num`. */
export function ruleQuery(rule: Rule, ctx: SqlContext): RawBuilder<{ num: number }> {
  return compile(rule, ctx, []) as RawBuilder<{ num: number }>;
}

function compile(rule: Rule, ctx: SqlContext, expanding: readonly string[]): RawBuilder<unknown> {
  switch (rule.kind) {
    case 'and':
      return sql`(${sql.join(rule.rules.map((r) => sql`(${compile(r, ctx, expanding)})`), sql` intersect `)})`;
    case 'or':
      return sql`(${sql.join(rule.rules.map((r) => sql`(${compile(r, ctx, expanding)})`), sql` union `)})`;
    case 'not':
      return sql`(${universe(ctx)} except (${compile(rule.rule, ctx, expanding)}))`;
    case 'audience': {
      const inner = ctx.audiences.get(rule.audience_id);
      if (inner === undefined || expanding.includes(rule.audience_id)) throw new Error(`audience ${rule.audience_id} was not validated`);
      return compile(inner, ctx, [...expanding, rule.audience_id]);
    }
    default:
      return leaf(rule, ctx);
  }
}

/** The brand's live profiles. */
function universe(ctx: SqlContext): RawBuilder<unknown> {
  return sql`select p.num from cdp_profile p where p.merchant_id = ${ctx.merchant_id} and p.merged_into is null`;
}

/** Live profiles matching a condition on `p` (the profile row). */
function profilesWhere(ctx: SqlContext, condition: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`select p.num from cdp_profile p where p.merchant_id = ${ctx.merchant_id} and p.merged_into is null and (${condition})`;
}

function leaf(rule: Exclude<Leaf, { kind: 'audience' }>, ctx: SqlContext): RawBuilder<unknown> {
  switch (rule.kind) {
    case 'trait':
      return traitLeaf(rule, ctx);
    case 'event':
      return eventLeaf(rule, ctx);
    case 'stage':
      return stageLeaf(rule, ctx);
    case 'stage_change':
      return stageChangeLeaf(rule, ctx);
    case 'purchase':
      return purchaseLeaf(rule, ctx);
    case 'near':
      return nearLeaf(rule, ctx);
    case 'consent':
      return consentLeaf(rule, ctx);
  }
}

/** The text a value compares as: a string as is, a number by its JSON text, a boolean as `true` / `false`. */
export function valueText(value: string | number | boolean): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

type Op = TraitRule['op'];
type Value = TraitRule['value'];

/**
 * A comparison of a JSON value (`json`, a jsonb expression that is SQL null when absent) with a
 * rule's value, per the trait semantics; `exists` with `false` is answered by the caller as a
 * complement.
 */
function compare(json: RawBuilder<unknown>, op: Op, value: Value): RawBuilder<unknown> {
  const text = sql`(${json} #>> '{}')`;
  switch (op) {
    case 'eq':
      return sql`${text} = ${valueText(value as string | number | boolean)}`;
    case 'neq':
      return sql`${text} is not null and ${text} <> ${valueText(value as string | number | boolean)}`;
    case 'in':
      return sql`${text} = any(${(value as (string | number)[]).map(valueText)}::text[])`;
    case 'not_in':
      return sql`${text} is not null and ${text} <> all(${(value as (string | number)[]).map(valueText)}::text[])`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const symbol = sql.raw({ gt: '>', gte: '>=', lt: '<', lte: '<=' }[op]);
      // A value that is not a JSON number never matches (the case keeps the cast from seeing it).
      return sql`coalesce(case when jsonb_typeof(${json}) = 'number' then (${json})::numeric ${symbol} ${String(value)}::numeric end, false)`;
    }
    case 'exists':
      return sql`coalesce(jsonb_typeof(${json}) <> 'null', false)`;
    case 'contains': {
      const v = valueText(value as string | number | boolean);
      return sql`coalesce(case jsonb_typeof(${json})
          when 'string' then strpos(lower(${text}), lower(${v})) > 0
          when 'array' then exists (select 1 from jsonb_array_elements(${json}) x where x #>> '{}' = ${v})
        end, false)`;
    }
  }
}

function traitLeaf(rule: TraitRule, ctx: SqlContext): RawBuilder<unknown> {
  const json = sql`(p.traits #> ${rule.trait.split('.')}::text[])`;
  if (rule.op === 'exists' && rule.value === false) return profilesWhere(ctx, sql`not ${compare(json, 'exists', undefined)}`);
  return profilesWhere(ctx, compare(json, rule.op, rule.value));
}

const daysBefore = (ctx: SqlContext, days: number) => sql`(${ctx.now}::timestamptz - make_interval(days => ${days}))`;

/** The brand's events with their consumer (`consumer`: the live profile they count for). */
function consumerEvents(ctx: SqlContext, condition: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`select coalesce(ep.merged_into, e.profile_id) as consumer
    from cdp_event e join cdp_profile ep on ep.merchant_id = e.merchant_id and ep.id = e.profile_id
    where e.merchant_id = ${ctx.merchant_id} and (${condition})`;
}

function eventLeaf(rule: EventRule, ctx: SqlContext): RawBuilder<unknown> {
  const filters = rule.where.map((f) => compare(sql`(e.properties -> ${f.property})`, f.op, f.value));
  const condition = sql.join([sql`lower(e.event) = lower(${rule.event})`, sql`e.occurred_at > ${daysBefore(ctx, rule.within_days)}`, ...filters], sql` and `);
  const did = sql`select p.num from cdp_profile p
    join (select consumer from (${consumerEvents(ctx, condition)}) ev group by consumer having count(*) >= ${rule.min_count}) c on c.consumer = p.id
    where p.merchant_id = ${ctx.merchant_id} and p.merged_into is null`;
  return rule.did ? did : sql`(${universe(ctx)} except (${did}))`;
}

/** The stage now of the live profile `p`, from its facts (null: no stage). */
function stageNow(ctx: SqlContext): RawBuilder<unknown> {
  const purchase = daysBefore(ctx, defaultWindows.purchase_days);
  return sql`case
    when exists (select 1 from cdp_consent rc where rc.merchant_id = p.merchant_id and rc.profile_id = p.id and rc.purpose = 'analytics' and not rc.granted) then null
    when p.previous_purchase_at > ${purchase} or p.last_loyal_signal_at > ${purchase} then 'loyal'
    when p.last_purchase_at > ${purchase} then 'purchased'
    when p.last_interest_at > ${daysBefore(ctx, defaultWindows.interest_days)} then 'interested'
    when p.last_aware_at > ${daysBefore(ctx, defaultWindows.aware_days)} then 'aware'
  end`;
}

function stageLeaf(rule: StageRule, ctx: SqlContext): RawBuilder<unknown> {
  return profilesWhere(ctx, sql`(${stageNow(ctx)}) = any(${rule.stages}::text[])`);
}

function stageChangeLeaf(rule: StageChangeRule, ctx: SqlContext): RawBuilder<unknown> {
  const from = sql`coalesce((select d.stage from cdp_stage_daily d where d.merchant_id = p.merchant_id and d.profile_id = p.id
    and d.day = (${ctx.now}::timestamptz at time zone 'UTC')::date - ${rule.within_days}::integer), 'none')`;
  return profilesWhere(ctx, sql`(${stageNow(ctx)}) = ${rule.to} and ${from} = ${rule.from}`);
}

function purchaseLeaf(rule: PurchaseRule, ctx: SqlContext): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  const bound = (expr: RawBuilder<unknown>, r: { min?: number | undefined; max?: number | undefined }) => {
    if (r.min !== undefined) parts.push(sql`${expr} >= ${r.min}`);
    if (r.max !== undefined) parts.push(sql`${expr} <= ${r.max}`);
  };
  if (rule.recency_days !== undefined) {
    parts.push(sql`p.last_purchase_at is not null`);
    bound(sql`floor(extract(epoch from (${ctx.now}::timestamptz - p.last_purchase_at)) / 86400)`, rule.recency_days);
  }
  if (rule.frequency !== undefined) bound(sql`p.orders_count`, rule.frequency);
  if (rule.monetary_minor !== undefined) bound(sql`p.amount_spent_minor`, rule.monetary_minor);
  return profilesWhere(ctx, sql.join(parts, sql` and `));
}

/** The haversine distance in metres between two points given as SQL expressions, as `distance_m` of the locations module computes it. */
export function haversine(lat1: RawBuilder<unknown>, lon1: RawBuilder<unknown>, lat2: RawBuilder<unknown>, lon2: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`(2 * ${earth_radius_m}::float8 * asin(least(1::float8, sqrt(
    power(sin(radians((${lat2}) - (${lat1})) / 2), 2)
    + cos(radians(${lat1})) * cos(radians(${lat2})) * power(sin(radians((${lon2}) - (${lon1})) / 2), 2)))))`;
}

function nearLeaf(rule: NearRule, ctx: SqlContext): RawBuilder<unknown> {
  const at = ctx.locations.get(rule.location_id);
  if (at === undefined) throw new Error(`location ${rule.location_id} was not validated`);
  const lat = sql`${at.latitude}::float8`;
  const lon = sql`${at.longitude}::float8`;
  const radius_m = rule.radius_km * 1000;
  const number = (json: RawBuilder<unknown>) => sql`case when jsonb_typeof(${json}) = 'number' then (${json})::float8 end`;
  const homeLat = number(sql`(p.traits -> 'home_latitude')`);
  const homeLon = number(sql`(p.traits -> 'home_longitude')`);
  const lives = profilesWhere(ctx, sql`coalesce(${haversine(lat, lon, homeLat, homeLon)} <= ${radius_m}, false)`);
  const ctxLat = number(sql`(e.context #> '{location,latitude}')`);
  const ctxLon = number(sql`(e.context #> '{location,longitude}')`);
  const named = sql`coalesce(e.properties ->> 'location_id', e.context ->> 'location_id')`;
  const sighting = sql`e.occurred_at > ${daysBefore(ctx, rule.within_days)} and (
      exists (select 1 from location l where l.merchant_id = e.merchant_id and l.id = ${named}
              and ${haversine(lat, lon, sql`l.latitude`, sql`l.longitude`)} <= ${radius_m})
      or coalesce(${haversine(lat, lon, ctxLat, ctxLon)} <= ${radius_m}, false))`;
  const seen = sql`select p.num from cdp_profile p
    join (select distinct consumer from (${consumerEvents(ctx, sighting)}) ev) c on c.consumer = p.id
    where p.merchant_id = ${ctx.merchant_id} and p.merged_into is null`;
  if (rule.how === 'lives') return lives;
  if (rule.how === 'seen') return seen;
  return sql`(${lives}) union (${seen})`;
}

function consentLeaf(rule: ConsentRule, ctx: SqlContext): RawBuilder<unknown> {
  const purpose = sql`exists (select 1 from cdp_consent c where c.merchant_id = p.merchant_id and c.profile_id = p.id and c.purpose = ${rule.purpose} and c.granted)`;
  if (rule.channel === undefined) return profilesWhere(ctx, purpose);
  return profilesWhere(
    ctx,
    sql`${purpose} and not exists (select 1 from cdp_channel_consent cc where cc.merchant_id = p.merchant_id and cc.profile_id = p.id and cc.channel = ${rule.channel} and not cc.granted)`,
  );
}
