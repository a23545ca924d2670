import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { leaveLastOut, randomSplit, readMovieLens, readTaobao, timeSplit, type Interaction } from '../src/modules/recs/engine/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recs-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const x = (user: string, item: string, time_s: number, kind: Interaction['kind'] = 'view'): Interaction => ({ user, item, kind, time_s });

describe('recs engine: splits', () => {
  it('leave-last-out holds out exactly each user’s last interaction, whatever the input order', () => {
    const xs = [x('u1', 'c', 30), x('u1', 'a', 10), x('u1', 'b', 20, 'cart'), x('u2', 'a', 5), x('u3', 'd', 1), x('u3', 'a', 2, 'purchase')];
    const split = leaveLastOut(xs);
    expect(split.protocol).toBe('leave_last_out');
    expect([...split.test]).toEqual([
      ['u1', new Map([['c', 1]])],
      ['u3', new Map([['a', 4]])],
    ]);
    // u2 has a single interaction: not tested, kept for training.
    expect(split.train.map((t) => `${t.user}:${t.item}`).sort()).toEqual(['u1:a', 'u1:b', 'u2:a', 'u3:d']);
  });

  it('leave-last-purchase-out holds out the last purchase and drops what came after it', () => {
    const xs = [x('u1', 'a', 1), x('u1', 'b', 2, 'purchase'), x('u1', 'c', 3, 'purchase'), x('u1', 'd', 4), x('u2', 'a', 1), x('u2', 'b', 2)];
    const split = leaveLastOut(xs, { last: 'purchase' });
    expect([...split.test]).toEqual([['u1', new Map([['c', 4]])]]);
    expect(split.train.map((t) => `${t.user}:${t.item}`).sort()).toEqual(['u1:a', 'u1:b', 'u2:a', 'u2:b']);
  });

  it('the stratified random split puts round(0.75·n) of every user in training, reproducibly for a seed', () => {
    const xs: Interaction[] = [];
    const sizes: Record<string, number> = { u1: 4, u2: 10, u3: 6, u4: 1 };
    for (const [user, n] of Object.entries(sizes)) for (let i = 0; i < n; i++) xs.push(x(user, `i${i}`, i));
    const a = randomSplit(xs, 0.75, 7);
    const b = randomSplit(xs, 0.75, 7);
    const c = randomSplit(xs, 0.75, 8);
    const trainOf = (s: typeof a, user: string) => s.train.filter((t) => t.user === user).map((t) => t.item);
    // 4 → 3; 10 → 7.5 → 8 (half to even); 6 → 4.5 → 4; 1 → 0.75 → 1.
    expect(trainOf(a, 'u1').length).toBe(3);
    expect(trainOf(a, 'u2').length).toBe(8);
    expect(trainOf(a, 'u3').length).toBe(4);
    expect(trainOf(a, 'u4').length).toBe(1);
    expect(a.test.get('u2')!.size).toBe(2);
    expect(a.test.has('u4')).toBe(false);
    for (const user of Object.keys(sizes)) {
      expect(trainOf(a, user)).toEqual(trainOf(b, user));
      const held = [...(a.test.get(user)?.keys() ?? [])];
      expect(new Set([...trainOf(a, user), ...held]).size).toBe(sizes[user]);
      expect(held.some((item) => trainOf(a, user).includes(item))).toBe(false);
    }
    expect(Object.keys(sizes).some((user) => trainOf(a, user).join() !== trainOf(c, user).join())).toBe(true);
  });

  it('the time split holds out the latest fraction of the interactions, for users seen before the cut', () => {
    const xs = [x('u1', 'a', 0), x('u1', 'b', 95), x('u1', 'b', 99, 'cart'), x('u2', 'a', 50), x('u3', 'c', 96), x('u1', 'c', 100)];
    const split = timeSplit(xs, 0.5);
    expect(split.train.map((t) => `${t.user}:${t.item}`)).toEqual(['u1:a', 'u1:b', 'u2:a']);
    expect([...split.test]).toEqual([['u1', new Map([['b', 3], ['c', 1]])]]);
  });

  it('the time split counts interactions, so a gap in the history (an old import) still leaves test users', () => {
    const old = Array.from({ length: 90 }, (_, i) => x(`old${i % 9}`, `i${i % 7}`, 1_000 + i));
    const recent = Array.from({ length: 10 }, (_, i) => x(`old${i % 9}`, `i${i % 5}`, 1_000_000_000 + i));
    const split = timeSplit([...old, ...recent], 0.1);
    expect(split.train).toHaveLength(90);
    expect(split.test.size).toBe(9);
  });
});

describe('recs engine: loaders', () => {
  it('reads the Taobao UserBehavior CSV and maps its behaviours', () => {
    const file = path.join(dir, 'taobao.csv');
    writeFileSync(file, '1,2268318,2520377,pv,1511544070\n1,2333346,2520771,fav,1511561733\n2,5,7,cart,1511572885\n2,6,7,buy,1511572886\nbroken line\n3,9,9,unknown,1\n');
    expect(readTaobao(file)).toEqual([
      { user: '1', item: '2268318', kind: 'view', time_s: 1511544070 },
      { user: '1', item: '2333346', kind: 'favourite', time_s: 1511561733 },
      { user: '2', item: '5', kind: 'cart', time_s: 1511572885 },
      { user: '2', item: '6', kind: 'purchase', time_s: 1511572886 },
    ]);
  });

  it('reads MovieLens user item rating timestamp (tab-separated) with the rating as weight', () => {
    const file = path.join(dir, 'u.data');
    writeFileSync(file, '196\t242\t3\t881250949\n186\t302\t3.5\t891717742\n\nnot\ta\trating\there\n');
    expect(readMovieLens(file)).toEqual([
      { user: '196', item: '242', kind: 'view', time_s: 881250949, weight: 3 },
      { user: '186', item: '302', kind: 'view', time_s: 891717742, weight: 3.5 },
    ]);
  });
});
