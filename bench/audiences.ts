import os from 'node:os';
import { connectDatabase, inTransaction } from '../src/kernel/db.js';
import { migrateToLatest } from '../src/kernel/migrations.js';
import { bitmapPath } from '../src/modules/audiences/bitmap/index.js';
import { Evaluator } from '../src/modules/audiences/bitmap/evaluate.js';
import type { Rule } from '../src/modules/audiences/index.js';
import { ingestEvents } from '../src/modules/databank/index.js';
import { createLocation } from '../src/modules/locations/index.js';
import { createMerchant } from '../src/modules/merchants/index.js';
import { allMigrations } from '../src/platform/modules.js';
import { benchDatabase, percentile, round } from './support.js';

/**
 * `npm run bench:audiences [-- --consumers N]`: one brand with N consumers (default 1,000,000) with
 * realistic traits (city, gender, age, member level, home coordinates around three cities) and
 * about five events each over 180 days (views, carts, orders with a category, store visits,
 * campaign messages), generated inside PostgreSQL. Ten rule shapes, from one trait to a six-clause
 * rule with behaviour and location, each evaluated by the bitmap path (p50 / p99 over repeated
 * runs) and as plain hand-written SQL counting the members (p50): the database's own ceiling for
 * the same question, measured in the same run; the two must agree on the count. Then the time from
 * ingesting an event (`ingestEvents`) to the index reflecting it. Last line: one JSON object.
 */
const argN = process.argv.indexOf('--consumers');
const consumers = Number(argN > 0 ? process.argv[argN + 1] : (process.env.BENCH_CONSUMERS ?? 1_000_000));
const events_per_consumer = 5;
const bitmap_runs = Number(process.env.BENCH_BITMAP_RUNS ?? 40);
const sql_runs = Number(process.env.BENCH_SQL_RUNS ?? 3);
const update_runs = Number(process.env.BENCH_UPDATE_RUNS ?? 40);
const log = (line = '') => process.stderr.write(`${line}\n`);

const cities: [string, number, number][] = [
  ['Shanghai', 31.23, 121.47],
  ['Hangzhou', 30.27, 120.15],
  ['Beijing', 39.9, 116.4],
];

