import roaring, { type RoaringBitmap32 as Bitmap } from 'roaring';

export const { RoaringBitmap32 } = roaring;
export type { Bitmap };

export const day_ms = 86_400_000;
/** How far back the index keeps events, in days. */
export const horizon_days = 400;
/** A trait with more distinct values than this keeps no value bitmaps (eq / in go to SQL). */
export const trait_values_max = 1_000;
/** The event properties indexed by value, for `where` filters. */
export const indexed_properties = ['category', 'promotion_id', 'campaign_id', 'location_id', 'channel', 'product_id'] as const;
/** Key of a location sighting series (an event naming the location). */
export const sightingKey = (location_id: string) => `\u001eloc\u001f${location_id}`;
export const propertyKey = (event: string, property: string, value: string) => `${event}\u001f${property}\u001f${value}`;

/**
 * The members of one series (an event name, an event with a property value, a location's
 * sightings) on one UTC day, with, for each member, the time of its latest event that day as
 * milliseconds since the day's start rounded up: `occurred_at > T` holds for an event exactly when
 * that rounded-up time is above T (T in whole milliseconds), so the day a window starts in is
 * answered exactly, not to the day.
 */
export class DaySet {
  readonly members: Bitmap;
  /** Loaded members (sorted) and their latest times, aligned by position; never changed. */
  private readonly base: Bitmap | undefined;
  private readonly baseOff: Uint32Array | undefined;
  /** Members added since the load, with their latest time. */
  private readonly delta = new Map<number, number>();

  constructor(nums?: Uint32Array, offsets?: Uint32Array) {
    if (nums === undefined) {
      this.members = new RoaringBitmap32();
    } else {
      const base = new RoaringBitmap32(nums);
      this.base = base;
      this.baseOff = offsets;
      this.members = base.clone();
    }
  }

  add(num: number, offset: number): void {
    const old = this.delta.get(num);
    if (old === undefined || offset > old) this.delta.set(num, offset);
    this.members.add(num);
  }

  /** The members whose latest event that day is after `offset` ms into the day. */
  after(offset: number): Bitmap {
    const out: number[] = [];
    if (this.base !== undefined && this.baseOff !== undefined) {
      const nums = this.base.toUint32Array();
      const off = this.baseOff;
      for (let i = 0; i < nums.length; i++) if (off[i]! > offset) out.push(nums[i]!);
    }
    for (const [num, o] of this.delta) if (o > offset) out.push(num);
    return new RoaringBitmap32(out);
  }

  bytes(): number {
    return this.members.getSerializationSizeInBytes('portable') + (this.base?.getSerializationSizeInBytes('portable') ?? 0) + (this.baseOff?.byteLength ?? 0) + this.delta.size * 40;
  }
}

/** A series: its day sets by day number (days since 1970-01-01, UTC). */
export type Series = Map<number, DaySet>;

/** A growable typed array indexed by consumer number. */
export class Column {
  data: Float64Array;
  constructor(capacity: number, readonly fill = Number.NaN) {
    this.data = new Float64Array(capacity).fill(fill);
  }
  set(num: number, value: number): void {
    if (num >= this.data.length) this.grow(num + 1);
    this.data[num] = value;
  }
  get(num: number): number {
    return num < this.data.length ? this.data[num]! : this.fill;
  }
  private grow(min: number): void {
    const next = new Float64Array(Math.max(min, Math.ceil(this.data.length * 1.5))).fill(this.fill);
    next.set(this.data);
    this.data = next;
  }
}

/**
 * One top-level trait: who has it (present, not null), bitmaps by its text value while it has few
 * distinct values, and its numeric value by consumer number (NaN when not a JSON number).
 */
export class TraitIndex {
  readonly present = new RoaringBitmap32();
  /** Value text → bitmap; null once the trait has more than `trait_values_max` distinct values. */
  values: Map<string, Bitmap> | null = new Map();
  /** Each consumer's value text, to take it out of the value bitmap when it changes. */
  private readonly valueOf = new Map<number, string>();
  numbers: Column | null = null;
  /** Numeric value → bitmap, while the trait has few distinct numbers (comparisons OR a few bitmaps instead of a scan). */
  numberValues: Map<number, Bitmap> | null = new Map();

  constructor(private readonly capacity: number) {}

  set(num: number, text: string | null, type: string | null): void {
    this.clear(num);
    if (text === null || type === null || type === 'null') return;
    this.present.add(num);
    if (this.values !== null) {
      let bm = this.values.get(text);
      if (bm === undefined) {
        if (this.values.size >= trait_values_max) {
          this.values = null;
          this.valueOf.clear();
        } else this.values.set(text, (bm = new RoaringBitmap32()));
      }
      if (bm !== undefined && this.values !== null) {
        bm.add(num);
        this.valueOf.set(num, text);
      }
    }
    if (type === 'number') {
      const v = Number(text);
      (this.numbers ??= new Column(this.capacity)).set(num, v);
      if (this.numberValues !== null) {
        let bm = this.numberValues.get(v);
        if (bm === undefined && this.numberValues.size >= trait_values_max) this.numberValues = null;
        else {
          if (bm === undefined) this.numberValues.set(v, (bm = new RoaringBitmap32()));
          bm.add(num);
        }
      }
    }
  }

