import { sql } from 'kysely';
import type { AnyDb } from '../../src/kernel/db.js';

/** A data bank event planted straight into `cdp_event` (what ingestion would store). */
export interface PlantedEvent {
  profile_id: string;
  event: string;
  properties: Record<string, unknown>;
  /** Unix seconds. */
  at: number;
  type?: string;
  context?: Record<string, unknown>;
}

let counter = 0;

export async function plantEvents(db: AnyDb, merchant_id: string, events: readonly PlantedEvent[]): Promise<void> {
  for (let b = 0; b < events.length; b += 5_000) {
    const batch = events.slice(b, b + 5_000);
    await sql`
      insert into cdp_event (merchant_id, id, message_id, type, event, profile_id, properties, context, occurred_at, received_at)
      select ${merchant_id}, 'evt_' || m, m, t, e, p, props::jsonb, ctx::jsonb, to_timestamp(at), now()
      from unnest(${batch.map(() => `msg-${process.pid}-${++counter}`)}::text[], ${batch.map((e) => e.type ?? 'track')}::text[], ${batch.map((e) => e.event)}::text[],
                  ${batch.map((e) => e.profile_id)}::text[], ${batch.map((e) => JSON.stringify(e.properties))}::text[], ${batch.map((e) => JSON.stringify(e.context ?? {}))}::text[],
                  ${batch.map((e) => e.at)}::float8[]) as x(m, t, e, p, props, ctx, at)`.execute(db);
  }
}

/** A catalog product with one variant `<id>-v`, planted straight into the catalog's tables. */
export async function plantProduct(db: AnyDb, merchant_id: string, id: string, options: { category_id?: string; repeat?: boolean } = {}): Promise<{ product_id: string; variant_id: string }> {
  await sql`insert into product (merchant_id, id, title, status, category_id, attributes)
    values (${merchant_id}, ${id}, ${`Product ${id}`}, 'published', ${options.category_id ?? null}, ${JSON.stringify(options.repeat === true ? { repeat_purchase: true } : {})}::jsonb)`.execute(db);
  await sql`insert into variant (merchant_id, id, product_id, sku, title) values (${merchant_id}, ${`${id}-v`}, ${id}, ${`SKU-${id}`}, '')`.execute(db);
  return { product_id: id, variant_id: `${id}-v` };
}

export async function plantCategory(db: AnyDb, merchant_id: string, id: string): Promise<string> {
  await sql`insert into category (merchant_id, id, name) values (${merchant_id}, ${id}, ${`Category ${id}`})`.execute(db);
  return id;
}

const day = 86_400;
export const t0 = Date.UTC(2026, 9, 1) / 1000;

/**
 * Two groups of products viewed by two groups of consumers over 30 days: A products `pa1..pa5`
 * (category `cat-a`), B products `pb1..pb5` (`cat-b`); consumers `c0..c29` view A, `c30..c59`
 * view B. `c0` bought pa1 (an imported order); `pa2` is a repeat purchase that `c1` bought; three
 * platform orders hold pa1 and pb1 together (variants mapped to products).
 */
export async function plantCoViews(db: AnyDb, merchant_id: string): Promise<void> {
  await plantCategory(db, merchant_id, 'cat-a');
  await plantCategory(db, merchant_id, 'cat-b');
  for (let n = 1; n <= 5; n++) {
    await plantProduct(db, merchant_id, `pa${n}`, { category_id: 'cat-a', repeat: n === 2 });
    await plantProduct(db, merchant_id, `pb${n}`, { category_id: 'cat-b' });
  }
  const events: PlantedEvent[] = [];
  for (let c = 0; c < 60; c++) {
    const group = c < 30 ? 'pa' : 'pb';
    for (let j = 0; j < 4; j++) {
      const item = `${group}${((c + j) % 5) + 1}`;
      events.push({ profile_id: `c${c}`, event: j % 2 === 0 ? 'Product Viewed' : 'Product Clicked', properties: { product_id: item }, at: t0 + ((c * 7 + j * 5) % 30) * day + j * 60 });
    }
  }
  events.push({ profile_id: 'c0', event: 'Order Completed', properties: { product_id: 'pa1', amount_minor: 1000 }, context: { source: 'taobao-import' }, at: t0 + 2 * day });
  events.push({ profile_id: 'c1', event: 'Order Completed', properties: { product_id: 'pa2', amount_minor: 1000 }, context: { source: 'taobao-import' }, at: t0 + 3 * day });
  for (const c of ['c2', 'c31', 'c32']) {
    events.push({ profile_id: c, event: 'Order Paid', properties: { order_id: `ord-${c}`, amount_minor: 2000, products: [{ variant_id: 'pa1-v', quantity: 1 }, { variant_id: 'pb1-v', quantity: 1 }] }, context: { source: 'openbos' }, at: t0 + 10 * day });
    // The platform's copy of the finished order, which must not count twice.
    events.push({ profile_id: c, event: 'Order Completed', properties: { order_id: `ord-${c}`, amount_minor: 2000, products: [{ variant_id: 'pa1-v', quantity: 1 }] }, context: { source: 'openbos' }, at: t0 + 12 * day });
  }
  await plantEvents(db, merchant_id, events);
}
