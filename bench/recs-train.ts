import os from 'node:os';
import { connectDatabase } from '../src/kernel/db.js';
import { migrateToLatest } from '../src/kernel/migrations.js';
import { createMerchant } from '../src/modules/merchants/index.js';
import { allMigrations } from '../src/platform/modules.js';
import { plantSyntheticEvents, readCeiling, taobaoSamplePath, trainBrand, trainTaobaoSample, type TrainFigures } from './recs-train-lib.js';
import { benchDatabase } from './support.js';

/**
 * `npm run bench:recs-train`: a brand's recommendation training end to end (read, model choice on a
 * time split, retraining, lists written and made current) in a fresh database:
 * 1. the Taobao UserBehavior sample (../shared/data) imported with the data bank's importer;
 * 2. BENCH_RECS_SYNTHETIC made-up events (default 1,000,000; 0 to skip) inserted straight into
 *    `cdp_event` (20,000 consumers, 5,000 items).
 * Prints each run's figures, the database's ceiling for its read (the read statement counted on
 * the server; fetched whole by a plain client), and one JSON line last.
 */
const synthetic = Number(process.env.BENCH_RECS_SYNTHETIC ?? 1_000_000);
const log = (line: string) => console.log(line);
const database = await benchDatabase('recs_train');
const db = connectDatabase({ url: database.url, pool_max: 4 });
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
const summary = (name: string, f: TrainFigures) =>
  `${name}: ${f.status}${f.error === null ? '' : ` (${f.error})`}, ${f.events} events, ${f.users} consumers, ${f.items} items → ${f.chosen_model} in ${f.train_s} s (CPU ${f.cpu_s} s), memory ${mb(f.memory_bytes)}; stages (wall s / CPU s) ${Object.entries(f.stages).map(([k, v]) => `${k} ${v}/${f.stage_cpu_s[k] ?? '-'}`).join(', ')}`;
try {
  log(`OpenBOS recommendation training benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await migrateToLatest(db.db, allMigrations);
  const taobaoBrand = await createMerchant(db.db, { handle: 'bench-recs-taobao', name: 'Bench Taobao', kind: 'brand', default_currency: 'CNY', country: 'CN' });
  const taobao = await trainTaobaoSample(db.db, taobaoBrand.id, { file: taobaoSamplePath() });
  const taobaoCeiling = await readCeiling(database.url, taobaoBrand.id);
  log(summary('taobao sample', taobao) + ` (import ${taobao.import_s} s)`);
  for (const m of taobao.metrics) log(`  ${m.model.padEnd(11)} nDCG@10 ${m.ndcg_at_10.toFixed(4)}  HR@10 ${m.hr_at_10.toFixed(4)}  coverage ${(m.coverage * 100).toFixed(1)}%  train ${m.train_s.toFixed(2)} s`);
  log(`  read ceiling: count ${taobaoCeiling.count_s} s, plain fetch ${taobaoCeiling.fetch_s} s of ${taobaoCeiling.rows} rows; the run read in ${taobao.stages.read} s`);

  let big: (TrainFigures & { ceiling: Awaited<ReturnType<typeof readCeiling>>; insert_s: number }) | undefined;
  if (synthetic > 0) {
    const brand = await createMerchant(db.db, { handle: 'bench-recs-synthetic', name: 'Bench synthetic', kind: 'brand', default_currency: 'CNY', country: 'CN' });
    const t = performance.now();
    await plantSyntheticEvents(db.db, brand.id, synthetic, { onProgress: (n) => process.stderr.write(`\rinserted ${n} events`) });
    process.stderr.write('\n');
    const insert_s = Math.round((performance.now() - t) / 10) / 100;
    let last = -1;
    const f = await trainBrand(db.db, brand.id, (fraction, stage) => {
      const pct = Math.floor(fraction * 20);
      if (pct !== last) process.stderr.write(`\rtraining ${Math.round(fraction * 100)}% ${stage.padEnd(30)}`);
      last = pct;
    });
    process.stderr.write('\n');
    const ceiling = await readCeiling(database.url, brand.id);
    big = { ...f, ceiling, insert_s };
    log(summary(`synthetic ${synthetic}`, f) + ` (inserted in ${insert_s} s)`);
    for (const m of f.metrics) log(`  ${m.model.padEnd(11)} nDCG@10 ${m.ndcg_at_10.toFixed(4)}  HR@10 ${m.hr_at_10.toFixed(4)}  coverage ${(m.coverage * 100).toFixed(1)}%  train ${m.train_s.toFixed(2)} s`);
    log(`  read ceiling: count ${ceiling.count_s} s, plain fetch ${ceiling.fetch_s} s of ${ceiling.rows} rows; the run read in ${f.stages.read} s (${((f.stages.read ?? 0) / Math.max(0.01, ceiling.fetch_s)).toFixed(2)}× the plain fetch)`);
  }
  const main = big ?? { ...taobao, ceiling: taobaoCeiling };
  console.log(
    JSON.stringify({
      bench: 'recs-train',
      cores: os.cpus().length,
      train_s: main.train_s,
      cpu_s: main.cpu_s,
      load: os.loadavg()[0],
      events: main.events,
      users: main.users,
      items: main.items,
      memory_bytes: main.memory_bytes,
      chosen_model: main.chosen_model,
      stages: main.stages,
      stage_cpu_s: main.stage_cpu_s,
      read_s: main.stages.read ?? null,
      ceiling_count_s: main.ceiling.count_s,
      ceiling_fetch_s: main.ceiling.fetch_s,
      read_vs_fetch: Math.round(((main.stages.read ?? 0) / Math.max(0.01, main.ceiling.fetch_s)) * 100) / 100,
      taobao: { train_s: taobao.train_s, cpu_s: taobao.cpu_s, events: taobao.events, users: taobao.users, items: taobao.items, memory_bytes: taobao.memory_bytes, chosen_model: taobao.chosen_model, stages: taobao.stages, import_s: taobao.import_s },
    }),
  );
  process.exitCode = main.status === 'succeeded' && taobao.status === 'succeeded' ? 0 : 1;
} finally {
  await db.close();
  await database.close();
}