async function generate(url: string, merchant_id: string, stores: string[][]): Promise<void> {
  const database = connectDatabase({ url, pool_max: 2 });
  const c = await database.pool.connect();
  try {
    await c.query('set synchronous_commit = off');
    await c.query('set statement_timeout = 0');
    const q = async (label: string, text: string, args: unknown[] = []) => {
      const t = performance.now();
      const r = await c.query(text, args);
      log(`  ${label}: ${r.rowCount ?? 0} rows in ${round((performance.now() - t) / 1000, 1)} s`);
    };
    const storeArray = `array[${stores.map((s) => `array[${s.map((id) => `'${id}'`).join(',')}]`).join(',')}]`;
    // Profiles: city by g % 3 (Shanghai half), coordinates within ~15 km of the centre; facts drawn to match.
    await q(
      'profiles',
      `insert into cdp_profile (merchant_id, id, num, traits, first_seen_at, last_seen_at, orders_count, amount_spent_minor, last_purchase_at, previous_purchase_at, last_interest_at, last_aware_at)
       select $1, 'prf_' || g, g,
         jsonb_build_object('city', (array['Shanghai','Shanghai','Hangzhou','Beijing'])[1 + g % 4], 'gender', (array['f','m'])[1 + (g / 7) % 2],
           'age', 18 + (g * 31) % 50, 'member_level', (array['none','none','silver','gold','platinum'])[1 + (g / 3) % 5],
           'home_latitude', (array[31.23, 31.23, 30.27, 39.9])[1 + g % 4] + ((hashint4(g) % 1000) / 1000.0) * 0.15,
           'home_longitude', (array[121.47, 121.47, 120.15, 116.4])[1 + g % 4] + ((hashint4(g * 3) % 1000) / 1000.0) * 0.15),
         now() - interval '200 days', now(),
         case when g % 3 = 0 then 1 + g % 4 else 0 end, case when g % 3 = 0 then 1000 * (1 + g % 97) else 0 end,
         case when g % 3 = 0 then now() - make_interval(secs => (hashint4(g * 5) & 2147483647) % (180 * 86400)) end,
         case when g % 6 = 0 then now() - interval '200 days' end,
         now() - make_interval(secs => (hashint4(g * 7) & 2147483647) % (60 * 86400)),
         now() - make_interval(secs => (hashint4(g * 11) & 2147483647) % (60 * 86400))
       from generate_series(1, $2::int) g`,
      [merchant_id, consumers],
    );
    await q('graph version', `insert into cdp_graph_version (merchant_id, version, next_num) values ($1, 1, $2) on conflict (merchant_id) do update set next_num = excluded.next_num`, [merchant_id, consumers]);
    await q('identities (first 2,000)', `insert into cdp_identity (merchant_id, type, value, profile_id) select $1, 'user_id', 'u' || g, 'prf_' || g from generate_series(1, least(2000, $2::int)) g`, [merchant_id, consumers]);
    await q(
      'consent',
      `insert into cdp_consent (merchant_id, profile_id, purpose, granted, source)
       select $1, 'prf_' || g, p, case when p = 'marketing' then g % 10 < 7 else g % 20 <> 0 end, 'bench'
       from generate_series(1, $2::int) g, unnest(array['marketing', 'analytics']) p where g % 10 <> 9`,
      [merchant_id, consumers],
    );
    await q('channel refusals', `insert into cdp_channel_consent (merchant_id, profile_id, channel, granted, source) select $1, 'prf_' || g, 'sms', false, 'bench' from generate_series(1, $2::int) g where g % 10 = 3`, [merchant_id, consumers]);
    // Events: i % 20 → 11 views, 4 carts, 2 orders, 2 store visits (a store of the consumer's city), 1 campaign message (last 14 days).
    await q(
      'events',
      `insert into cdp_event (merchant_id, id, message_id, type, event, profile_id, properties, context, occurred_at, received_at)
       select $1, 'e' || i, 'm' || i, 'track', (array['Product Viewed', 'Product Added', 'Order Paid', 'Store Visited', 'Message Delivered'])[k],
         'prf_' || num,
         case k when 4 then jsonb_build_object('location_id', (${storeArray})[(array[1, 1, 2, 3])[1 + num % 4]][1 + i % 5])
                when 5 then jsonb_build_object('campaign_id', 'cmp_' || (i % 3), 'channel', 'email')
                else jsonb_build_object('category', (array['tea', 'cups', 'snacks', 'teaware'])[1 + (i / 20) % 4]) end,
         '{}'::jsonb, at, now() - interval '1 hour'
       from (select i, 1 + (hashint4(i) & 2147483647) % $2::int as num,
               case when i % 20 < 11 then 1 when i % 20 < 15 then 2 when i % 20 < 17 then 3 when i % 20 < 19 then 4 else 5 end as k,
               now() - make_interval(secs => (hashint4(i * 13) & 2147483647) % (case when i % 20 = 19 then 14 else 180 end * 86400)) as at
             from generate_series(1, $3::int) i) x`,
      [merchant_id, consumers, consumers * events_per_consumer],
    );
    await q('analyze', 'analyze');
  } finally {
    c.release();
    await database.close();
  }
}

interface Shape {
  name: string;
  rule: Rule;
  /** Plain SQL counting the members ($1 the brand). */
  sql: string;
}

