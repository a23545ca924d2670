import type pg from 'pg';
import { BrandIndex, DaySet, RoaringBitmap32, day_ms, factNames, horizon_days, indexed_properties, int4s, type Bitmap } from './structures.js';

/**
 * Loading a brand's index from PostgreSQL, and catching it up with what was received since. Every
 * step is idempotent: adding a member twice, or a later time twice, changes nothing, so a catch-up
 * may read again what it read before (it reads from the last watermark minus a margin).
 */
const profile_chunk = 100_000;
/** Catch-up re-reads events received this long before the last one started, for batches that committed late. */
export const catch_up_margin_ms = 60_000;

const factSql = factNames.map((f) => (f.endsWith('_at') ? `ceil(extract(epoch from p.${f}) * 1000)::float8 as ${f}` : `p.${f}::float8 as ${f}`)).join(', ');

interface ProfileRow {
  id: string;
  num: number;
  into_num: number | null;
  merged_into: string | null;
  traits: [string, string | null, string][];
  [fact: string]: unknown;
}

function applyProfile(index: BrandIndex, row: ProfileRow): void {
  const num = row.num;
  index.nums.set(row.id, num);
  if (row.merged_into === null) {
    index.live.add(num);
    index.merged.delete(num);
    index.mergedInto.delete(num);
  } else {
    index.live.delete(num);
    index.merged.add(num);
    if (row.into_num !== null) index.mergedInto.set(num, row.into_num);
  }
  for (const f of factNames) index.facts[f].set(num, row[f] === null ? Number.NaN : Number(row[f]));
  const seen = new Set<string>();
  for (const [key, text, type] of row.traits) {
    seen.add(key);
    index.trait(key).set(num, text, type);
  }
  // A trait the profile no longer has.
  for (const [key, t] of index.traits) if (!seen.has(key) && t.present.has(num)) t.clear(num);
}

async function loadProfiles(client: pg.PoolClient, index: BrandIndex, filter: { ids: string[] } | { from: number; to: number }): Promise<number[]> {
  const where = 'ids' in filter ? 'p.id = any($2) or p.merged_into = any($2)' : 'p.num > $2 and p.num <= $3';
  const args = 'ids' in filter ? [filter.ids] : [filter.from, filter.to];
  const rows = await client.query<ProfileRow>(
    `select p.id, p.num, m.num as into_num, p.merged_into, ${factSql},
       (select coalesce(jsonb_agg(jsonb_build_array(k, v #>> '{}', jsonb_typeof(v))), '[]') from jsonb_each(p.traits) t(k, v)) as traits
     from cdp_profile p left join cdp_profile m on m.merchant_id = p.merchant_id and m.id = p.merged_into
     where p.merchant_id = $1 and (${where})`,
    [index.merchant_id, ...args],
  );
  for (const row of rows.rows) applyProfile(index, row);
  return rows.rows.map((r) => r.num);
}

async function loadConsent(client: pg.PoolClient, index: BrandIndex, nums?: number[]): Promise<void> {
  const filter = nums === undefined ? '' : 'and p.num = any($2)';
  const args = nums === undefined ? [index.merchant_id] : [index.merchant_id, nums];
  if (nums !== undefined) for (const m of [index.granted, index.refused, index.channelRefused]) for (const bm of m.values()) bm.removeMany(nums);
  const add = (map: Map<string, Bitmap>, key: string, num: number) => {
    let bm = map.get(key);
    if (bm === undefined) map.set(key, (bm = new RoaringBitmap32()));
    bm.add(num);
  };
  const consent = await client.query<{ num: number; purpose: string; granted: boolean }>(
    `select p.num, c.purpose, c.granted from cdp_consent c join cdp_profile p on p.merchant_id = c.merchant_id and p.id = c.profile_id where c.merchant_id = $1 ${filter}`,
    args,
  );
  for (const r of consent.rows) add(r.granted ? index.granted : index.refused, r.purpose, r.num);
  const channels = await client.query<{ num: number; channel: string }>(
    `select p.num, c.channel from cdp_channel_consent c join cdp_profile p on p.merchant_id = c.merchant_id and p.id = c.profile_id where c.merchant_id = $1 and not c.granted ${filter}`,
    args,
  );
  for (const r of channels.rows) add(index.channelRefused, r.channel, r.num);
}

