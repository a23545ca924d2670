import { patient, type SimulatorHttp, type SimResponse } from './http.js';

/**
 * What the simulator sets up through the API before shoppers walk in: the merchant's stores
 * (its own first, more created when asked for more), each with an entry gate, an exit gate and
 * shelves; the variants each store has in stock (topped up when asked); and shopper accounts,
 * each with a standing payment authorisation, whose consumer codes open the gates.
 */
export interface SimStore {
  location_id: string;
  name: string;
  entry_gate: string;
  exit_gate: string;
  shelves: string[];
  /** Units on the shelves that no shopper holds, by variant: picks never take more. */
  free: Map<string, number>;
  /** Sessions in the store now: who may stand close to whom. */
  active: Set<string>;
}

export interface SimConsumer {
  email: string;
  token: string;
  /** When the consumer's next code can be used (each code opens a gate once, in its window). */
  available_at: number;
}

export interface SimWorld {
  http: SimulatorHttp;
  secret_key: string;
  publishable_key: string;
  currency: string;
  stores: SimStore[];
  consumers: SimConsumer[];
}

export interface PrepareOptions {
  http: SimulatorHttp;
  secret_key: string;
  publishable_key: string;
  /** Stores to run unattended: the merchant's own stores first, then `SIM-<n>` stores created. */
  stores: number;
  /** These stores (of the merchant's), in place of its first ones. */
  location_ids?: readonly string[];
  /** Shopper accounts to create (each code opens one gate per 30 s window, so more accounts than concurrent shoppers). */
  consumers: number;
  /** Tops each variant up to at least this many units at each store (0: sells what the stores hold). */
  restock_to?: number;
  /** At most this many variants per store. */
  variants_per_store?: number;
  /** Names the shopper accounts; unique per run. */
  tag: string;
  log?: (line: string) => void;
}

export class SimulatorError extends Error {}

/** What a refusal says, for a message: its code and detail (problem+json), or the text. */
export function problemOf(body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const p = body as { code?: string; detail?: string; title?: string };
    return `${p.code ?? ''} ${p.detail ?? p.title ?? ''}`.trim();
  }
  return typeof body === 'string' ? body.slice(0, 300) : '';
}

export function expectStatus<T>(what: string, response: SimResponse<T>, ...ok: number[]): T {
  if (!ok.includes(response.status)) throw new SimulatorError(`${what}: ${response.status} ${problemOf(response.body)}`);
  return response.body;
}

/** Runs `work` over `items` with at most `concurrency` at once. */
export async function eachLimited<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        out[i] = await work(items[i]!, i);
      }
    }),
  );
  return out;
}

async function listAll<T>(http: SimulatorHttp, key: string, path: string): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const body: { data: T[]; next_cursor?: string | null } = expectStatus(`GET ${path}`, await http<{ data: T[]; next_cursor?: string | null }>('GET', `${path}${sep}limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`, { key }), 200);
    rows.push(...body.data);
    cursor = body.next_cursor ?? null;
    if (cursor === null) break;
  }
  return rows;
}

interface ListedProduct {
  variants: { id: string; status?: string; min_order_quantity?: number | null; prices: { currency: string; min_quantity?: number }[] }[];
}

const allDay = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ opens: '00:00', closes: '00:00' }]]));
const deviceNames = { entry_gate: 'Simulator entry gate', exit_gate: 'Simulator exit gate', shelf: 'Simulator shelf' } as const;

async function storesOf(o: PrepareOptions): Promise<{ id: string; name: string }[]> {
  const listed = (await listAll<{ id: string; name: string; code: string | null; active?: boolean }>(o.http, o.secret_key, '/v1/locations?kind=store')).filter((l) => l.active !== false);
  const chosen = o.location_ids;
  const existing = chosen === undefined ? listed : chosen.map((id) => listed.find((l) => l.id === id) ?? { id, name: id, code: null });
  const stores = existing.slice(0, o.stores).map((l) => ({ id: l.id, name: l.name }));
  for (let n = 1; stores.length < o.stores && chosen === undefined; n++) {
    const code = `SIM-${n}`;
    if (listed.some((l) => l.code === code)) continue;
    const created = expectStatus(
      `creating store ${code}`,
      await o.http<{ id: string; name: string }>('POST', '/v1/locations', {
        key: o.secret_key,
        body: { kind: 'store', code, name: `Simulated store ${n}`, address: { line1: `${n} Simulator Road`, city: 'Shanghai', country: 'CN' }, latitude: 31.2 + n / 1_000, longitude: 121.45 + n / 1_000, timezone: 'Asia/Shanghai', opening_hours: allDay },
      }),
      201,
    );
    stores.push({ id: created.id, name: created.name });
  }
  return stores;
}

