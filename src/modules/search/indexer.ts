import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { onEvents, type EventHandler } from '../../kernel/events/event.js';
import { getProduct, listProducts, pricesChanged, productCreated, productUpdated, variantLabels, type ProductWithVariants } from '../catalog/index.js';
import { getMerchant, listMerchants } from '../merchants/index.js';
import { analyse, type Analysed } from './text.js';
import { forgetVocabulary } from './vocabulary.js';

/** Products read and written per statement while indexing. */
const batch_size = 200;

interface DocumentRow {
  product_id: string;
  status: string;
  category_id: string | null;
  title: string;
  title_i18n: string;
  image_url: string | null;
  currency: string;
  price_min: string | null;
  price_max: string | null;
  attributes: string;
  variant_ids: string;
  product_updated_at: string;
  latin_a: string;
  zh_a: string;
  latin_b: string;
  zh_b: string;
  latin_c: string;
  zh_c: string;
  chars: string;
}

const zhPart = (a: Analysed) => [...a.words, ...a.pinyin.map((p) => p.term)].join(' ');

/** The attributes a search facets on and matches: each value as text. */
export function attributeText(attributes: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = String(value).slice(0, 200);
  }
  return out;
}

function documentOf(p: ProductWithVariants, currency: string): { row: DocumentRow; terms: Analysed[] } {
  const titleA = analyse([p.title, ...Object.values(p.title_i18n ?? {})].join(' '));
  const attributes = attributeText(p.attributes);
  const attrB = analyse(Object.values(attributes).join(' '));
  const descC = analyse(p.description ?? '');
  const active = p.variants.filter((v) => v.status === 'active');
  const prices = active.flatMap((v) => v.prices.filter((x) => x.currency === currency && x.min_quantity === 1).map((x) => x.amount_minor));
  const min = prices.length === 0 ? null : prices.reduce((a, b) => (a < b ? a : b));
  const max = prices.length === 0 ? null : prices.reduce((a, b) => (a > b ? a : b));
  const chars = new Set([...titleA.chars, ...attrB.chars, ...descC.chars]);
  return {
    row: {
      product_id: p.id,
      status: p.status,
      category_id: p.category_id,
      title: p.title,
      title_i18n: JSON.stringify(p.title_i18n ?? {}),
      image_url: p.images[0] ?? null,
      currency,
      price_min: min === null ? null : String(min),
      price_max: max === null ? null : String(max),
      attributes: JSON.stringify(attributes),
      variant_ids: JSON.stringify(active.map((v) => v.id)),
      product_updated_at: p.updated_at.toISOString(),
      latin_a: titleA.latin.join(' '),
      zh_a: zhPart(titleA),
      latin_b: attrB.latin.join(' '),
      zh_b: zhPart(attrB),
      latin_c: descC.latin.join(' '),
      zh_c: zhPart(descC),
      chars: [...chars].join(' '),
    },
    terms: [titleA, attrB, descC],
  };
}

