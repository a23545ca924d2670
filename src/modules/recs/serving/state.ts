import { sql } from 'kysely';
import pg from 'pg';
import type { AnyDb } from '../../../kernel/db.js';
import { productFacts, product_facts_page_max, type ProductFacts } from '../../catalog/index.js';
import { databank_changed_channel } from '../../databank/index.js';
import { parseStockChanged, stock_changed_channel } from '../../inventory/index.js';
import { listLocations, type Location } from '../../locations/index.js';
import { getMerchant } from '../../merchants/index.js';
import { listRules, type RecRule } from './rules.js';
import { StockSnapshot } from './stock.js';

/**
 * Each brand's serving state, held in memory by every server process: the lists of the current
 * training (rec_current), the facts of its products (status, titles, prices, first image,
 * category, repeat purchase, variants), its pins and exclusions, its stores, and what the events
 * since the training add: co-occurrence neighbours of items seen in the same sessions (a new
 * product's first interactions give it neighbours) and recent counts per store (trending).
 *
 * Loaded on a brand's first request, then caught up: on LISTEN `recs_changed` (a new training, a
 * rule) and `cdp_changed` (the data bank's ingest commits) when a listener runs, and in any case
 * when the state is older than `check_ms` at a request (so a process without the listener, a
 * cluster worker or a test, is right too). Stock is held apart (`ServingStates.stockOf`, a
 * `StockSnapshot` per brand kept exact by LISTEN `stock_changed`) while the listener runs;
 * without it answers check stock in PostgreSQL at the time of answering.
 */
export const recs_changed_channel = 'recs_changed';

/** Interactions read from the data bank, with their weight (docs/RECS.md). */
export const interaction_weights: Readonly<Record<string, number>> = {
  'Product Viewed': 1,
  'Product Clicked': 1,
  'Product Added to Wishlist': 2,
  'Product Added': 3,
  'Order Completed': 4,
  'Order Paid': 4,
};
export const interaction_events = Object.keys(interaction_weights);
export const purchase_events = ['Order Completed', 'Order Paid'];

/** Two interactions of one profile this close in time are one session (co-occurrence). */
export const session_gap_ms = 30 * 60_000;
/** Recent products kept per profile to pair new events with. */
const session_items_max = 20;
/** Profiles whose sessions are held; the oldest are dropped beyond it. */
const session_profiles_max = 100_000;
/** Fresh neighbours kept per product, strongest first. */
const fresh_neighbours_max = 50;
/** Events read when loading (the most recent) and per catch-up round. */
const load_events_max = 200_000;
const catch_up_events_max = 50_000;
/** Trending counts the interactions of this many last days. */
export const trending_days = 7;
/** Trending items kept sorted per place: answers never need more. */
const trending_sorted_max = 500;
/** Catch-up re-reads events received this long before its watermark (batches that committed late). */
const catch_up_margin_ms = 10_000;
/** A state is rebuilt whole this often (trending window, dropped sessions). */
const rebuild_ms = 15 * 60_000;
const products_max = 1_000_000;
const stores_max = 10_000;

export type Scored = [product_id: string, score: number];

export interface ServedProduct {
  id: string;
  title: string;
  title_i18n: Record<string, string>;
  status: ProductFacts['status'];
  category_id: string | null;
  repeat_purchase: boolean;
  image_url: string | null;
  price: { amount_minor: bigint; currency: string } | null;
  created_at: Date;
  /** Active variants: the product is in stock where one of them is. */
  variant_ids: string[];
}

interface Session {
  items: { product_id: string; at_ms: number }[];
}

