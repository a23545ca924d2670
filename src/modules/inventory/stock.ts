import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { stockLow } from './events.js';
import type { InventoryTables, StockReason } from './tables.js';

/**
 * Stock per variant per location. The only way stock changes is `applyStockChanges`, which
 * writes the journal rows and moves the levels in the same statement batch, so the levels always
 * equal the sum of the journal (`inventory.levels_match_journal` proves it). The database refuses
 * negative stock and reservations beyond what is on hand, whatever the code does.
 */
export interface StockKey {
  merchant_id: string;
  variant_id: string;
  location_id: string;
}

export interface StockLevel extends StockKey {
  on_hand: bigint;
  reserved: bigint;
  available: bigint;
  low_stock_threshold: number;
}

export interface StockChange extends StockKey {
  reason: StockReason;
  on_hand_delta: bigint;
  reserved_delta: bigint;
  reference?: string | null;
  note?: string | null;
}

/** Quantities one request may move; a typo of a million units is refused, not booked. */
export const quantity_max = 1_000_000;

export function stockKey(k: StockKey): string {
  return `${k.merchant_id}|${k.variant_id}|${k.location_id}`;
}

function compareKeys(a: StockKey, b: StockKey): number {
  const x = stockKey(a);
  const y = stockKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function toLevel(row: { merchant_id: string; variant_id: string; location_id: string; on_hand: bigint; reserved: bigint; low_stock_threshold: number }): StockLevel {
  return { ...row, available: row.on_hand - row.reserved };
}

/**
 * Locks the stock rows of these variants at every location, in one global order so that two
 * transactions locking overlapping sets can never deadlock. Rows not yet created are absent.
 */
export async function lockStock(trx: AnyTrx, variants: readonly { merchant_id: string; variant_id: string }[]): Promise<StockLevel[]> {
  if (variants.length === 0) return [];
  const unique = [...new Map(variants.map((v) => [`${v.merchant_id}|${v.variant_id}`, v])).values()];
  const rows = await tablesOf<InventoryTables>(trx)
    .selectFrom('stock_level')
    .select(['merchant_id', 'variant_id', 'location_id', 'on_hand', 'reserved', 'low_stock_threshold'])
    .where((eb) =>
      eb(
        eb.refTuple('merchant_id', 'variant_id'),
        'in',
        unique.map((v) => eb.tuple(v.merchant_id, v.variant_id)),
      ),
    )
    .orderBy('merchant_id')
    .orderBy('variant_id')
    .orderBy('location_id')
    .forUpdate()
    .execute();
  return rows.map(toLevel);
}

/**
 * Applies stock changes inside the caller's transaction: one journal row per change and one
 * level update per key. Throws `insufficient_stock` (409) if any level would break a database
 * constraint; the caller's transaction then rolls back whole.
 */
export async function applyStockChanges(trx: AnyTrx, changes: readonly StockChange[]): Promise<StockLevel[]> {
  if (changes.length === 0) return [];
  const totals = new Map<string, StockKey & { on_hand: bigint; reserved: bigint }>();
  for (const c of changes) {
    const key = stockKey(c);
    const total = totals.get(key) ?? { merchant_id: c.merchant_id, variant_id: c.variant_id, location_id: c.location_id, on_hand: 0n, reserved: 0n };
    total.on_hand += c.on_hand_delta;
    total.reserved += c.reserved_delta;
    totals.set(key, total);
  }
  const deltas = [...totals.values()].sort(compareKeys);
  let levels: LevelRow[];
  try {
    levels = await moveLevels(trx, deltas);
  } catch (error) {
    if (isCheckViolation(error)) throw problems.conflict('insufficient_stock', 'Not enough stock: on hand may not go below zero or below what is reserved');
    throw error;
  }
  const col = <K extends keyof StockChange>(k: K) => changes.map((c) => c[k] ?? null);
  await sql`insert into stock_movement (merchant_id, id, variant_id, location_id, reason, on_hand_delta, reserved_delta, reference, note)
    select * from unnest(${col('merchant_id')}::text[], ${changes.map(() => newId('stm'))}::text[], ${col('variant_id')}::text[], ${col('location_id')}::text[], ${col('reason')}::text[],
      ${changes.map((c) => c.on_hand_delta.toString())}::bigint[], ${changes.map((c) => c.reserved_delta.toString())}::bigint[], ${col('reference')}::text[], ${col('note')}::text[])`.execute(trx);
  await publishLowStock(trx, levels.map(toLevel), totals);
  return levels.map(toLevel);
}

type LevelRow = { merchant_id: string; variant_id: string; location_id: string; on_hand: bigint; reserved: bigint; low_stock_threshold: number };

/**
 * Moves levels by their deltas: locks the existing rows in key order (no deadlocks), updates
 * them in one statement, and creates the rows that do not exist yet. The database's CHECK
 * constraints refuse any level that would go negative. (INSERT ... ON CONFLICT cannot be used for
 * the update: PostgreSQL checks constraints on the proposed row, a bare delta, before it detects
 * the conflict.)
 */
async function moveLevels(trx: AnyTrx, deltas: readonly (StockKey & { on_hand: bigint; reserved: bigint })[]): Promise<LevelRow[]> {
  const m = deltas.map((d) => d.merchant_id);
  const v = deltas.map((d) => d.variant_id);
  const l = deltas.map((d) => d.location_id);
  const oh = deltas.map((d) => d.on_hand.toString());
  const rs = deltas.map((d) => d.reserved.toString());
  await sql`select 1 from stock_level
    where (merchant_id, variant_id, location_id) in (select * from unnest(${m}::text[], ${v}::text[], ${l}::text[]))
    order by merchant_id, variant_id, location_id for update`.execute(trx);
  const updated = await sql<LevelRow>`
    update stock_level s set on_hand = s.on_hand + d.on_hand, reserved = s.reserved + d.reserved, updated_at = now()
    from unnest(${m}::text[], ${v}::text[], ${l}::text[], ${oh}::bigint[], ${rs}::bigint[]) as d(merchant_id, variant_id, location_id, on_hand, reserved)
    where s.merchant_id = d.merchant_id and s.variant_id = d.variant_id and s.location_id = d.location_id
    returning s.merchant_id, s.variant_id, s.location_id, s.on_hand, s.reserved, s.low_stock_threshold`.execute(trx);
  const found = new Set(updated.rows.map(stockKey));
  const missing = deltas.filter((d) => !found.has(stockKey(d)));
  if (missing.length === 0) return updated.rows;
  const created = await tablesOf<InventoryTables>(trx)
    .insertInto('stock_level')
    .values(missing.map((d) => ({ ...d, low_stock_threshold: 0 })))
    .onConflict((oc) =>
      oc.columns(['merchant_id', 'variant_id', 'location_id']).doUpdateSet({
        on_hand: sql`stock_level.on_hand + excluded.on_hand`,
        reserved: sql`stock_level.reserved + excluded.reserved`,
        updated_at: sql`now()`,
      }),
    )
    .returning(['merchant_id', 'variant_id', 'location_id', 'on_hand', 'reserved', 'low_stock_threshold'])
    .execute();
  return [...updated.rows, ...created];
}

/** A level that has just crossed its threshold downwards raises one low-stock event. */
async function publishLowStock(trx: AnyTrx, levels: StockLevel[], totals: Map<string, { on_hand: bigint; reserved: bigint }>): Promise<void> {
  for (const level of levels) {
    if (level.low_stock_threshold <= 0) continue;
    const delta = totals.get(stockKey(level));
    if (delta === undefined) continue;
    const before = level.available - (delta.on_hand - delta.reserved);
    const threshold = BigInt(level.low_stock_threshold);
    if (level.available <= threshold && before > threshold) {
      await publish(trx, stockLow, level.merchant_id, { variant_id: level.variant_id, location_id: level.location_id, available: Number(level.available), threshold: level.low_stock_threshold });
    }
  }
}

function isCheckViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === '23514';
}