/** Writes the search documents of these products (as read from the catalog) and their words. */
export async function writeDocuments(db: AnyDb, merchant_id: string, products: readonly ProductWithVariants[]): Promise<void> {
  if (products.length === 0) return;
  const currency = (await getMerchant(db, merchant_id))?.default_currency ?? 'EUR';
  const docs = products.map((p) => documentOf(p, currency));
  const rows = docs.map((d) => d.row);
  await sql`
    insert into search_document (merchant_id, product_id, status, category_id, title, title_i18n, image_url, currency, price_min, price_max, attributes, variant_ids, doc, product_updated_at, indexed_at)
    select ${merchant_id}, r.product_id, r.status, r.category_id, r.title, r.title_i18n::jsonb, r.image_url, r.currency, r.price_min::bigint, r.price_max::bigint, r.attributes::jsonb,
           array(select jsonb_array_elements_text(r.variant_ids::jsonb)),
           setweight(to_tsvector('english', r.latin_a) || to_tsvector('simple', r.zh_a), 'A') ||
           setweight(to_tsvector('english', r.latin_b) || to_tsvector('simple', r.zh_b), 'B') ||
           setweight(to_tsvector('english', r.latin_c) || to_tsvector('simple', r.zh_c), 'C') ||
           setweight(to_tsvector('simple', r.chars), 'D'),
           r.product_updated_at::timestamptz, now()
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(product_id text, status text, category_id text, title text, title_i18n text, image_url text, currency text, price_min text, price_max text, attributes text, variant_ids text, product_updated_at text, latin_a text, zh_a text, latin_b text, zh_b text, latin_c text, zh_c text, chars text)
    on conflict (merchant_id, product_id) do update set
      status = excluded.status, category_id = excluded.category_id, title = excluded.title, title_i18n = excluded.title_i18n, image_url = excluded.image_url,
      currency = excluded.currency, price_min = excluded.price_min, price_max = excluded.price_max, attributes = excluded.attributes, variant_ids = excluded.variant_ids,
      doc = excluded.doc, product_updated_at = excluded.product_updated_at, indexed_at = now()`.execute(db);

  const latin = new Set<string>();
  const pinyin = new Map<string, { term: string; word: string; kind: 'pinyin' | 'pinyin_name' }>();
  for (const d of docs) {
    for (const a of d.terms) {
      for (const w of a.latin) if (w.length >= 2 && w.length <= 40 && !/^\d+$/.test(w)) latin.add(w);
      const names = new Set(a.names.map((n) => n.word));
      for (const p of a.pinyin) {
        const key = `${p.term}|${p.word}`;
        // A dictionary word of one text wins over the same word found only by the HMM in another.
        if (!names.has(p.word)) pinyin.set(key, { ...p, kind: 'pinyin' });
        else if (!pinyin.has(key)) pinyin.set(key, { ...p, kind: 'pinyin_name' });
      }
    }
  }
  let added = 0;
  if (latin.size > 0) {
    const res = await sql`
      insert into search_term (merchant_id, kind, term, word)
      select ${merchant_id}, 'latin', w, coalesce((select lexeme from unnest(to_tsvector('english', w)) limit 1), w)
        from unnest(${[...latin]}::text[]) as w
      on conflict do nothing`.execute(db);
    added += Number(res.numAffectedRows ?? 0n);
  }
  if (pinyin.size > 0) {
    const list = [...pinyin.values()];
    const res = await sql`
      insert into search_term (merchant_id, kind, term, word)
      select ${merchant_id}, k, t, w from unnest(${list.map((p) => p.kind)}::text[], ${list.map((p) => p.term)}::text[], ${list.map((p) => p.word)}::text[]) as x(k, t, w)
      on conflict do nothing`.execute(db);
    added += Number(res.numAffectedRows ?? 0n);
  }
  // New words: this process's searches ask the vocabulary again (docs/SEARCH.md, caches).
  if (added > 0) forgetVocabulary(merchant_id);
}

/** Re-reads these products from the catalog and rewrites their documents; a product gone is removed. */
export async function indexProducts(db: AnyDb, merchant_id: string, product_ids: readonly string[]): Promise<number> {
  const ids = [...new Set(product_ids)];
  let written = 0;
  for (let i = 0; i < ids.length; i += batch_size) {
    const chunk = ids.slice(i, i + batch_size);
    const found = (await Promise.all(chunk.map((id) => getProduct(db, merchant_id, id)))).filter((p): p is ProductWithVariants => p !== undefined);
    await writeDocuments(db, merchant_id, found);
    const gone = chunk.filter((id) => !found.some((p) => p.id === id));
    if (gone.length > 0) await sql`delete from search_document where merchant_id = ${merchant_id} and product_id = any(${gone}::text[])`.execute(db);
    written += found.length;
  }
  return written;
}