const keysSql = [
  'lower(e.event)',
  ...indexed_properties.map((p) => `lower(e.event) || chr(31) || '${p}' || chr(31) || (e.properties->>'${p}')`),
  `chr(30) || 'loc' || chr(31) || coalesce(e.properties->>'location_id', e.context->>'location_id')`,
].join(', ');

/** Per series and day: the members and their latest time that day, as int4 runs. */
const eventsSql = (since: string) => `
  with k as (
    select p.num, k.key, ceil(extract(epoch from e.occurred_at) * 1000)::bigint as c
    from cdp_event e join cdp_profile p on p.merchant_id = e.merchant_id and p.id = e.profile_id
      cross join lateral unnest(array[${keysSql}]) k(key)
    where e.merchant_id = $1 and e.occurred_at > $2 ${since} and k.key is not null
  ), d as (
    select key, c / ${day_ms} as day, num, max(c % ${day_ms})::int as off from k group by 1, 2, 3
  )
  select key, day::int as day, string_agg(int4send(num), ''::bytea order by num) as nums, string_agg(int4send(off), ''::bytea order by num) as offs
  from d group by 1, 2`;

interface SeriesRow {
  key: string;
  day: number;
  nums: Buffer;
  offs: Buffer;
}

function applySeriesRow(index: BrandIndex, row: SeriesRow, fresh: boolean): void {
  const nums = int4s(row.nums);
  const offs = int4s(row.offs);
  let s = index.series.get(row.key);
  if (s === undefined) index.series.set(row.key, (s = new Map<number, DaySet>()));
  const existing = s.get(row.day);
  if (fresh && existing === undefined) {
    s.set(row.day, new DaySet(nums, offs));
    return;
  }
  const d = existing ?? index.daySet(row.key, row.day);
  for (let i = 0; i < nums.length; i++) d.add(nums[i]!, offs[i]!);
}

async function loadGeo(client: pg.PoolClient, index: BrandIndex, since: string, args: unknown[]): Promise<void> {
  const rows = await client.query<{ message_id: string; num: number; lat: number; lon: number; c: number }>(
    `select e.message_id, p.num, (e.context #>> '{location,latitude}')::float8 as lat, (e.context #>> '{location,longitude}')::float8 as lon,
       ceil(extract(epoch from e.occurred_at) * 1000)::float8 as c
     from cdp_event e join cdp_profile p on p.merchant_id = e.merchant_id and p.id = e.profile_id
     where e.merchant_id = $1 and e.occurred_at > $2 ${since}
       and jsonb_typeof(e.context #> '{location,latitude}') = 'number' and jsonb_typeof(e.context #> '{location,longitude}') = 'number'`,
    args,
  );
  const g = index.geo;
  for (const r of rows.rows) {
    if (g.seen.has(r.message_id)) continue;
    g.seen.add(r.message_id);
    g.num.push(r.num);
    g.lat.push(r.lat);
    g.lon.push(r.lon);
    g.at.push(r.c);
  }
}

async function loadLocations(client: pg.PoolClient, index: BrandIndex): Promise<void> {
  const rows = await client.query<{ id: string; latitude: number; longitude: number }>('select id, latitude, longitude from location where merchant_id = $1', [index.merchant_id]);
  index.locations.clear();
  for (const r of rows.rows) index.locations.set(r.id, { latitude: r.latitude, longitude: r.longitude });
}

async function loadStages(client: pg.PoolClient, index: BrandIndex): Promise<void> {
  const rows = await client.query<{ d: number; stage: string; nums: Buffer }>(
    `select (s.day - date '1970-01-01') as d, s.stage, string_agg(int4send(p.num), ''::bytea) as nums
     from cdp_stage_daily s join cdp_profile p on p.merchant_id = s.merchant_id and p.id = s.profile_id
     where s.merchant_id = $1 and s.day >= (date '1970-01-01' + $2::int) group by 1, 2`,
    [index.merchant_id, index.stage_day_min],
  );
  for (const r of rows.rows) {
    let m = index.stageDaily.get(r.d);
    if (m === undefined) index.stageDaily.set(r.d, (m = new Map<string, Bitmap>()));
    m.set(r.stage, new RoaringBitmap32(int4s(r.nums)));
  }
}

