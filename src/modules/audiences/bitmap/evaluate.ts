import type { AudienceRules } from '../paths.js';
import type { ConsentRule, EventRule, NearRule, PurchaseRule, Rule, StageChangeRule, StageRule, TraitRule } from '../rules.js';
import { RoaringBitmap32, day_ms, propertyKey, sightingKey, type Bitmap, type BrandIndex } from './structures.js';

/** A leaf the bitmaps cannot answer exactly; the caller asks PostgreSQL and reports the reason. */
export class Unsupported extends Error {}

const stage_windows = { purchase: 365, interest: 30, aware: 30 };
const earth_radius_m = 6_371_008.8;
const rad = Math.PI / 180;

/** The haversine distance of the locations module (`distance_m`), inlined for the scans. */
function distance(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * earth_radius_m * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The text a rule value is compared as: a number by its JSON text, a boolean as true / false. */
const text = (v: unknown): string => String(v);

export class Evaluator {
  constructor(
    private readonly index: BrandIndex,
    private readonly now_ms: number,
    private readonly audiences: AudienceRules,
  ) {}

  async rule(rule: Rule, stack: readonly string[] = []): Promise<Bitmap> {
    const live = this.index.live;
    switch (rule.kind) {
      case 'and': {
        let acc: Bitmap | undefined;
        for (const r of rule.rules) {
          const b = await this.rule(r, stack);
          acc = acc === undefined ? b : RoaringBitmap32.and(acc, b);
        }
        return acc ?? live.clone();
      }
      case 'or':
        return RoaringBitmap32.orMany(await Promise.all(rule.rules.map((r) => this.rule(r, stack))));
      case 'not':
        return RoaringBitmap32.andNot(live, await this.rule(rule.rule, stack));
      case 'audience': {
        if (stack.includes(rule.audience_id)) throw new Unsupported('audience refers to itself');
        const inner = await this.audiences(rule.audience_id);
        if (inner === undefined) throw new Unsupported('unknown audience');
        return this.rule(inner, [...stack, rule.audience_id]);
      }
      case 'trait':
        return RoaringBitmap32.and(this.trait(rule), live);
      case 'event':
        return this.event(rule);
      case 'stage':
        return this.stage(rule);
      case 'stage_change':
        return this.stageChange(rule);
      case 'purchase':
        return this.purchase(rule);
      case 'near':
        return this.near(rule);
      case 'consent':
        return this.consent(rule);
    }
  }

  private trait(rule: TraitRule): Bitmap {
    if (rule.trait.includes('.')) throw new Unsupported('nested trait path');
    const t = this.index.traits.get(rule.trait);
    const empty = new RoaringBitmap32();
    const values = (): Map<string, Bitmap> => {
      if (t !== undefined && t.values === null) throw new Unsupported(`trait ${rule.trait} has too many values`);
      return t?.values ?? new Map<string, Bitmap>();
    };
    const anyOf = (vs: unknown[]) => RoaringBitmap32.orMany(vs.map((v) => values().get(text(v)) ?? empty));
    const list = Array.isArray(rule.value) ? rule.value : [rule.value];
    switch (rule.op) {
      case 'exists':
        return rule.value === false ? RoaringBitmap32.andNot(this.index.live, t?.present ?? empty) : (t?.present ?? empty);
      case 'eq':
      case 'in':
        return anyOf(list);
      case 'neq':
      case 'not_in':
        return RoaringBitmap32.andNot(t?.present ?? empty, anyOf(list));
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte': {
        const col = t?.numbers?.data;
        if (col === undefined || t === undefined) return empty;
        const v = Number(rule.value);
        const test = rule.op === 'gt' ? (x: number) => x > v : rule.op === 'gte' ? (x: number) => x >= v : rule.op === 'lt' ? (x: number) => x < v : (x: number) => x <= v;
        if (t.numberValues !== null) return RoaringBitmap32.orMany([...t.numberValues].filter(([x]) => test(x)).map(([, bm]) => bm));
        const out = new Uint32Array(col.length);
        let k = 0;
        if (rule.op === 'gt') for (let i = 1; i < col.length; i++) if (col[i]! > v) out[k++] = i;
        if (rule.op === 'gte') for (let i = 1; i < col.length; i++) if (col[i]! >= v) out[k++] = i;
        if (rule.op === 'lt') for (let i = 1; i < col.length; i++) if (col[i]! < v) out[k++] = i;
        if (rule.op === 'lte') for (let i = 1; i < col.length; i++) if (col[i]! <= v) out[k++] = i;
        return new RoaringBitmap32(out.subarray(0, k));
      }
      case 'contains':
        throw new Unsupported('contains');
    }
  }

  /** Profiles with an event of the series in `(T, now]` and later, T = now - days; by day bitmaps and the start day's times. */
  private window(keys: string[], days: number): Bitmap {
    const from = this.now_ms - days * day_ms;
    if (from < this.index.horizon_ms) throw new Unsupported(`window beyond the ${Math.floor((this.now_ms - this.index.horizon_ms) / day_ms)} days held`);
    const firstDay = Math.floor(from / day_ms);
    const parts: Bitmap[] = [];
    for (const key of keys) {
      const series = this.index.series.get(key);
      if (series === undefined) continue;
      for (const [day, set] of series) {
        if (day > firstDay) parts.push(set.members);
        else if (day === firstDay) parts.push(set.after(from - firstDay * day_ms));
      }
    }
    return this.index.consumers(RoaringBitmap32.orMany(parts));
  }

  private event(rule: EventRule): Bitmap {
    if (rule.min_count > 1) throw new Unsupported('event min_count above 1');
    const name = rule.event.toLowerCase();
    let keys = [name];
    if (rule.where.length > 1) throw new Unsupported('more than one event property filter');
    const f = rule.where[0];
    if (f !== undefined) {
      if (!(f.op === 'eq' || f.op === 'in')) throw new Unsupported(`event property filter ${f.op}`);
      if (!(['category', 'promotion_id', 'campaign_id', 'location_id', 'channel', 'product_id'] as string[]).includes(f.property)) throw new Unsupported(`event property ${f.property} not indexed`);
      keys = (Array.isArray(f.value) ? f.value : [f.value]).map((v) => propertyKey(name, f.property, text(v)));
    }
    const did = this.window(keys, rule.within_days);
    return rule.did ? did : RoaringBitmap32.andNot(this.index.live, did);
  }

  /** Each live consumer's stage now, as the data bank's lifecycle defines it. */
  private stageNow(stage: string): Bitmap {
    const f = this.index.facts;
    const p = this.now_ms - stage_windows.purchase * day_ms;
    const i = this.now_ms - stage_windows.interest * day_ms;
    const a = this.now_ms - stage_windows.aware * day_ms;
    const [prev, loyal, last, interest, aware] = [f.previous_purchase_at.data, f.last_loyal_signal_at.data, f.last_purchase_at.data, f.last_interest_at.data, f.last_aware_at.data];
    const n = Math.min(prev.length, loyal.length, last.length, interest.length, aware.length);
    const want = ['loyal', 'purchased', 'interested', 'aware'].indexOf(stage);
    const out = new Uint32Array(n);
    let k = 0;
    for (let j = 1; j < n; j++) {
      const s = prev[j]! > p || loyal[j]! > p ? 0 : last[j]! > p ? 1 : interest[j]! > i ? 2 : aware[j]! > a ? 3 : 4;
      if (s === want) out[k++] = j;
    }
    const members = RoaringBitmap32.and(new RoaringBitmap32(out.subarray(0, k)), this.index.live);
    const refused = this.index.refused.get('analytics');
    return refused === undefined ? members : RoaringBitmap32.andNot(members, refused);
  }

  private stage(rule: StageRule): Bitmap {
    return RoaringBitmap32.orMany(rule.stages.map((s) => this.stageNow(s)));
  }

  private stageChange(rule: StageChangeRule): Bitmap {
    const day = Math.floor(this.now_ms / day_ms) - rule.within_days;
    if (day < this.index.stage_day_min) throw new Unsupported('stage records beyond the days held');
    const recorded = this.index.stageDaily.get(day) ?? new Map<string, Bitmap>();
    const from = rule.from === 'none' ? RoaringBitmap32.andNot(this.index.live, RoaringBitmap32.orMany([...recorded.values()])) : RoaringBitmap32.and(recorded.get(rule.from) ?? new RoaringBitmap32(), this.index.live);
    return RoaringBitmap32.and(from, this.stageNow(rule.to));
  }

  private purchase(rule: PurchaseRule): Bitmap {
    const f = this.index.facts;
    const last = f.last_purchase_at.data;
    const orders = f.orders_count.data;
    const money = f.amount_spent_minor.data;
    const r = rule.recency_days;
    // whole days since = floor((now - last) / day): ≥ min ⟺ last ≤ now - min days; ≤ max ⟺ last > now - (max + 1) days.
    const useR = r !== undefined;
    const rHi = r?.min === undefined ? Infinity : this.now_ms - r.min * day_ms;
    const rLo = r?.max === undefined ? -Infinity : this.now_ms - (r.max + 1) * day_ms;
    const useF = rule.frequency !== undefined;
    const [fLo, fHi] = [rule.frequency?.min ?? -Infinity, rule.frequency?.max ?? Infinity];
    const useM = rule.monetary_minor !== undefined;
    const [mLo, mHi] = [rule.monetary_minor?.min ?? -Infinity, rule.monetary_minor?.max ?? Infinity];
    const n = Math.min(last.length, orders.length, money.length);
    const out = new Uint32Array(n);
    let k = 0;
    for (let j = 1; j < n; j++) {
      if (useR && !(last[j]! <= rHi && last[j]! > rLo)) continue;
      if (useF && !(orders[j]! >= fLo && orders[j]! <= fHi)) continue;
      if (useM && !(money[j]! >= mLo && money[j]! <= mHi)) continue;
      out[k++] = j;
    }
    return RoaringBitmap32.and(new RoaringBitmap32(out.subarray(0, k)), this.index.live);
  }

  private near(rule: NearRule): Bitmap {
    const place = this.index.locations.get(rule.location_id);
    if (place === undefined) throw new Unsupported('unknown location');
    const radius = rule.radius_km * 1000;
    const parts: Bitmap[] = [];
    if (rule.how !== 'seen') {
      const lat = this.index.traits.get('home_latitude')?.numbers?.data;
      const lon = this.index.traits.get('home_longitude')?.numbers?.data;
      if (lat !== undefined && lon !== undefined) {
        // A box around the place first (a degree of latitude is at least 110.5 km), then the haversine.
        const dLat = radius / 110_000 + 1e-6;
        const cos = Math.cos(Math.min(89, Math.abs(place.latitude) + dLat) * rad);
        const dLon = cos <= 0.01 ? 360 : radius / (110_000 * cos) + 1e-6;
        const [la, lo] = [place.latitude, place.longitude];
        const n = Math.min(lat.length, lon.length);
        const out = new Uint32Array(n);
        let k = 0;
        for (let j = 1; j < n; j++) {
          const y = lat[j]!;
          if (!(Math.abs(y - la) <= dLat)) continue;
          const x = lon[j]!;
          const dx = Math.abs(x - lo);
          if ((dx <= dLon || dx >= 360 - dLon) && distance(la, lo, y, x) <= radius) out[k++] = j;
        }
        parts.push(RoaringBitmap32.and(new RoaringBitmap32(out.subarray(0, k)), this.index.live));
      }
    }
    if (rule.how !== 'lives') {
      const near = [...this.index.locations].filter(([, l]) => distance(place.latitude, place.longitude, l.latitude, l.longitude) <= radius).map(([id]) => sightingKey(id));
      parts.push(this.window(near, rule.within_days));
      const g = this.index.geo;
      const from = this.now_ms - rule.within_days * day_ms;
      const seen: number[] = [];
      for (let k = 0; k < g.num.length; k++) if (g.at[k]! > from && distance(place.latitude, place.longitude, g.lat[k]!, g.lon[k]!) <= radius) seen.push(g.num[k]!);
      if (seen.length > 0) parts.push(this.index.consumers(new RoaringBitmap32(seen)));
    }
    return RoaringBitmap32.orMany(parts);
  }

  private consent(rule: ConsentRule): Bitmap {
    const granted = RoaringBitmap32.and(this.index.granted.get(rule.purpose) ?? new RoaringBitmap32(), this.index.live);
    const refused = rule.channel === undefined ? undefined : this.index.channelRefused.get(rule.channel);
    return refused === undefined ? granted : RoaringBitmap32.andNot(granted, refused);
  }
}