export class MerchantState {
  training_id: string | null = null;
  model: string | null = null;
  trained_at: Date | null = null;
  readonly products = new Map<string, ServedProduct>();
  readonly variantProduct = new Map<string, string>();
  similar = new Map<string, Scored[]>();
  together = new Map<string, Scored[]>();
  popular = new Map<string, Scored[]>();
  rules: RecRule[] = [];
  stores: Location[] = [];
  /** Co-occurrence in sessions since the load (weight: the smaller of the two interactions' weights). */
  readonly fresh = new Map<string, Map<string, number>>();
  readonly sessions = new Map<string, Session>();
  /** Interactions per product of the last `trending_days` days: `*` for all, or per location. */
  readonly trending = new Map<string, Map<string, number>>();
  /** `trendingAt`'s answers, dropped by every catch-up that adds events. */
  readonly trendingSorted = new Map<string, Scored[]>();
  /**
   * Candidates of answers that depend on the state only (trending at a place, a new consumer's,
   * similar, bought together), by placement and key, for `memo_ms` (answer.ts); emptied by every
   * catch-up and every new training, so an answer never ranks from an older state than before.
   */
  readonly memo = new Map<string, { at_ms: number; value: unknown }>();
  /** Products newest first (published ones), for `new_arrival` and the last fallback. */
  newest: string[] = [];
  loaded_at = 0;
  checked_at = 0;
  /** Events received up to this instant (ms) were read. */
  events_watermark_ms = 0;
  catalog_watermark: Date = new Date(0);
  private readonly seen = new Map<string, number>();
  catching: Promise<void> | undefined;
  again = false;
  /** Catch-ups done, and when the last one finished (ms): `freshness` in the bench reads them. */
  catch_ups = 0;
  /**
   * Consumers' trained "for you" lists of `training_id`, by profile (`userList`): a training's
   * lists never change once it is current, so they are kept (the least recently used dropped
   * beyond `user_lists_max`); a new training empties it (`loadLists`).
   */
  readonly userLists = new Map<string, [string, number, string | null][]>();

  constructor(
    readonly merchant_id: string,
    readonly currency: string,
  ) {}

  productsOfVariants(variant_ids: readonly string[]): string[] {
    return variant_ids.map((v) => this.variantProduct.get(v)).filter((p): p is string => p !== undefined);
  }

  setProduct(f: ProductFacts): void {
    const variants = f.variants.filter((v) => v.status === 'active');
    const prices = variants.flatMap((v) => v.prices.filter((p) => p.currency === this.currency));
    const cheapest = prices.reduce<(typeof prices)[number] | undefined>((min, p) => (min === undefined || p.amount_minor < min.amount_minor ? p : min), undefined);
    const repeat = f.attributes.repeat_purchase;
    this.products.set(f.id, {
      id: f.id,
      title: f.title,
      title_i18n: f.title_i18n,
      status: f.status,
      category_id: f.category_id,
      repeat_purchase: repeat === true || repeat === 'true',
      image_url: f.image,
      price: cheapest === undefined ? null : { amount_minor: cheapest.amount_minor, currency: cheapest.currency },
      created_at: new Date(f.created_at),
      variant_ids: variants.map((v) => v.id),
    });
    for (const v of f.variants) this.variantProduct.set(v.id, f.id);
  }

  sortNewest(): void {
    this.newest = [...this.products.values()]
      .filter((p) => p.status === 'published')
      .sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? 1 : -1))
      .map((p) => p.id);
  }

  /** The fresh neighbours of a product, strongest first. */
  freshNeighbours(product_id: string): Scored[] {
    const m = this.fresh.get(product_id);
    if (m === undefined) return [];
    return [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, fresh_neighbours_max);
  }

  /** A place's trending items, strongest first (at most `trending_sorted_max`), sorted once per catch-up. */
  trendingAt(key: string): Scored[] {
    const cached = this.trendingSorted.get(key);
    if (cached !== undefined) return cached;
    const m = this.trending.get(key);
    const sorted = m === undefined ? [] : [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, trending_sorted_max);
    this.trendingSorted.set(key, sorted);
    return sorted;
  }

  /** Adds one interaction (idempotent by event ID). */
  addEvent(e: EventRow, now_ms: number): void {
    if (this.seen.has(e.id)) return;
    this.seen.set(e.id, e.received_ms);
    const weight = interaction_weights[e.event] ?? 0;
    const products = this.eventProducts(e);
    const at_ms = e.occurred_ms;
    for (const product_id of products) {
      if (at_ms >= now_ms - trending_days * 86_400_000) {
        bump(this.trending, '*', product_id, weight);
        if (e.location_id !== null) bump(this.trending, e.location_id, product_id, weight);
      }
      this.addToSession(e.profile_id, product_id, at_ms, weight);
    }
  }

  private eventProducts(e: EventRow): string[] {
    if (e.product_id !== null) return [e.product_id];
    return e.variant_ids === null ? [] : [...new Set(this.productsOfVariants(e.variant_ids))];
  }

  private addToSession(profile_id: string, product_id: string, at_ms: number, weight: number): void {
    let s = this.sessions.get(profile_id);
    if (s === undefined) {
      if (this.sessions.size >= session_profiles_max) this.sessions.delete(this.sessions.keys().next().value!);
      this.sessions.set(profile_id, (s = { items: [] }));
    }
    for (const other of s.items) {
      if (other.product_id === product_id || Math.abs(other.at_ms - at_ms) > session_gap_ms) continue;
      const w = Math.min(weight, 4);
      bump(this.fresh, product_id, other.product_id, w);
      bump(this.fresh, other.product_id, product_id, w);
    }
    s.items.push({ product_id, at_ms });
    if (s.items.length > session_items_max) s.items.shift();
  }

  pruneSeen(before_ms: number): void {
    for (const [id, at] of this.seen) if (at < before_ms) this.seen.delete(id);
  }
}

