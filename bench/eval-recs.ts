/**
 * npm run eval:recs: the recommender engine's offline evaluation (issue 19, docs/RECS.md "The engine
 * and its evaluation"). Last line: one JSON object.
 *
 *   npm run eval:recs                       Taobao UserBehavior sample (../shared/data, read in place):
 *                                           leave-last-out (each user's last interaction held out),
 *                                           only items the user bought excluded (re-views allowed).
 *   npm run eval:recs -- --movielens FILE   Microsoft Recommenders' protocol on a `user item rating
 *                                           timestamp` file: per-user random 75/25 split (seed 42),
 *                                           seen items removed, top 10.
 *   npm run eval:recs -- --synthetic 1000000  training time and memory of every model on synthetic
 *                                           shop events (50k users, 20k items, power-law popularity).
 * Options: --models popularity,itemknn,ease,als   --param ease.lambda=300 (repeatable)
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildDataset,
  evaluate,
  historyHalfLife_s,
  leaveLastOut,
  modelNames,
  models,
  randomSplit,
  readMovieLens,
  readTaobao,
  selectModel,
  syntheticEvents,
  type EvaluateOptions,
  type Interaction,
  type Metrics,
  type ModelName,
  type Split,
} from '../src/modules/recs/engine/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const chosenModels = (option('--models')?.split(',') ?? modelNames) as ModelName[];
for (const name of chosenModels) if (!modelNames.includes(name)) throw new Error(`unknown model ${name}`);
const params: Partial<Record<ModelName, Record<string, number>>> = {};
args.forEach((a, i) => {
  if (a !== '--param') return;
  const m = /^(\w+)\.(\w+)=(.+)$/.exec(args[i + 1] ?? '');
  if (!m) throw new Error(`--param wants model.name=value, got ${args[i + 1]}`);
  (params[m[1] as ModelName] ??= {})[m[2]!] = Number(m[3]);
});

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const describe = (xs: Interaction[]) => ({ interactions: xs.length, users: new Set(xs.map((x) => x.user)).size, items: new Set(xs.map((x) => x.item)).size });

async function runProtocol(label: string, source: string, interactions: Interaction[], split: Split, options: EvaluateOptions, note: string): Promise<void> {
  console.log(`eval:recs ${label}: ${source}`);
  console.log(`  ${JSON.stringify(describe(interactions))}`);
  console.log(`  protocol ${split.protocol}, ${split.test.size} test users; ${note}`);
  console.log('  model        HR@10   nDCG@10  P@10    R@10    MAP@10  coverage  train_s  model_MB');
  const results: Metrics[] = [];
  for (const name of chosenModels) {
    const m = await evaluate(models[name], split, { ...options, params: params[name] });
    results.push(m);
    console.log(
      `  ${name.padEnd(11)}  ${m.hr_at_10.toFixed(4)}  ${m.ndcg_at_10.toFixed(4)}   ${m.precision_at_10.toFixed(4)}  ${m.recall_at_10.toFixed(4)}  ${m.map_at_10.toFixed(4)}  ${m.coverage.toFixed(4)}    ${m.train_s.toFixed(2).padStart(6)}  ${mb(m.memory_bytes).toFixed(1).padStart(7)}`,
    );
  }
  const best = results.reduce((a, b) => (b.ndcg_at_10 > a.ndcg_at_10 ? b : a));
  const pop = results.find((r) => r.model === 'popularity');
  console.log(`  chosen: ${best.model} (best nDCG@10); peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
  console.log(
    JSON.stringify({
      model: best.model,
      ndcg_at_10: round(best.ndcg_at_10),
      hr_at_10: round(best.hr_at_10),
      ndcg_at_10_popularity: pop ? round(pop.ndcg_at_10) : null,
      precision_at_10: round(best.precision_at_10),
      recall_at_10: round(best.recall_at_10),
      map_at_10: round(best.map_at_10),
      coverage: round(best.coverage),
      train_s: round(best.train_s, 2),
      memory_bytes: best.memory_bytes,
      protocol: split.protocol,
      exclude: options.exclude,
      history_half_life_s: options.history_half_life_s ?? null,
      source,
      test_users: split.test.size,
      ...describe(interactions),
      peak_rss_mb: mb(process.resourceUsage().maxRSS * 1024),
      results: results.map((r) => ({ ...r, hr_at_10: round(r.hr_at_10), ndcg_at_10: round(r.ndcg_at_10), precision_at_10: round(r.precision_at_10), recall_at_10: round(r.recall_at_10), map_at_10: round(r.map_at_10), coverage: round(r.coverage), train_s: round(r.train_s, 2) })),
    }),
  );
}

const movielens = option('--movielens');
const synthetic = option('--synthetic');
if (movielens !== undefined) {
  const interactions = readMovieLens(movielens);
  const split = randomSplit(interactions, 0.75, 42);
  await runProtocol('movielens', movielens, interactions, split, { exclude: 'seen' }, 'Microsoft Recommenders protocol: per-user stratified random 75/25 (seed 42), seen items removed, top 10, binary relevance');
} else if (synthetic !== undefined) {
  const events = Number(synthetic) || 1_000_000;
  const t0 = performance.now();
  const interactions = syntheticEvents({ events, users: Math.max(100, Math.round(events / 20)), items: Math.max(100, Math.round(events / 50)) });
  const gen_s = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const data = buildDataset(interactions);
  const dataset_s = (performance.now() - t1) / 1000;
  console.log(`eval:recs synthetic: ${interactions.length} events, ${data.users.length} users, ${data.items.length} items, ${data.indices.length} pairs (generated in ${gen_s.toFixed(1)} s, dataset ${dataset_s.toFixed(2)} s)`);
  const results: { model: ModelName; train_s: number; cpu_s: number; memory_bytes: number; heap_mb: number; rss_mb: number; params: Record<string, number> }[] = [];
  for (const name of chosenModels) {
    const heap0 = process.memoryUsage().heapUsed;
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    const model = await models[name].train(data, { params: params[name] });
    const train_s = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpu_s = (cpu.user + cpu.system) / 1e6;
    const probe = performance.now();
    model.recommend(new Map([[0, 1], [1, 2]]), 10);
    const recommend_ms = performance.now() - probe;
    const r = { model: name, train_s: round(train_s, 2), cpu_s: round(cpu_s, 2), recommend_ms: round(recommend_ms, 2), memory_bytes: model.memory_bytes, heap_mb: mb(process.memoryUsage().heapUsed - heap0), rss_mb: mb(process.resourceUsage().maxRSS * 1024), params: { ...model.params } };
    results.push(r);
    console.log(`  ${name.padEnd(11)} train ${train_s.toFixed(2)} s (CPU ${cpu_s.toFixed(2)} s), model ${mb(model.memory_bytes)} MB, one recommend ${recommend_ms.toFixed(1)} ms, peak RSS ${r.rss_mb} MB ${JSON.stringify(model.params)}`);
  }
  const slowest = results.reduce((a, b) => (b.train_s > a.train_s ? b : a));
  // The whole training job's engine part: every model on a time split (2,000 test users at most), then the best retrained on everything.
  let job: Record<string, unknown> | undefined;
  if (args.includes('--select')) {
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    const selected = await selectModel(interactions, { models: chosenModels, params, max_users: 2_000 });
    const select_s = (performance.now() - t) / 1000;
    const retrain0 = performance.now();
    await models[selected.chosen].train(buildDataset(interactions), { params: params[selected.chosen] });
    const retrain_s = (performance.now() - retrain0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    job = { chosen: selected.chosen, select_s: round(select_s, 2), retrain_s: round(retrain_s, 2), total_s: round(select_s + retrain_s, 2), cpu_s: round((cpu.user + cpu.system) / 1e6, 2), ndcg_at_10: Object.fromEntries(selected.results.map((r) => [r.model, round(r.ndcg_at_10)])) };
    console.log(`  training job (selectModel on a time split + retrain ${selected.chosen}): ${JSON.stringify(job)}`);
  }
  console.log(JSON.stringify({ protocol: 'synthetic_training', events: interactions.length, users: data.users.length, items: data.items.length, pairs: data.indices.length, dataset_s: round(dataset_s, 2), model: slowest.model, train_s: slowest.train_s, peak_rss_mb: mb(process.resourceUsage().maxRSS * 1024), results, job }));
} else {
  const file = path.resolve(process.env.OPENBOS_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data'), 'taobao-user-behavior-sample.csv');
  const fallback = path.resolve(repoRoot, '..', '..', 'shared', 'data', 'taobao-user-behavior-sample.csv');
  const source = existsSync(file) ? file : existsSync(fallback) ? fallback : null;
  if (source === null) {
    console.log(`eval:recs: ${file} is absent (see ../shared/data/README.md); nothing to measure`);
    process.exit(0);
  }
  const interactions = readTaobao(source);
  const split = leaveLastOut(interactions, { last: 'interaction' });
  await runProtocol('taobao', path.relative(repoRoot, source), interactions, split, { exclude: 'purchased', history_half_life_s: historyHalfLife_s }, `each user's last interaction held out; only items the user bought are excluded (the platform's rule: viewed items may come back); histories weighted by recency (half-life ${historyHalfLife_s / 3_600} h)`);
}
