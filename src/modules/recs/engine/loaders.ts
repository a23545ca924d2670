import { readFileSync } from 'node:fs';
import type { Interaction, InteractionKind } from './types.js';

const taobaoKinds: Record<string, InteractionKind> = { pv: 'view', fav: 'favourite', cart: 'cart', buy: 'purchase' };

/**
 * The Taobao UserBehavior CSV: `user_id,item_id,category_id,behavior_type,timestamp`, no header;
 * `pv` view, `fav` favourite, `cart` cart, `buy` purchase. Lines that do not parse are skipped.
 */
export function readTaobao(file: string): Interaction[] {
  const out: Interaction[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [user, item, , behaviour, ts] = line.trim().split(',');
    const kind = taobaoKinds[behaviour ?? ''];
    const time_s = Number(ts);
    if (!user || !item || kind === undefined || !Number.isFinite(time_s)) continue;
    out.push({ user, item, kind, time_s });
  }
  return out;
}

/**
 * MovieLens `u.data` style: `user item rating timestamp`, tab-separated (`::` and commas, as in
 * later MovieLens releases, are accepted too); the rating is the interaction's weight.
 */
export function readMovieLens(file: string): Interaction[] {
  const out: Interaction[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [user, item, rating, ts] = line.trim().split(/\t|::|,/);
    const weight = Number(rating);
    const time_s = Number(ts ?? 0);
    if (!user || !item || !Number.isFinite(weight) || !Number.isFinite(time_s)) continue;
    out.push({ user, item, kind: 'view', time_s, weight });
  }
  return out;
}