async function devicesOf(o: PrepareOptions, location_id: string): Promise<{ entry_gate: string; exit_gate: string; shelves: string[] }> {
  // Devices belong to an unattended store: the store is made one first.
  expectStatus('making the store unattended', await o.http('PUT', `/v1/unattended-stores/${encodeURIComponent(location_id)}`, { key: o.secret_key, body: { unattended: true } }), 200);
  const listed = await listAll<{ id: string; kind: string; name: string }>(o.http, o.secret_key, `/v1/store-devices?location_id=${encodeURIComponent(location_id)}`);
  const find = (kind: string, name: string) => listed.find((d) => d.kind === kind && d.name === name)?.id;
  const ensure = async (kind: 'entry_gate' | 'exit_gate' | 'shelf', name: string): Promise<string> => {
    const found = find(kind, name);
    if (found !== undefined) return found;
    const created = expectStatus(`creating a ${kind} device`, await o.http<{ id: string }>('POST', '/v1/store-devices', { key: o.secret_key, body: { location_id, kind, name } }), 201, 200);
    return created.id;
  };
  return {
    entry_gate: await ensure('entry_gate', deviceNames.entry_gate),
    exit_gate: await ensure('exit_gate', deviceNames.exit_gate),
    shelves: [await ensure('shelf', `${deviceNames.shelf} 1`), await ensure('shelf', `${deviceNames.shelf} 2`)],
  };
}

async function stockOf(o: PrepareOptions, location_id: string, sellable: Set<string>): Promise<Map<string, number>> {
  const levels = await listAll<{ variant_id: string; available: number }>(o.http, o.secret_key, `/v1/stock?location_id=${encodeURIComponent(location_id)}`);
  const free = new Map<string, number>();
  for (const l of levels) if (sellable.has(l.variant_id)) free.set(l.variant_id, Math.max(0, Number(l.available)));
  const cap = o.variants_per_store ?? 20;
  const restock = o.restock_to ?? 0;
  const chosen = [...sellable].filter((v) => restock > 0 || (free.get(v) ?? 0) > 0).slice(0, cap);
  const out = new Map<string, number>();
  for (const variant_id of chosen) {
    const have = free.get(variant_id) ?? 0;
    if (restock > have) {
      expectStatus('restocking', await o.http('POST', '/v1/stock/receipts', { key: o.secret_key, body: { variant_id, location_id, quantity: restock - have, note: 'simulator restock' } }), 201);
      out.set(variant_id, restock);
    } else out.set(variant_id, have);
  }
  return out;
}

/** Sets up stores, devices, stock and shopper accounts through the API. */
export async function prepareWorld(options: PrepareOptions): Promise<SimWorld> {
  const o = { ...options, http: patient(options.http) };
  const log = o.log ?? (() => undefined);
  const merchant = expectStatus('GET /v1/merchant', await o.http<{ default_currency: string }>('GET', '/v1/merchant', { key: o.secret_key }), 200);
  const currency = merchant.default_currency;
  const products = await listAll<ListedProduct>(o.http, o.secret_key, '/v1/products?status=published');
  const sellable = new Set<string>();
  for (const p of products) for (const v of p.variants) if (v.status !== 'archived' && v.prices.some((pr) => pr.currency === currency && Number(pr.min_quantity ?? 1) <= 1) && Number(v.min_order_quantity ?? 1) <= 1) sellable.add(v.id);
  if (sellable.size === 0) throw new SimulatorError(`the merchant sells nothing published in ${currency}`);
  const stores: SimStore[] = [];
  for (const s of await storesOf(o)) {
    const devices = await devicesOf(o, s.id);
    const free = await stockOf(o, s.id, sellable);
    stores.push({ location_id: s.id, name: s.name, ...devices, free, active: new Set() });
  }
  log(`stores: ${stores.map((s) => `${s.name} (${s.free.size} variants, ${[...s.free.values()].reduce((a, b) => a + b, 0)} units)`).join('; ')}`);
  const consumers = await eachLimited(
    Array.from({ length: o.consumers }, (_, i) => i),
    8,
    async (i): Promise<SimConsumer> => {
      const email = `shopper-${o.tag}-${i + 1}@simulator.example`;
      const session = expectStatus('creating a shopper account', await o.http<{ token: string }>('POST', '/v1/account', { key: o.publishable_key, body: { email, name: `Simulated shopper ${i + 1}`, password: `simulated-${o.tag}-password` } }), 201);
      const token = session.token;
      expectStatus('authorising payments', await o.http('POST', '/v1/account/payment-authorisations', { key: o.publishable_key, consumer: token, body: { card: '4242424242424242', limit_minor: 100_000_000, currency } }), 201, 200);
      return { email, token, available_at: 0 };
    },
  );
  log(`${consumers.length} shopper accounts, each with a payment authorisation`);
  return { http: o.http, secret_key: o.secret_key, publishable_key: o.publishable_key, currency, stores, consumers };
}
