import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { modelNames, selectModel, syntheticEvents, syntheticRatings } from '../src/modules/recs/engine/index.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'recs-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('recs engine: evaluation', () => {
  it('eval:recs --movielens runs the Microsoft Recommenders protocol on a file and EASE and ALS beat popularity on planted data', async () => {
    const file = path.join(dir, 'ml.tsv');
    writeFileSync(file, syntheticRatings({ users: 150, items: 300, ratings: 6_000, seed: 5 }));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/eval-recs.ts', '--movielens', file], { cwd: path.resolve(import.meta.dirname, '..'), timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    expect(stdout).toContain('seen items removed');
    const result = JSON.parse(lines[lines.length - 1]!);
    for (const key of ['model', 'ndcg_at_10', 'hr_at_10', 'ndcg_at_10_popularity', 'precision_at_10', 'recall_at_10', 'map_at_10', 'train_s', 'protocol', 'results']) expect(result).toHaveProperty(key);
    expect(result.protocol).toBe('random_75_25');
    expect(result.users).toBe(150);
    const ndcg = Object.fromEntries(result.results.map((r: { model: string; ndcg_at_10: number }) => [r.model, r.ndcg_at_10]));
    expect(Object.keys(ndcg).sort()).toEqual([...modelNames].sort());
    expect(ndcg.ease).toBeGreaterThan(ndcg.popularity * 1.2);
    expect(ndcg.als).toBeGreaterThan(ndcg.popularity * 1.2);
    expect(result.model).not.toBe('popularity');
    expect(result.ndcg_at_10).toBe(Math.max(...Object.values(ndcg as Record<string, number>)));
  });

  it('selectModel evaluates every model on a time split and chooses the best nDCG@10', async () => {
    const events = syntheticEvents({ events: 6_000, users: 300, items: 200, categories: 10, seed: 3 });
    const { chosen, results, protocol } = await selectModel(events, { params: { als: { iterations: 4 } } });
    expect(protocol).toBe('time_last_10pct');
    expect(results.map((r) => r.model)).toEqual([...modelNames]);
    const best = results.reduce((a, b) => (b.ndcg_at_10 > a.ndcg_at_10 ? b : a));
    expect(chosen).toBe(best.model);
    expect(results.every((r) => r.users > 0 && r.train_s >= 0 && r.memory_bytes > 0)).toBe(true);
    // A brand with no held-out user still gets a model: popularity.
    const tiny = await selectModel([{ user: 'u', item: 'i', kind: 'view', time_s: 1 }]);
    expect(tiny.chosen).toBe('popularity');
  });

  it('selectModel with two threads (a worker thread takes models) answers what one thread does, in the same order', async () => {
    const events = syntheticEvents({ events: 6_000, users: 300, items: 200, categories: 10, seed: 5 });
    const options = { params: { als: { iterations: 4 } } };
    const one = await selectModel(events, { ...options, threads: 1 });
    const two = await selectModel(events, { ...options, threads: 2 });
    expect(two.chosen).toBe(one.chosen);
    expect(two.results.map((r) => r.model)).toEqual([...modelNames]);
    const scores = (r: typeof one) => r.results.map((m) => [m.model, m.users, m.ndcg_at_10, m.hr_at_10, m.coverage]);
    expect(scores(two)).toEqual(scores(one));
  });
});
