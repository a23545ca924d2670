/**
 * npm run eval:propensity: the propensity model on the public Taobao UserBehavior sample
 * (../shared/data/taobao-user-behavior-sample.csv, read in place, never copied). Days are
 * Shanghai days (UTC+8), 2017-11-25 to 2017-12-03. The model learns at cutoffs 11-28, 11-29 and
 * 11-30 ("bought in the next two days?", features from everything before), then ranks every
 * consumer seen before 12-02 and is judged on who bought in the last two days (12-02, 12-03).
 * The baseline ranks by recency alone (the last event of any kind). Same feature code as the
 * product path (src/modules/campaigns/propensity). Last line: JSON.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { boughtTarget, consumerFeatures, recencyScore, type BehaviourEvent, type BehaviourKind, type Target } from '../src/modules/campaigns/propensity/features.js';
import { auc, precisionAtTop } from '../src/modules/campaigns/propensity/metrics.js';
import { scoreRow, trainPropensity } from '../src/modules/campaigns/propensity/model.js';

// A worktree beside the checkout may point elsewhere with OPENBOS_SHARED_DATA.
const file = path.resolve(process.env.OPENBOS_SHARED_DATA ?? path.join('..', 'shared', 'data'), 'taobao-user-behavior-sample.csv');
if (!existsSync(file)) {
  console.log(`eval:propensity: ${file} is absent (see ../shared/data/README); nothing to measure`);
  process.exit(0);
}

const kinds: Record<string, BehaviourKind> = { pv: 'view', cart: 'cart', fav: 'fav', buy: 'buy' };
const day_ms = 86_400_000;
/** Midnight in Shanghai of a 2017 date. */
const shanghai = (iso: string) => Date.parse(`${iso}T00:00:00+08:00`);
const start = shanghai('2017-11-25');
const end = shanghai('2017-12-04');
const test_cutoff = shanghai('2017-12-02');
const window_ms = 2 * day_ms;
const train_cutoffs = ['2017-11-28', '2017-11-29', '2017-11-30'].map(shanghai);
const target: Target = { any: true };

const t0 = performance.now();
const histories = new Map<string, BehaviourEvent[]>();
let rows = 0;
let outside = 0;
for (const line of readFileSync(file, 'utf8').split('\n')) {
  const [user, item, category, behaviour, ts] = line.split(',');
  const kind = kinds[behaviour ?? ''];
  if (user === undefined || kind === undefined) continue;
  rows++;
  const at = Number(ts) * 1_000;
  // A handful of rows carry timestamps outside the nine days the sample covers.
  if (!(at >= start && at < end)) {
    outside++;
    continue;
  }
  const list = histories.get(user) ?? [];
  list.push({ at, kind, product_id: item ?? null, category_id: category ?? null });
  histories.set(user, list);
}
const readMs = performance.now() - t0;

const t1 = performance.now();
const model = trainPropensity(histories.values(), target, { window_ms, cutoffs: train_cutoffs });
const trainMs = performance.now() - t1;

const t2 = performance.now();
const scores: number[] = [];
const baseline: number[] = [];
const labels: number[] = [];
for (const events of histories.values()) {
  if (!events.some((e) => e.at < test_cutoff)) continue;
  scores.push(scoreRow(model, consumerFeatures(events, test_cutoff, target)));
  baseline.push(recencyScore(events, test_cutoff));
  labels.push(boughtTarget(events, test_cutoff, test_cutoff + window_ms, target));
}
const scoreMs = performance.now() - t2;

const round = (v: number) => Math.round(v * 10_000) / 10_000;
const result = {
  rows,
  rows_outside_days: outside,
  consumers: labels.length,
  buyers_last_two_days: labels.reduce((s, v) => s + v, 0),
  training_rows: model.training_rows,
  training_positives: model.positives,
  converged: model.converged,
  auc: round(auc(scores, labels)),
  auc_baseline: round(auc(baseline, labels)),
  precision_top10pct: round(precisionAtTop(scores, labels, 0.1)),
  precision_top10pct_baseline: round(precisionAtTop(baseline, labels, 0.1)),
  base_rate: round(labels.reduce((s, v) => s + v, 0) / labels.length),
  read_ms: Math.round(readMs),
  train_ms: Math.round(trainMs),
  score_ms: Math.round(scoreMs),
};
const top = model.feature_names.map((name, j) => ({ name, weight: model.weights[j]! })).sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).slice(0, 8);
console.log(`largest standardised weights: ${top.map((t) => `${t.name} ${t.weight.toFixed(3)}`).join(', ')}`);
console.log(`model AUC ${result.auc} vs recency ${result.auc_baseline}; precision@10% ${result.precision_top10pct} vs ${result.precision_top10pct_baseline} (base rate ${result.base_rate})`);
console.log(JSON.stringify(result));
if (!(result.auc > result.auc_baseline)) process.exitCode = 1;
