import { sql, type RawBuilder } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/**
 * Stock as a matrix: one row per variant, one column per location, each cell the level there
 * (absent where the variant was never stocked). A cell is out of stock when nothing is available
 * (on hand minus reserved is zero or less), low when something is but no more than its low-stock
 * threshold (a threshold of 0 watches nothing): the rule of the `inventory.stock_low` event and
 * of the overview's low-stock list. Rows are pages in variant ID order; the totals per location
 * and overall cover every row that matches, not only the page. Two statements, whatever the size.
 */
export const matrixStatuses = ['attention', 'low', 'out'] as const;
export type MatrixStatus = (typeof matrixStatuses)[number];

export interface MatrixCell {
  location_id: string;
  on_hand: number;
  reserved: number;
  available: number;
  low_stock_threshold: number;
  low: boolean;
  out: boolean;
}

export interface MatrixRow {
  variant_id: string;
  cells: MatrixCell[];
  on_hand: number;
  reserved: number;
  available: number;
  low_locations: number;
  out_locations: number;
}

export interface MatrixColumn {
  location_id: string;
  on_hand: number;
  reserved: number;
  available: number;
  stocked_variants: number;
  low_variants: number;
  out_variants: number;
}

export interface MatrixQuery {
  /** The rows to consider (the catalog's search), in ID order. */
  variant_ids: readonly string[];
  /** The columns. */
  location_ids: readonly string[];
  /** Keep only rows with a low (`low`), an empty (`out`) or either kind of cell (`attention`). */
  status?: MatrixStatus | undefined;
  after_variant_id?: string | undefined;
  limit: number;
}

const isOut = sql<boolean>`s.on_hand - s.reserved <= 0`;
const isLow = sql<boolean>`(s.on_hand - s.reserved > 0 and s.on_hand - s.reserved <= s.low_stock_threshold)`;

function statusFilter(status: MatrixStatus | undefined): RawBuilder<boolean> {
  if (status === 'out') return sql<boolean>`count(s.location_id) filter (where ${isOut}) > 0`;
  if (status === 'low') return sql<boolean>`count(s.location_id) filter (where ${isLow}) > 0`;
  if (status === 'attention') return sql<boolean>`count(s.location_id) filter (where ${isOut} or ${isLow}) > 0`;
  return sql<boolean>`true`;
}

/** The rows of one page, with their cells and row totals. */
export async function matrixRows(db: AnyDb, merchant_id: string, q: MatrixQuery): Promise<MatrixRow[]> {
  if (q.variant_ids.length === 0) return [];
  const after = q.after_variant_id === undefined ? sql<boolean>`true` : sql<boolean>`v.variant_id > ${q.after_variant_id}`;
  const result = await sql<{ variant_id: string; on_hand: bigint; reserved: bigint; low_locations: number; out_locations: number; cells: { location_id: string; on_hand: number; reserved: number; low_stock_threshold: number }[] }>`
    select v.variant_id,
      coalesce(sum(s.on_hand), 0)::bigint as on_hand,
      coalesce(sum(s.reserved), 0)::bigint as reserved,
      (count(s.location_id) filter (where ${isLow}))::int as low_locations,
      (count(s.location_id) filter (where ${isOut}))::int as out_locations,
      coalesce(json_agg(json_build_object('location_id', s.location_id, 'on_hand', s.on_hand, 'reserved', s.reserved, 'low_stock_threshold', s.low_stock_threshold) order by s.location_id) filter (where s.location_id is not null), '[]') as cells
    from unnest(${[...q.variant_ids]}::text[]) as v(variant_id)
    left join stock_level s on s.merchant_id = ${merchant_id} and s.variant_id = v.variant_id and s.location_id = any(${[...q.location_ids]}::text[])
    where ${after}
    group by v.variant_id
    having ${statusFilter(q.status)}
    order by v.variant_id
    limit ${q.limit}`.execute(db);
  return result.rows.map((r) => {
    const cells = r.cells.map((c) => {
      const available = Number(c.on_hand) - Number(c.reserved);
      return { location_id: c.location_id, on_hand: Number(c.on_hand), reserved: Number(c.reserved), available, low_stock_threshold: c.low_stock_threshold, out: available <= 0, low: available > 0 && available <= c.low_stock_threshold };
    });
    return { variant_id: r.variant_id, cells, on_hand: Number(r.on_hand), reserved: Number(r.reserved), available: Number(r.on_hand - r.reserved), low_locations: r.low_locations, out_locations: r.out_locations };
  });
}

/** The totals per location over every matching row, and how many rows match. */
export async function matrixColumns(db: AnyDb, merchant_id: string, q: Omit<MatrixQuery, 'after_variant_id' | 'limit'>): Promise<{ columns: MatrixColumn[]; rows_matched: number }> {
  if (q.location_ids.length === 0) return { columns: [], rows_matched: q.status === undefined ? q.variant_ids.length : 0 };
  const result = await sql<{ location_id: string; on_hand: bigint; reserved: bigint; stocked_variants: number; low_variants: number; out_variants: number; rows_matched: number }>`
    with matched as (
      select v.variant_id
      from unnest(${[...q.variant_ids]}::text[]) as v(variant_id)
      left join stock_level s on s.merchant_id = ${merchant_id} and s.variant_id = v.variant_id and s.location_id = any(${[...q.location_ids]}::text[])
      group by v.variant_id
      having ${statusFilter(q.status)}
    )
    select l.location_id,
      coalesce(sum(s.on_hand), 0)::bigint as on_hand,
      coalesce(sum(s.reserved), 0)::bigint as reserved,
      count(s.variant_id)::int as stocked_variants,
      (count(s.variant_id) filter (where ${isLow}))::int as low_variants,
      (count(s.variant_id) filter (where ${isOut}))::int as out_variants,
      (select count(*) from matched)::int as rows_matched
    from unnest(${[...q.location_ids]}::text[]) as l(location_id)
    left join stock_level s on s.merchant_id = ${merchant_id} and s.location_id = l.location_id and s.variant_id in (select variant_id from matched)
    group by l.location_id`.execute(db);
  const byId = new Map(result.rows.map((r) => [r.location_id, r]));
  const columns = q.location_ids.map((location_id) => {
    const r = byId.get(location_id)!;
    return { location_id, on_hand: Number(r.on_hand), reserved: Number(r.reserved), available: Number(r.on_hand - r.reserved), stocked_variants: r.stocked_variants, low_variants: r.low_variants, out_variants: r.out_variants };
  });
  return { columns, rows_matched: result.rows[0]?.rows_matched ?? 0 };
}