  clear(num: number): void {
    if (!this.present.has(num)) return;
    this.present.delete(num);
    const old = this.valueOf.get(num);
    if (old !== undefined) {
      this.values?.get(old)?.delete(num);
      this.valueOf.delete(num);
    }
    if (this.numbers !== null) {
      const v = this.numbers.get(num);
      if (!Number.isNaN(v)) this.numberValues?.get(v)?.delete(num);
      this.numbers.set(num, Number.NaN);
    }
  }

  bytes(): number {
    let n = this.present.getSerializationSizeInBytes('portable') + this.valueOf.size * 48 + (this.numbers?.data.byteLength ?? 0);
    for (const bm of this.values?.values() ?? []) n += bm.getSerializationSizeInBytes('portable');
    for (const bm of this.numberValues?.values() ?? []) n += bm.getSerializationSizeInBytes('portable');
    return n;
  }
}

export const factNames = ['last_purchase_at', 'previous_purchase_at', 'last_interest_at', 'last_aware_at', 'last_loyal_signal_at', 'orders_count', 'amount_spent_minor'] as const;
export type FactName = (typeof factNames)[number];

/** A brand's whole in-memory index. */
export class BrandIndex {
  /** Profile ID → number, for every profile of the brand (live or merged). */
  readonly nums = new Map<string, number>();
  readonly live = new RoaringBitmap32();
  readonly merged = new RoaringBitmap32();
  /** A merged profile's number → the number of the profile it was merged into. */
  readonly mergedInto = new Map<number, number>();
  readonly traits = new Map<string, TraitIndex>();
  /** Timestamps as milliseconds since 1970 rounded up (NaN: none); counts and money as numbers. */
  readonly facts: Record<FactName, Column>;
  readonly granted = new Map<string, Bitmap>();
  readonly refused = new Map<string, Bitmap>();
  readonly channelRefused = new Map<string, Bitmap>();
  /** Stage recorded per UTC day: day number → stage → profile numbers. */
  readonly stageDaily = new Map<number, Map<string, Bitmap>>();
  readonly series = new Map<string, Series>();
  /** Events that carry coordinates (context.location): number, latitude, longitude, time (ms, rounded up). */
  geo = { num: [] as number[], lat: [] as number[], lon: [] as number[], at: [] as number[], seen: new Set<string>() };
  readonly locations = new Map<string, { latitude: number; longitude: number }>();
  /** Events before this instant (ms) are not in the index. */
  horizon_ms = 0;
  /** The first UTC day with stage records loaded. */
  stage_day_min = 0;
  /** Catch-up reads events received after this instant (ms) minus a margin. */
  watermark_ms = 0;
  loaded_at = new Date(0);
  load_ms = 0;
  /** Milliseconds each part of the load took. */
  load_phases: Record<string, number> = {};
  /** Bumped by every catch-up. */
  version = 0;

  constructor(
    readonly merchant_id: string,
    readonly capacity: number,
  ) {
    this.facts = Object.fromEntries(factNames.map((f) => [f, new Column(capacity)])) as Record<FactName, Column>;
  }

  trait(name: string): TraitIndex {
    let t = this.traits.get(name);
    if (t === undefined) this.traits.set(name, (t = new TraitIndex(this.capacity)));
    return t;
  }

  daySet(key: string, day: number): DaySet {
    let s = this.series.get(key);
    if (s === undefined) this.series.set(key, (s = new Map<number, DaySet>()));
    let d = s.get(day);
    if (d === undefined) s.set(day, (d = new DaySet()));
    return d;
  }

  /** Consumers of a set of profile numbers: live ones as they are, merged ones as the profile they went into. */
  consumers(profiles: Bitmap): Bitmap {
    const out = RoaringBitmap32.and(profiles, this.live);
    if (this.merged.isEmpty) return out;
    const merged = RoaringBitmap32.and(profiles, this.merged);
    for (const n of merged) {
      const into = this.mergedInto.get(n);
      if (into !== undefined && this.live.has(into)) out.add(into);
    }
    return out;
  }

  /** Approximate bytes held, by part. */
  memory(): Record<string, number> {
    const size = (bm: Bitmap) => bm.getSerializationSizeInBytes('portable');
    let events = 0;
    for (const s of this.series.values()) for (const d of s.values()) events += d.bytes();
    let traits = 0;
    for (const t of this.traits.values()) traits += t.bytes();
    let consent = 0;
    for (const m of [this.granted, this.refused, this.channelRefused]) for (const bm of m.values()) consent += size(bm);
    let stages = 0;
    for (const m of this.stageDaily.values()) for (const bm of m.values()) stages += size(bm);
    const facts = factNames.reduce((n, f) => n + this.facts[f].data.byteLength, 0);
    const profiles = size(this.live) + size(this.merged) + this.nums.size * 80 + this.mergedInto.size * 40;
    const geo = this.geo.num.length * 32;
    return { profiles, traits, facts, consent, stages, events, geo, total: profiles + traits + facts + consent + stages + events + geo };
  }
}

/** A big-endian int4 run (PostgreSQL's int4send, concatenated) as numbers. */
export function int4s(buf: Buffer): Uint32Array {
  const bytes = new Uint8Array(buf.length);
  bytes.set(buf);
  Buffer.from(bytes.buffer).swap32();
  return new Uint32Array(bytes.buffer);
}