function bump(map: Map<string, Map<string, number>>, key: string, product_id: string, by: number): void {
  let m = map.get(key);
  if (m === undefined) map.set(key, (m = new Map<string, number>()));
  m.set(product_id, (m.get(product_id) ?? 0) + by);
}

export interface EventRow {
  id: string;
  profile_id: string;
  event: string;
  product_id: string | null;
  variant_ids: string[] | null;
  location_id: string | null;
  occurred_ms: number;
  received_ms: number;
}

const eventColumns = sql`e.id, e.profile_id, e.event, e.properties->>'product_id' as product_id,
  case when jsonb_typeof(e.properties->'products') = 'array' then (select array_agg(x->>'variant_id') from jsonb_array_elements(e.properties->'products') x where x->>'variant_id' is not null) end as variant_ids,
  coalesce(e.properties->>'location_id', e.context->>'location_id') as location_id,
  (extract(epoch from e.occurred_at) * 1000)::float8 as occurred_ms, (extract(epoch from e.received_at) * 1000)::float8 as received_ms`;

/** Reads the current training's lists (none yet: empty lists, answers fall back to popularity). */
async function loadLists(db: AnyDb, state: MerchantState): Promise<void> {
  const current = await sql<{ training_id: string; t: Record<string, unknown> | null }>`
    select c.training_id, (select to_jsonb(t) from rec_training t where t.merchant_id = c.merchant_id and t.id = c.training_id) as t
      from rec_current c where c.merchant_id = ${state.merchant_id}`.execute(db);
  const row = current.rows[0];
  const similar = new Map<string, Scored[]>();
  const together = new Map<string, Scored[]>();
  const popular = new Map<string, Scored[]>();
  if (row !== undefined) {
    const lists = await sql<{ kind: string; key: string; items: Scored[] }>`
      select kind, key, items from rec_item_list where merchant_id = ${state.merchant_id} and training_id = ${row.training_id}`.execute(db);
    for (const l of lists.rows) (l.kind === 'similar' ? similar : l.kind === 'together' ? together : popular).set(l.key, l.items.map(([p, s]) => [String(p), Number(s)]));
  }
  state.similar = similar;
  state.together = together;
  state.userLists.clear();
  state.memo.clear();
  state.popular = popular;
  state.training_id = row?.training_id ?? null;
  const t = row?.t ?? null;
  state.model = typeof t?.chosen_model === 'string' ? t.chosen_model : null;
  const at = t?.finished_at ?? t?.created_at;
  state.trained_at = typeof at === 'string' ? new Date(at) : null;
}

async function currentTrainingId(db: AnyDb, merchant_id: string): Promise<string | null> {
  const rows = await sql<{ training_id: string }>`select training_id from rec_current where merchant_id = ${merchant_id}`.execute(db);
  return rows.rows[0]?.training_id ?? null;
}

async function loadProducts(db: AnyDb, state: MerchantState, changed_since?: Date): Promise<void> {
  let after_id: string | undefined;
  for (let read = 0; read < products_max; read += product_facts_page_max) {
    const page = await productFacts(db, state.merchant_id, { after_id, changed_since, limit: product_facts_page_max });
    for (const f of page) {
      state.setProduct(f);
      if (f.updated_at > state.catalog_watermark) state.catalog_watermark = f.updated_at;
      if (f.created_at > state.catalog_watermark) state.catalog_watermark = f.created_at;
    }
    if (page.length < product_facts_page_max) break;
    after_id = page.at(-1)!.id;
  }
  state.sortNewest();
}