function shapes(shanghaiStore: { id: string; latitude: number; longitude: number }): Shape[] {
  const live = `from cdp_profile p where p.merchant_id = $1 and p.merged_into is null`;
  const did = (event: string, days: number, extra = '') =>
    `p.id in (select e.profile_id from cdp_event e where e.merchant_id = $1 and lower(e.event) = '${event}' and e.occurred_at > now() - interval '${days} days' ${extra})`;
  const dist = (lat: string, lon: string) =>
    `2 * 6371008.8 * asin(least(1, sqrt(power(sin(radians(${lat} - ${shanghaiStore.latitude}) / 2), 2) + cos(radians(${shanghaiStore.latitude})) * cos(radians(${lat})) * power(sin(radians(${lon} - ${shanghaiStore.longitude}) / 2), 2))))`;
  const lives = `(jsonb_typeof(p.traits->'home_latitude') = 'number' and ${dist("(p.traits->>'home_latitude')::float8", "(p.traits->>'home_longitude')::float8")} <= 3000)`;
  const seen = `p.id in (select e.profile_id from cdp_event e join location l on l.merchant_id = e.merchant_id and l.id = coalesce(e.properties->>'location_id', e.context->>'location_id')
    where e.merchant_id = $1 and e.occurred_at > now() - interval '90 days' and ${dist('l.latitude', 'l.longitude')} <= 3000)`;
  const consent = `exists (select 1 from cdp_consent c where c.merchant_id = $1 and c.profile_id = p.id and c.purpose = 'marketing' and c.granted)
    and not exists (select 1 from cdp_channel_consent c where c.merchant_id = $1 and c.profile_id = p.id and c.channel = 'sms' and not c.granted)`;
  const stage = `case when exists (select 1 from cdp_consent c where c.merchant_id = $1 and c.profile_id = p.id and c.purpose = 'analytics' and not c.granted) then null
    when p.previous_purchase_at > now() - interval '365 days' or p.last_loyal_signal_at > now() - interval '365 days' then 'loyal'
    when p.last_purchase_at > now() - interval '365 days' then 'purchased' when p.last_interest_at > now() - interval '30 days' then 'interested'
    when p.last_aware_at > now() - interval '30 days' then 'aware' end`;
  const tea: Rule = { kind: 'event', event: 'Order Paid', did: true, min_count: 1, within_days: 90, where: [{ property: 'category', op: 'eq', value: 'tea' }] };
  const contacted: Rule = { kind: 'event', event: 'Message Delivered', did: true, min_count: 1, within_days: 7, where: [] };
  return [
    { name: 'trait', rule: { kind: 'trait', trait: 'city', op: 'eq', value: 'Shanghai' }, sql: `select count(*) ${live} and p.traits->>'city' = 'Shanghai'` },
    {
      name: 'two traits',
      rule: { kind: 'and', rules: [{ kind: 'trait', trait: 'member_level', op: 'in', value: ['gold', 'platinum'] }, { kind: 'trait', trait: 'age', op: 'gte', value: 30 }] },
      sql: `select count(*) ${live} and p.traits->>'member_level' in ('gold', 'platinum') and jsonb_typeof(p.traits->'age') = 'number' and (p.traits->>'age')::numeric >= 30`,
    },
    { name: 'viewed in 30 days', rule: { kind: 'event', event: 'Product Viewed', did: true, min_count: 1, within_days: 30, where: [] }, sql: `select count(*) ${live} and ${did('product viewed', 30)}` },
    { name: 'bought tea in 90 days', rule: tea, sql: `select count(*) ${live} and ${did('order paid', 90, "and e.properties->>'category' = 'tea'")}` },
    {
      name: 'rfm',
      rule: { kind: 'purchase', recency_days: { max: 60 }, frequency: { min: 2 } },
      sql: `select count(*) ${live} and floor(extract(epoch from now() - p.last_purchase_at) / 86400) <= 60 and p.orders_count >= 2`,
    },
    { name: 'consent marketing by sms', rule: { kind: 'consent', purpose: 'marketing', channel: 'sms' }, sql: `select count(*) ${live} and ${consent}` },
    { name: 'lives within 3 km', rule: { kind: 'near', location_id: shanghaiStore.id, radius_km: 3, how: 'lives', within_days: 90 }, sql: `select count(*) ${live} and ${lives}` },
    { name: 'stage', rule: { kind: 'stage', stages: ['interested', 'purchased'] }, sql: `select count(*) ${live} and (${stage}) in ('interested', 'purchased')` },
    {
      name: 'carted, not bought, female, two cities',
      rule: {
        kind: 'and',
        rules: [
          { kind: 'or', rules: [{ kind: 'trait', trait: 'city', op: 'eq', value: 'Shanghai' }, { kind: 'trait', trait: 'city', op: 'eq', value: 'Hangzhou' }] },
          { kind: 'trait', trait: 'gender', op: 'eq', value: 'f' },
          { kind: 'event', event: 'Product Added', did: true, min_count: 1, within_days: 14, where: [] },
          { kind: 'event', event: 'Order Paid', did: false, min_count: 1, within_days: 14, where: [] },
        ],
      },
      sql: `select count(*) ${live} and p.traits->>'city' in ('Shanghai', 'Hangzhou') and p.traits->>'gender' = 'f' and ${did('product added', 14)} and not ${did('order paid', 14)}`,
    },
    {
      name: 'six clauses: tea, near a Shanghai store, consent, not contacted, age, level',
      rule: {
        kind: 'and',
        rules: [
          tea,
          { kind: 'near', location_id: shanghaiStore.id, radius_km: 3, how: 'either', within_days: 90 },
          { kind: 'consent', purpose: 'marketing', channel: 'sms' },
          { kind: 'not', rule: contacted },
          { kind: 'trait', trait: 'age', op: 'gte', value: 25 },
          { kind: 'trait', trait: 'member_level', op: 'in', value: ['silver', 'gold', 'platinum'] },
        ],
      },
      sql: `select count(*) ${live} and ${did('order paid', 90, "and e.properties->>'category' = 'tea'")} and (${lives} or ${seen}) and ${consent}
        and not ${did('message delivered', 7)} and jsonb_typeof(p.traits->'age') = 'number' and (p.traits->>'age')::numeric >= 25 and p.traits->>'member_level' in ('silver', 'gold', 'platinum')`,
    },
  ];
}