/**
 * Rebuilds a brand's index from its whole catalogue (its vocabulary too, so words no product
 * uses any more go). `onProgress` gets the products indexed so far.
 */
export async function reindexMerchant(db: AnyDb, merchant_id: string, onProgress?: (done: number) => void): Promise<number> {
  const started = new Date();
  await sql`delete from search_term where merchant_id = ${merchant_id}`.execute(db);
  forgetVocabulary(merchant_id);
  let after: string | undefined;
  let done = 0;
  for (;;) {
    const page = await listProducts(db, merchant_id, { limit: batch_size, after_id: after });
    if (page.length === 0) break;
    await writeDocuments(db, merchant_id, page);
    done += page.length;
    onProgress?.(done);
    after = page.at(-1)!.id;
    if (page.length < batch_size) break;
  }
  // Documents not rewritten by this pass are of products that no longer exist.
  await sql`delete from search_document where merchant_id = ${merchant_id} and indexed_at < ${started}`.execute(db);
  forgetVocabulary(merchant_id);
  return done;
}

export async function reindexAll(db: AnyDb, onMerchant?: (merchant_id: string, products: number) => void): Promise<number> {
  let total = 0;
  for (const m of await listMerchants(db)) {
    const n = await reindexMerchant(db, m.id);
    onMerchant?.(m.id, n);
    total += n;
  }
  return total;
}

/**
 * Products whose document is missing or older than the product (an event lost, a database
 * restored, the index created after the catalogue): found with one anti-join, read-only on the
 * catalogue's product keys and times, and indexed. Bounded per run.
 */
export async function indexMissing(db: AnyDb, limit = 500): Promise<number> {
  const rows = await sql<{ merchant_id: string; id: string }>`
    select p.merchant_id, p.id from product p
      left join search_document d on d.merchant_id = p.merchant_id and d.product_id = p.id
     where d.product_id is null or d.product_updated_at < date_trunc('milliseconds', p.updated_at)
     limit ${limit}`.execute(db);
  const byMerchant = new Map<string, string[]>();
  for (const r of rows.rows) byMerchant.set(r.merchant_id, [...(byMerchant.get(r.merchant_id) ?? []), r.id]);
  let n = 0;
  for (const [merchant_id, ids] of byMerchant) n += await indexProducts(db, merchant_id, ids);
  return n;
}

/** The catalog's events keep the index current: a run of events is one re-read per product. */
export function searchHandlers(db: AnyDb): EventHandler[] {
  const byMerchant = (events: readonly { merchant_id: string | null; product_id: string }[]) => {
    const map = new Map<string, Set<string>>();
    for (const e of events) if (e.merchant_id !== null) map.set(e.merchant_id, (map.get(e.merchant_id) ?? new Set()).add(e.product_id));
    return map;
  };
  const reindex = async (events: readonly { merchant_id: string | null; product_id: string }[]) => {
    for (const [merchant_id, ids] of byMerchant(events)) await indexProducts(db, merchant_id, [...ids]);
  };
  return [
    onEvents(productCreated, 'search.product_created', (events) => reindex(events.map((e) => ({ merchant_id: e.merchant_id, product_id: e.payload.product_id })))),
    onEvents(productUpdated, 'search.product_updated', (events) => reindex(events.map((e) => ({ merchant_id: e.merchant_id, product_id: e.payload.product_id })))),
    onEvents(pricesChanged, 'search.prices_changed', async (events) => {
      const variants = new Map<string, string[]>();
      for (const e of events) if (e.merchant_id !== null) variants.set(e.merchant_id, [...(variants.get(e.merchant_id) ?? []), e.payload.variant_id]);
      for (const [merchant_id, ids] of variants) {
        const labels = await variantLabels(db, merchant_id, ids);
        await indexProducts(db, merchant_id, [...labels.values()].map((l) => l.product_id));
      }
    }),
  ];
}