async function readEvents(db: AnyDb, merchant_id: string, since_ms: number, limit: number, occurred_since_ms?: number): Promise<EventRow[]> {
  const rows = await sql<EventRow>`
    select ${eventColumns} from cdp_event e
     where e.merchant_id = ${merchant_id} and e.received_at > ${new Date(since_ms)} and e.type = 'track' and e.event = any(${interaction_events}::text[])
       and (${occurred_since_ms === undefined ? null : new Date(occurred_since_ms)}::timestamptz is null or e.occurred_at > ${occurred_since_ms === undefined ? null : new Date(occurred_since_ms)}::timestamptz)
     order by e.received_at desc limit ${limit}`.execute(db);
  return rows.rows.reverse();
}

/** Loads a brand's whole state. */
export async function loadState(db: AnyDb, merchant_id: string): Promise<MerchantState> {
  const started = Date.now();
  const merchant = await getMerchant(db, merchant_id);
  const state = new MerchantState(merchant_id, merchant?.default_currency ?? 'EUR');
  await loadLists(db, state);
  await loadProducts(db, state);
  state.rules = await listRules(db, merchant_id, { limit: 10_000 });
  state.stores = (await listLocations(db, merchant_id, { kind: 'store', limit: stores_max })).filter((l) => l.active);
  // The last days' interactions (trending), which also seed the sessions for co-occurrence.
  const since = started - trending_days * 86_400_000;
  const events = await readEvents(db, merchant_id, since, load_events_max, since);
  for (const e of events) state.addEvent(e, started);
  state.events_watermark_ms = Math.max(started - catch_up_margin_ms, ...events.slice(-1).map((e) => e.received_ms));
  state.loaded_at = started;
  state.checked_at = started;
  return state;
}

/** Brings a state up to date: a new training, changed products, rules, the events since. */
export async function catchUpState(db: AnyDb, state: MerchantState): Promise<void> {
  const started = Date.now();
  if ((await currentTrainingId(db, state.merchant_id)) !== state.training_id) await loadLists(db, state);
  await loadProducts(db, state, new Date(state.catalog_watermark.getTime() - catch_up_margin_ms));
  state.rules = await listRules(db, state.merchant_id, { limit: 10_000 });
  const events = await readEvents(db, state.merchant_id, state.events_watermark_ms - catch_up_margin_ms, catch_up_events_max);
  for (const e of events) state.addEvent(e, started);
  if (events.length > 0) state.trendingSorted.clear();
  const last = events.at(-1)?.received_ms;
  if (last !== undefined && last > state.events_watermark_ms) state.events_watermark_ms = last;
  state.pruneSeen(state.events_watermark_ms - 2 * catch_up_margin_ms);
  state.memo.clear();
  state.checked_at = started;
  state.catch_ups++;
}

export interface ServingOptions {
  /** Without a listener, a request catches the state up first when it is older than this. */
  check_ms: number;
  /** With a listener, a state older than this is caught up in the background (a missed notification). */
  listening_check_ms: number;
}

type Slot = { state: 'loading'; done: Promise<MerchantState> } | { state: 'ready'; value: MerchantState };

/** The serving states of one database (one per platform; tests run several in one process). */
export class ServingStates {
  private readonly slots = new Map<string, Slot>();
  private readonly stocks = new Map<string, StockSnapshot>();
  private listeningNow = false;
  options: ServingOptions = { check_ms: 1_000, listening_check_ms: 30_000 };

  constructor(private readonly db: AnyDb) {}

  /** The brand's state, loaded on first use and caught up as `options` say. */
  async get(merchant_id: string): Promise<MerchantState> {
    const slot = this.slots.get(merchant_id);
    if (slot === undefined) return this.load(merchant_id);
    if (slot.state === 'loading') return slot.done;
    const state = slot.value;
    const age = Date.now() - state.checked_at;
    if (Date.now() - state.loaded_at > rebuild_ms) {
      // One rebuild at a time: the requests meanwhile answer from this state.
      state.loaded_at = Date.now();
      this.load(merchant_id).catch(() => undefined);
    }
    if (this.listening) {
      // A failed background catch-up leaves the state as it was; the next one tries again.
      if (age > this.options.listening_check_ms) this.catchUp(merchant_id).catch(() => undefined);
    } else if (age >= this.options.check_ms) {
      await this.catchUp(merchant_id);
    }
    return state;
  }

  /** Whether a listener runs (`RecsListener`): catch-ups come from notifications, and stock is held in memory. */
  get listening(): boolean {
    return this.listeningNow;
  }

