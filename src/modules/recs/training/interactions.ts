import { sql } from 'kysely';
import type { AnyDb } from '../../../kernel/db.js';
import type { Interaction, InteractionKind } from '../engine/index.js';

/**
 * A brand's interactions, read from its data bank (docs/RECS.md "Interactions and weights"):
 * product views and clicks, wishlist adds, cart adds, imported `Order Completed` purchases
 * (`properties.product_id`) and the platform's `Order Paid` (one purchase per line, the line's
 * variant turned into its product by a join on the catalog's variants in the same statement, as
 * the propensity model's reader does). The platform records a
 * finished order again as `Order Completed` (context.source `openbos`): that copy is not read
 * twice. Zero-amount orders are not purchases.
 *
 * Read through a server-side cursor in batches, in one read-only snapshot, so a brand's millions
 * of events never sit in memory as rows at once.
 */
export interface InteractionRow extends Interaction {
  /** The order the purchase belongs to (`properties.order_id`), else null. */
  order_id: string | null;
  /** `properties.category_id` of the event (imports name it; the catalog's is read apart). */
  category_id: string | null;
}

export const interactionEvents: Readonly<Record<string, InteractionKind>> = {
  'product viewed': 'view',
  'product clicked': 'view',
  'product added to wishlist': 'favourite',
  'product added': 'cart',
  'order completed': 'purchase',
  'order paid': 'purchase',
};
const kindCodes: readonly InteractionKind[] = ['view', 'favourite', 'cart', 'purchase'];

export const interactions_batch = 20_000;

/** The statement; `$1` is the merchant. Kinds come back as 0..3 (view, favourite, cart, purchase). */
export function interactionsSql(merchant_id: string) {
  return sql`
    select e.profile_id as u,
           case lower(e.event) when 'product viewed' then 0 when 'product clicked' then 0 when 'product added to wishlist' then 1 when 'product added' then 2 else 3 end as k,
           coalesce(e.properties->>'product_id', v.product_id) as i,
           extract(epoch from e.occurred_at)::float8 as t,
           e.properties->>'order_id' as o,
           e.properties->>'category_id' as c
    from cdp_event e
    left join lateral jsonb_array_elements(case when jsonb_typeof(e.properties->'products') = 'array' and e.properties->>'product_id' is null then e.properties->'products' else '[null]'::jsonb end) line on true
    left join variant v on v.merchant_id = e.merchant_id and v.id = line->>'variant_id'
    where e.merchant_id = ${merchant_id} and e.type = 'track'
      and lower(e.event) = any(${Object.keys(interactionEvents)}::text[])
      and not (coalesce(e.context->>'source', '') = 'openbos' and lower(e.event) = 'order completed')
      and not (lower(e.event) in ('order paid', 'order completed') and e.properties->>'amount_minor' = '0')
      and coalesce(e.properties->>'product_id', v.product_id) is not null`;
}

interface Row {
  u: string;
  k: number;
  i: string;
  t: number;
  o: string | null;
  c: string | null;
}

/**
 * The brand's interactions, `batch_size` at a time (default 20 000), oldest snapshot-consistent.
 * Stopping early (a `break` in the loop) closes the cursor and gives the connection back.
 */
export async function* readInteractions(db: AnyDb, merchant_id: string, options: { batch_size?: number } = {}): AsyncGenerator<InteractionRow[]> {
  const size = options.batch_size ?? interactions_batch;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let got!: (conn: AnyDb) => void;
  let failed!: (e: unknown) => void;
  const connection = new Promise<AnyDb>((resolve, reject) => {
    got = resolve;
    failed = reject;
  });
  const held = db
    .connection()
    .execute(async (conn) => {
      got(conn);
      await released;
    })
    .catch((e: unknown) => failed(e));
  const conn = await connection;
  let open = false;
  try {
    await sql`begin isolation level repeatable read read only`.execute(conn);
    open = true;
    await sql`declare rec_interactions no scroll cursor for ${interactionsSql(merchant_id)}`.execute(conn);
    for (;;) {
      const { rows } = await sql<Row>`fetch ${sql.raw(String(Math.max(1, Math.floor(size))))} from rec_interactions`.execute(conn);
      if (rows.length === 0) break;
      yield rows.map((r) => ({ user: r.u, item: r.i, kind: kindCodes[r.k]!, time_s: r.t, order_id: r.o, category_id: r.c }));
    }
    await sql`commit`.execute(conn);
    open = false;
  } finally {
    if (open) await sql`rollback`.execute(conn).catch(() => undefined);
    release();
    await held;
  }
}