export async function receiveStock(db: AnyDb, key: StockKey, quantity: number, note?: string): Promise<StockLevel> {
  return inTransaction(db, async (trx) => {
    const [level] = await applyStockChanges(trx, [{ ...key, reason: 'receipt', on_hand_delta: BigInt(quantity), reserved_delta: 0n, note: note ?? null }]);
    return level!;
  });
}

export async function adjustStock(db: AnyDb, key: StockKey, on_hand_delta: number, note: string): Promise<StockLevel> {
  return inTransaction(db, async (trx) => {
    const [level] = await applyStockChanges(trx, [{ ...key, reason: 'adjustment', on_hand_delta: BigInt(on_hand_delta), reserved_delta: 0n, note }]);
    return level!;
  });
}

/** Moves available units between two locations of the merchant, both journal rows at once. */
export async function transferStock(db: AnyDb, merchant_id: string, variant_id: string, from_location_id: string, to_location_id: string, quantity: number): Promise<{ from: StockLevel; to: StockLevel; transfer_id: string }> {
  if (from_location_id === to_location_id) throw problems.unprocessable('same_location', 'A transfer needs two different locations');
  const transfer_id = newId('trf');
  return inTransaction(db, async (trx) => {
    const locked = await lockStock(trx, [{ merchant_id, variant_id }]);
    const source = locked.find((l) => l.location_id === from_location_id);
    if (source === undefined || source.available < BigInt(quantity)) {
      throw problems.conflict('insufficient_stock', `Only ${source?.available ?? 0n} units are available to transfer at ${from_location_id}`);
    }
    const q = BigInt(quantity);
    const levels = await applyStockChanges(trx, [
      { merchant_id, variant_id, location_id: from_location_id, reason: 'transfer_out', on_hand_delta: -q, reserved_delta: 0n, reference: transfer_id },
      { merchant_id, variant_id, location_id: to_location_id, reason: 'transfer_in', on_hand_delta: q, reserved_delta: 0n, reference: transfer_id },
    ]);
    const find = (location_id: string) => levels.find((l) => l.location_id === location_id)!;
    return { from: find(from_location_id), to: find(to_location_id), transfer_id };
  });
}