/** A brand's index, read whole from PostgreSQL (events of the last `horizon_days` days). */
export async function loadBrand(pool: pg.Pool, merchant_id: string): Promise<BrandIndex> {
  const started = Date.now();
  const client = await pool.connect();
  try {
    const max = await client.query<{ n: number | null }>('select max(num) as n from cdp_profile where merchant_id = $1', [merchant_id]);
    const top = max.rows[0]?.n ?? 0;
    const index = new BrandIndex(merchant_id, top + 1024);
    index.watermark_ms = started;
    index.horizon_ms = started - horizon_days * day_ms;
    index.stage_day_min = Math.floor(started / day_ms) - horizon_days;
    // One snapshot for the whole load, without the pool's statement timeout (a big brand takes minutes).
    await client.query('begin isolation level repeatable read read only');
    await client.query('set local statement_timeout = 0');
    let mark = Date.now();
    const phase = (name: string) => {
      index.load_phases[name] = Date.now() - mark;
      mark = Date.now();
    };
    for (let from = 0; from < top; from += profile_chunk) await loadProfiles(client, index, { from, to: from + profile_chunk });
    phase('profiles');
    await loadConsent(client, index);
    await loadLocations(client, index);
    await loadStages(client, index);
    phase('consent_stages');
    const horizon = new Date(index.horizon_ms).toISOString();
    await loadGeo(client, index, '', [merchant_id, horizon]);
    phase('geo');
    try {
      await client.query(`declare series no scroll cursor for ${eventsSql('')}`, [merchant_id, horizon]);
      for (;;) {
        const batch = await client.query<SeriesRow>('fetch 500 from series');
        for (const row of batch.rows) applySeriesRow(index, row, true);
        if (batch.rows.length < 500) break;
      }
    } finally {
      await client.query('commit');
    }
    phase('events');
    index.loaded_at = new Date();
    index.load_ms = Date.now() - started;
    return index;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Brings a brand's index up to date: the events received since the watermark (minus the margin)
 * into the series, and the rows of the profiles they touched (traits, facts, merges, consent).
 */
export async function catchUp(pool: pg.Pool, index: BrandIndex): Promise<void> {
  const started = Date.now();
  const since = new Date(index.watermark_ms - catch_up_margin_ms).toISOString();
  const horizon = new Date(index.horizon_ms).toISOString();
  const client = await pool.connect();
  try {
    const touched = await client.query<{ profile_id: string }>('select distinct profile_id from cdp_event where merchant_id = $1 and received_at > $2', [index.merchant_id, since]);
    const merges = await client.query<{ from_profile_id: string; into_profile_id: string }>(
      'select from_profile_id, into_profile_id from cdp_merge where merchant_id = $1 and (merged_at > $2 or undone_at > $2)',
      [index.merchant_id, since],
    );
    const ids = [...new Set([...touched.rows.map((r) => r.profile_id), ...merges.rows.flatMap((r) => [r.from_profile_id, r.into_profile_id])])];
    if (ids.length > 0) {
      const nums = await loadProfiles(client, index, { ids });
      await loadConsent(client, index, nums);
      const rows = await client.query<SeriesRow>(eventsSql('and e.received_at > $3'), [index.merchant_id, horizon, since]);
      for (const row of rows.rows) applySeriesRow(index, row, false);
      await loadGeo(client, index, 'and e.received_at > $3', [index.merchant_id, horizon, since]);
    }
    index.watermark_ms = started;
    index.version++;
  } finally {
    client.release();
  }
}

/** Consent can change without an event (the consent API): re-read it whole. */
export async function refreshConsent(pool: pg.Pool, index: BrandIndex): Promise<void> {
  const client = await pool.connect();
  try {
    const fresh = new BrandIndex(index.merchant_id, 1);
    await loadConsent(client, fresh);
    for (const name of ['granted', 'refused', 'channelRefused'] as const) {
      index[name].clear();
      for (const [k, v] of fresh[name]) index[name].set(k, v);
    }
    await loadLocations(client, index);
  } finally {
    client.release();
  }
}
