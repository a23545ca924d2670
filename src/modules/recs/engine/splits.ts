import { seededRandom, shuffle } from './random.js';
import type { Interaction, Split } from './types.js';
import { weights } from './weights.js';

const weightOf = (x: Interaction) => x.weight ?? weights[x.kind];

/** Interactions per user, in time order (ties keep the input order). */
function byUser(interactions: Iterable<Interaction>): Map<string, Interaction[]> {
  const users = new Map<string, Interaction[]>();
  for (const x of interactions) {
    const list = users.get(x.user);
    if (list) list.push(x);
    else users.set(x.user, [x]);
  }
  for (const list of users.values()) list.sort((a, b) => a.time_s - b.time_s);
  return users;
}

export interface LeaveLastOutOptions {
  /** `interaction` (default): each user's last interaction; `purchase`: each user's last purchase. */
  last?: 'interaction' | 'purchase';
}

/**
 * Leave-last-out: of each user with at least two interactions, the last one (or the last purchase,
 * with the user's later interactions dropped) is held out; everything else is training. The held-out
 * item may also be in the user's training history (a re-view): that is allowed.
 */
export function leaveLastOut(interactions: Iterable<Interaction>, options: LeaveLastOutOptions = {}): Split {
  const last = options.last ?? 'interaction';
  const train: Interaction[] = [];
  const test = new Map<string, Map<string, number>>();
  for (const [user, list] of byUser(interactions)) {
    let held = -1;
    if (last === 'interaction') held = list.length >= 2 ? list.length - 1 : -1;
    else {
      for (let i = list.length - 1; i >= 1; i--) {
        if (list[i]!.kind === 'purchase') {
          held = i;
          break;
        }
      }
    }
    if (held < 0) {
      train.push(...list);
      continue;
    }
    for (let i = 0; i < held; i++) train.push(list[i]!);
    const x = list[held]!;
    test.set(user, new Map([[x.item, weightOf(x)]]));
  }
  return { train, test, protocol: last === 'interaction' ? 'leave_last_out' : 'leave_last_purchase_out' };
}

/**
 * Time split: the latest `fraction` of the interactions (by count, not by time span) are held out;
 * test users are those with interactions on both sides (a user seen only after the cut is a new
 * consumer, whom the models answer with popularity). Counting interactions rather than cutting the
 * span keeps the split meaningful when a brand's history has a gap, e.g. an imported 2017 dataset
 * beside this year's events: a cut at 90 % of the span would leave nobody with earlier history.
 */
export function timeSplit(interactions: Iterable<Interaction>, fraction = 0.1): Split {
  const all = Array.isArray(interactions) ? (interactions as Interaction[]) : [...interactions];
  const times = Float64Array.from(all, (x) => x.time_s).sort();
  const cut = times.length === 0 ? Infinity : times[Math.min(times.length - 1, Math.floor((1 - fraction) * times.length))]!;
  const train: Interaction[] = [];
  const trainUsers = new Set<string>();
  const later: Interaction[] = [];
  for (const x of all) {
    if (x.time_s < cut || fraction <= 0) {
      train.push(x);
      trainUsers.add(x.user);
    } else later.push(x);
  }
  const test = new Map<string, Map<string, number>>();
  for (const x of later) {
    if (!trainUsers.has(x.user)) continue;
    let items = test.get(x.user);
    if (!items) test.set(x.user, (items = new Map<string, number>()));
    items.set(x.item, (items.get(x.item) ?? 0) + weightOf(x));
  }
  return { train, test, protocol: `time_last_${Math.round(fraction * 100)}pct` };
}

/**
 * Random split stratified per user, as Microsoft Recommenders' `python_stratified_split`
 * (`filter_by="user"`, `min_rating=1`): each user's interactions are shuffled (seeded) and the first
 * round(ratio × n) go to training (Python's round: half to even), the rest to the test.
 */
export function randomSplit(interactions: Iterable<Interaction>, ratio = 0.75, seed = 42): Split {
  const random = seededRandom(seed);
  const train: Interaction[] = [];
  const test = new Map<string, Map<string, number>>();
  const users = new Map<string, Interaction[]>();
  for (const x of interactions) {
    const list = users.get(x.user);
    if (list) list.push(x);
    else users.set(x.user, [x]);
  }
  for (const [user, list] of users) {
    shuffle(list, random);
    const cut = roundHalfEven(ratio * list.length);
    for (let i = 0; i < cut; i++) train.push(list[i]!);
    if (cut >= list.length) continue;
    const items = new Map<string, number>();
    for (let i = cut; i < list.length; i++) items.set(list[i]!.item, (items.get(list[i]!.item) ?? 0) + weightOf(list[i]!));
    test.set(user, items);
  }
  return { train, test, protocol: `random_${Math.round(ratio * 100)}_${Math.round((1 - ratio) * 100)}` };
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (Math.abs(d - 0.5) < 1e-9) return f % 2 === 0 ? f : f + 1;
  return Math.round(x);
}