export async function setLowStockThreshold(db: AnyDb, key: StockKey, threshold: number): Promise<StockLevel> {
  const row = await tablesOf<InventoryTables>(db)
    .insertInto('stock_level')
    .values({ ...key, on_hand: 0n, reserved: 0n, low_stock_threshold: threshold })
    .onConflict((oc) => oc.columns(['merchant_id', 'variant_id', 'location_id']).doUpdateSet({ low_stock_threshold: threshold, updated_at: sql`now()` }))
    .returning(['merchant_id', 'variant_id', 'location_id', 'on_hand', 'reserved', 'low_stock_threshold'])
    .executeTakeFirstOrThrow();
  return toLevel(row);
}

export async function listStockLevels(db: AnyDb, merchant_id: string, filter: { variant_id?: string | undefined; location_id?: string | undefined; limit: number; after?: { variant_id: string; location_id: string } | undefined }): Promise<StockLevel[]> {
  let query = tablesOf<InventoryTables>(db)
    .selectFrom('stock_level')
    .select(['merchant_id', 'variant_id', 'location_id', 'on_hand', 'reserved', 'low_stock_threshold'])
    .where('merchant_id', '=', merchant_id);
  if (filter.variant_id !== undefined) query = query.where('variant_id', '=', filter.variant_id);
  if (filter.location_id !== undefined) query = query.where('location_id', '=', filter.location_id);
  // Keyset: the levels after the previous page's last (variant, location), in the same order.
  if (filter.after !== undefined) query = query.where(sql<boolean>`(variant_id, location_id) > (${filter.after.variant_id}, ${filter.after.location_id})`);
  const rows = await query.orderBy('variant_id').orderBy('location_id').limit(filter.limit).execute();
  return rows.map(toLevel);
}

export async function listMovements(db: AnyDb, merchant_id: string, filter: { variant_id?: string | undefined; location_id?: string | undefined; reference?: string | undefined; before_id?: string | undefined; limit: number }) {
  let query = tablesOf<InventoryTables>(db).selectFrom('stock_movement').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.variant_id !== undefined) query = query.where('variant_id', '=', filter.variant_id);
  if (filter.location_id !== undefined) query = query.where('location_id', '=', filter.location_id);
  if (filter.reference !== undefined) query = query.where('reference', '=', filter.reference);
  if (filter.before_id !== undefined) query = query.where('id', '<', filter.before_id);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}

/**
 * Units still reserved per reference (order) and stock key: reservations minus releases and
 * sales. The orders module compares this with its open orders to find dangling reservations.
 */
export async function openReservations(db: AnyDb): Promise<{ merchant_id: string; reference: string; variant_id: string; location_id: string; reserved: bigint }[]> {
  const result = await sql<{ merchant_id: string; reference: string; variant_id: string; location_id: string; reserved: bigint }>`
    select merchant_id, reference, variant_id, location_id, sum(reserved_delta)::bigint as reserved
    from stock_movement
    where reference is not null and reason in ('reservation', 'release', 'sale')
    group by merchant_id, reference, variant_id, location_id
    having sum(reserved_delta) <> 0`.execute(db);
  return result.rows;
}

/**
 * Stock levels at or below their low-stock threshold (a threshold of 0 means "not watched"),
 * fewest available first: what an operator must reorder or move.
 */
export async function lowStockLevels(db: AnyDb, merchant_id: string, limit: number): Promise<StockLevel[]> {
  const rows = await tablesOf<InventoryTables>(db)
    .selectFrom('stock_level')
    .select(['merchant_id', 'variant_id', 'location_id', 'on_hand', 'reserved', 'low_stock_threshold'])
    .where('merchant_id', '=', merchant_id)
    .where('low_stock_threshold', '>', 0)
    .where(sql<boolean>`on_hand - reserved <= low_stock_threshold`)
    .orderBy(sql`on_hand - reserved`)
    .orderBy('variant_id')
    .limit(limit)
    .execute();
  return rows.map(toLevel);
}