  set listening(on: boolean) {
    this.listeningNow = on;
    // Without the listener no notification keeps a snapshot exact: answers probe PostgreSQL again.
    if (!on) this.stocks.clear();
  }

  /**
   * The brand's stock snapshot while the listener runs, loaded on first use (in the background:
   * undefined until then, and answers probe PostgreSQL meanwhile); undefined without a listener.
   */
  stockOf(merchant_id: string): StockSnapshot | undefined {
    if (!this.listeningNow) return undefined;
    const existing = this.stocks.get(merchant_id);
    if (existing !== undefined && !existing.broken) return existing.ready ? existing : undefined;
    const snapshot = new StockSnapshot(this.db, merchant_id);
    this.stocks.set(merchant_id, snapshot);
    snapshot.load().catch(() => {
      if (this.stocks.get(merchant_id) === snapshot) this.stocks.delete(merchant_id);
    });
    return undefined;
  }

  /** The brand's snapshot as it is (loaded or not), without creating one: tests and the benchmark. */
  peekStock(merchant_id: string): StockSnapshot | undefined {
    return this.stocks.get(merchant_id);
  }

  /** A `stock_changed` notification: the level is re-read by its brand's snapshot (none held: nothing to do). */
  stockChanged(payload: string | undefined): void {
    const key = parseStockChanged(payload);
    if (key === undefined) return;
    if (key === 'all') return this.stocks.clear();
    this.stocks.get(key.merchant_id)?.changed(key.variant_id, key.location_id);
  }

  /** The brand's state if loaded (no load, no catch-up). */
  peek(merchant_id: string): MerchantState | undefined {
    const slot = this.slots.get(merchant_id);
    return slot?.state === 'ready' ? slot.value : undefined;
  }

  private load(merchant_id: string): Promise<MerchantState> {
    const previous = this.slots.get(merchant_id);
    const done = loadState(this.db, merchant_id).then(
      (value) => {
        this.slots.set(merchant_id, { state: 'ready', value });
        return value;
      },
      (error: unknown) => {
        if (previous?.state === 'ready') this.slots.set(merchant_id, previous);
        else this.slots.delete(merchant_id);
        throw error;
      },
    );
    // A rebuild keeps answering from the state it replaces.
    if (previous?.state !== 'ready') this.slots.set(merchant_id, { state: 'loading', done });
    else done.catch(() => undefined);
    return done;
  }

  /** Catches a loaded brand up; a notification arriving meanwhile makes one more round. */
  catchUp(merchant_id: string): Promise<void> {
    const state = this.peek(merchant_id);
    if (state === undefined) return Promise.resolve();
    if (state.catching !== undefined) {
      state.again = true;
      return state.catching;
    }
    state.catching = (async () => {
      try {
        do {
          state.again = false;
          await catchUpState(this.db, state);
        } while (state.again);
      } finally {
        state.catching = undefined;
      }
    })();
    return state.catching;
  }

  forget(merchant_id: string): void {
    this.slots.delete(merchant_id);
  }
}

const registries = new WeakMap<object, ServingStates>();

/** The serving states of this database (created on first use). */
export function servingStates(db: AnyDb): ServingStates {
  let s = registries.get(db);
  if (s === undefined) registries.set(db, (s = new ServingStates(db)));
  return s;
}

/**
 * LISTEN `recs_changed`, `cdp_changed` and `stock_changed` on a connection of its own, catching up the brand named
 * by each notification. Started and stopped by the server (src/platform/server.ts).
 */
export class RecsListener {
  private client: pg.Client | undefined;

  constructor(
    private readonly database: { db: AnyDb; url: string },
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    const states = servingStates(this.database.db);
    const client = new pg.Client({ connectionString: this.database.url, application_name: 'openbos-recs' });
    client.on('notification', (n) => {
      if (n.payload === undefined || n.payload === '') return;
      if (n.channel === stock_changed_channel) return states.stockChanged(n.payload);
      states.catchUp(n.payload).catch(this.onError);
    });
    client.on('error', (error) => {
      states.listening = false;
      this.onError(error);
    });
    await client.connect();
    await client.query(`listen ${recs_changed_channel}`);
    await client.query(`listen ${databank_changed_channel}`);
    // Before any snapshot loads (they load only while listening): no change can fall between.
    await client.query(`listen ${stock_changed_channel}`);
    this.client = client;
    states.listening = true;
  }

  async stop(): Promise<void> {
    servingStates(this.database.db).listening = false;
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