async function main(): Promise<void> {
  const bench = await benchDatabase('audiences');
  const database = connectDatabase({ url: bench.url, pool_max: 6 });
  const bitmaps = bitmapPath(database, { rebuild_ms: 0, consent_refresh_ms: 0 });
  try {
    log(`OpenBOS audiences benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores; ${consumers} consumers, ${consumers * events_per_consumer} events over 180 days`);
    await migrateToLatest(database.db, allMigrations);
    const brand = (await createMerchant(database.db, { handle: 'bench-audiences', name: 'Bench audiences', kind: 'brand', default_currency: 'CNY', country: 'CN' })).id;
    const stores: string[][] = [];
    const located: { id: string; latitude: number; longitude: number }[] = [];
    for (const [ci, [city, lat, lon]] of cities.entries()) {
      const ids = [];
      for (let s = 0; s < 5; s++) {
        const l = await createLocation(database.db, brand, { kind: 'store', code: `S${ci}${s}`, name: `${city} ${s}`, address: { line1: `${s} Road`, city, country: 'CN' }, latitude: lat + s * 0.02, longitude: lon + s * 0.02, timezone: 'Asia/Shanghai' });
        ids.push(l.id);
        located.push({ id: l.id, latitude: l.latitude, longitude: l.longitude });
      }
      stores.push(ids);
    }
    const genStart = performance.now();
    log('generating:');
    await generate(bench.url, brand, stores);
    const generate_s = (performance.now() - genStart) / 1000;

    const rssBefore = process.memoryUsage().rss;
    const loadStart = performance.now();
    const index = await bitmaps.ready(brand);
    const load_s = (performance.now() - loadStart) / 1000;
    global.gc?.();
    const memory = index.memory();
    const rss_mb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    log(`index loaded in ${round(load_s, 1)} s; ${round(memory.total! / 2 ** 20, 1)} MiB by its own count (${Object.entries(memory).map(([k, v]) => `${k} ${round(v / 2 ** 20, 1)}`).join(', ')}), process RSS +${round(rss_mb)} MiB; load phases (ms) ${JSON.stringify(index.load_phases)}`);

    const results = [];
    const all: number[] = [];
    const sqlClient = await database.pool.connect();
    await sqlClient.query('set statement_timeout = 0');
    for (const shape of shapes(located[0]!)) {
      const times: number[] = [];
      let size = -1;
      for (let r = 0; r < 3; r++) await new Evaluator(index, Date.now(), () => Promise.resolve(undefined)).rule(shape.rule);
      for (let r = 0; r < bitmap_runs; r++) {
        const t = performance.now();
        const members = await new Evaluator(index, Date.now(), () => Promise.resolve(undefined)).rule(shape.rule);
        times.push(performance.now() - t);
        size = members.size;
      }
      const sqlTimes: number[] = [];
      let count = -1;
      for (let r = 0; r < sql_runs; r++) {
        const t = performance.now();
        const rows = await sqlClient.query<{ count: string }>(shape.sql, [brand]);
        sqlTimes.push(performance.now() - t);
        count = Number(rows.rows[0]!.count);
      }
      if (count !== size) throw new Error(`${shape.name}: the bitmaps found ${size}, SQL ${count}`);
      all.push(...times);
      const fig = { shape: shape.name, members: size, ms_p50: round(percentile(times, 50), 2), ms_p99: round(percentile(times, 99), 2), sql_ms_p50: round(percentile(sqlTimes, 50), 1) };
      log(`  ${fig.shape}: ${size} members; bitmaps p50 ${fig.ms_p50} ms, p99 ${fig.ms_p99} ms; SQL p50 ${fig.sql_ms_p50} ms (×${round(fig.sql_ms_p50 / Math.max(fig.ms_p50, 0.01))})`);
      results.push(fig);
    }

    sqlClient.release();
    // From ingesting an event to the index reflecting it.
    const updates: number[] = [];
    for (let r = 0; r < update_runs; r++) {
      const user = `u${1 + ((r * 37) % Math.min(2000, consumers))}`;
      const at = new Date();
      const t = performance.now();
      await inTransaction(database.db, (trx) =>
        ingestEvents(trx, [
          { merchant_id: brand, message_id: `ping-${r}`, type: 'track', event: 'Bench Ping', user_id: user, anonymous_id: null, traits: {}, properties: { campaign_id: `ping-${r}` }, context: {}, occurred_at: at, received_at: at, identifiers: [{ type: 'user_id', value: user }] },
        ]),
      );
      const key = `bench ping\u001fcampaign_id\u001fping-${r}`;
      const reflected = () => (bitmaps.indexOf(brand)?.series.get(key)?.size ?? 0) > 0;
      for (let round = 0; round < 100 && !reflected(); round++) await new Promise((resolve) => bitmaps.once('updated', resolve));
      if (!reflected()) throw new Error('the index did not reflect an ingested event');
      updates.push(performance.now() - t);
    }
    log(`membership update: p50 ${round(percentile(updates, 50), 1)} ms, p99 ${round(percentile(updates, 99), 1)} ms`);

    const sqlSum = results.reduce((n, r) => n + r.sql_ms_p50, 0);
    const oursSum = results.reduce((n, r) => n + r.ms_p50, 0);
    const result = {
      benchmark: 'audiences',
      date: new Date().toISOString(),
      cores: os.cpus().length,
      consumers,
      events: consumers * events_per_consumer,
      generate_s: round(generate_s, 1),
      load_s: round(load_s, 1),
      load_phases_ms: index.load_phases,
      memory_mb: round(memory.total! / 2 ** 20, 1),
      rss_mb: round(rss_mb, 1),
      audience_ms_p50: round(percentile(all, 50), 2),
      audience_ms_p99: round(percentile(all, 99), 2),
      worst_shape_ms_p99: Math.max(...results.map((r) => r.ms_p99)),
      sql_ms_p50: round(percentile(results.map((r) => r.sql_ms_p50), 50), 1),
      ratio: round(sqlSum / Math.max(oursSum, 0.01), 1),
      membership_update_ms_p50: round(percentile(updates, 50), 1),
      membership_update_ms_p99: round(percentile(updates, 99), 1),
      shapes: results,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await bitmaps.stop();
    await database.close();
    await bench.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
