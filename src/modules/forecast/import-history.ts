import { CsvError, parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import { merchantDay } from './history.js';

/** Rows one import may carry (a request or a CSV file). */
export const import_rows_max = 50_000;

export interface HistoryRow {
  date: string;
  sku?: string | undefined;
  variant_id?: string | undefined;
  location_code?: string | undefined;
  location_id?: string | undefined;
  units: number;
  in_stock?: boolean | undefined;
}

export interface ImportResult {
  imported: number;
  days: number;
  series: number;
}

const row422 = (code: string, i: number, what: string) => problems.unprocessable(code, `row ${i + 1}: ${what}; nothing was imported`);

/**
 * Imports daily sales history, all rows or none (one transaction): each row names its variant by
 * SKU or ID and its location by code or ID; a day imported again replaces the one before. Unknown
 * SKUs and location codes, duplicate days, days not yet over, negative or fractional units: a 422
 * naming the row. A variant or location ID that is not the brand's: not found.
 */
export async function importHistory(db: AnyDb, merchant_id: string, rows: readonly HistoryRow[]): Promise<ImportResult> {
  if (rows.length === 0) throw problems.unprocessable('empty_import', 'the import has no rows');
  if (rows.length > import_rows_max) throw problems.unprocessable('import_too_large', `at most ${import_rows_max} rows per import, not ${rows.length}`);
  const { today } = await merchantDay(db, merchant_id);
  const [variants, locations] = await Promise.all([
    sql<{ id: string; sku: string }>`select id, sku from variant where merchant_id = ${merchant_id}
      and (sku = any(${[...new Set(rows.flatMap((r) => (r.sku === undefined ? [] : [r.sku])))]}::text[]) or id = any(${[...new Set(rows.flatMap((r) => (r.variant_id === undefined ? [] : [r.variant_id])))]}::text[]))`.execute(db),
    sql<{ id: string; code: string }>`select id, code from location where merchant_id = ${merchant_id}`.execute(db),
  ]);
  const variantBySku = new Map(variants.rows.map((v) => [v.sku, v.id]));
  const variantIds = new Set(variants.rows.map((v) => v.id));
  const locationByCode = new Map(locations.rows.map((l) => [l.code, l.id]));
  const locationIds = new Set(locations.rows.map((l) => l.id));
  const seen = new Set<string>();
  const v: string[] = [];
  const l: string[] = [];
  const d: string[] = [];
  const u: number[] = [];
  const s: boolean[] = [];
  rows.forEach((row, i) => {
    if ((row.sku === undefined) === (row.variant_id === undefined)) throw row422('variant_required', i, 'name the variant by `sku` or by `variant_id` (one of them)');
    if ((row.location_code === undefined) === (row.location_id === undefined)) throw row422('location_required', i, 'name the location by `location_code` or by `location_id` (one of them)');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(row.date) || Number.isNaN(Date.parse(`${row.date}T00:00:00Z`)) || new Date(`${row.date}T00:00:00Z`).toISOString().slice(0, 10) !== row.date) throw row422('invalid_date', i, `${row.date} is not a date (YYYY-MM-DD)`);
    if (row.date >= today) throw row422('day_not_over', i, `${row.date} is not over yet in the brand's time zone (today is ${today})`);
    if (!Number.isInteger(row.units) || row.units < 0 || row.units > 1_000_000_000) throw row422('invalid_units', i, `units must be a whole number of at least 0, not ${row.units}`);
    const variant = row.sku !== undefined ? variantBySku.get(row.sku) : variantIds.has(row.variant_id!) ? row.variant_id : undefined;
    if (variant === undefined) {
      if (row.sku !== undefined) throw row422('unknown_sku', i, `no variant of the brand has the SKU ${row.sku}`);
      throw problems.notFound(`The variant of row ${i + 1}`);
    }
    const location = row.location_code !== undefined ? locationByCode.get(row.location_code) : locationIds.has(row.location_id!) ? row.location_id : undefined;
    if (location === undefined) {
      if (row.location_code !== undefined) throw row422('unknown_location', i, `the brand has no location with the code ${row.location_code}`);
      throw problems.notFound(`The location of row ${i + 1}`);
    }
    const key = `${variant}\u0000${location}\u0000${row.date}`;
    if (seen.has(key)) throw row422('duplicate_day', i, `the import names ${row.sku ?? row.variant_id} at ${row.location_code ?? row.location_id} on ${row.date} twice`);
    seen.add(key);
    v.push(variant);
    l.push(location);
    d.push(row.date);
    u.push(row.units);
    s.push(row.in_stock ?? true);
  });
  await inTransaction(db, async (trx) => {
    await sql`
      insert into forecast_history_day (merchant_id, variant_id, location_id, day, units, in_stock)
      select ${merchant_id}, v, l, d::date, u, s from unnest(${v}::text[], ${l}::text[], ${d}::text[], ${u}::int[], ${s}::boolean[]) as x(v, l, d, u, s)
      on conflict (merchant_id, variant_id, location_id, day) do update set units = excluded.units, in_stock = excluded.in_stock, imported_at = now()`.execute(trx);
  });
  return { imported: rows.length, days: new Set(d).size, series: new Set(v.map((x, i) => `${x}\u0000${l[i]}`)).size };
}

/**
 * Parses a CSV of `date,sku,location_code,units[,in_stock]` (a header line first) with csv-parse:
 * RFC 4180 quoting, so a quoted field may hold commas, doubled quotes and line breaks; a byte-order
 * mark and blank lines are skipped, cells trimmed. A 422 `invalid_csv` names the bad line (the
 * line a record ends on).
 */
export function parseHistoryCsv(text: string): HistoryRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info: true` each record comes as { record, info } (csv-parse's types do not follow the option).
    records = parse(text, { bom: true, record_delimiter: ['\r\n', '\n', '\r'], trim: true, skip_empty_lines: true, relax_column_count: true, info: true }) as unknown as typeof records;
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    throw problems.unprocessable('invalid_csv', e.message);
  }
  const header = (records.shift()?.record ?? []).map((h) => h.toLowerCase());
  const at = (name: string) => header.indexOf(name);
  for (const required of ['date', 'sku', 'location_code', 'units']) {
    if (at(required) < 0) throw problems.unprocessable('invalid_csv', `the header must name date, sku, location_code and units (and in_stock if any); it has ${header.join(', ')}`);
  }
  return records.map(({ record: cells, info }) => {
    const units = Number(cells[at('units')]);
    const stock = at('in_stock') >= 0 ? (cells[at('in_stock')] ?? '').toLowerCase() : '';
    if (stock !== '' && !['true', 'false', '1', '0', 'yes', 'no'].includes(stock)) throw problems.unprocessable('invalid_csv', `line ${info.lines}: in_stock must be true or false, not ${stock}`);
    return {
      date: cells[at('date')] ?? '',
      sku: cells[at('sku')] ?? '',
      location_code: cells[at('location_code')] ?? '',
      units: (cells[at('units')] ?? '') === '' ? Number.NaN : units,
      ...(stock === '' ? {} : { in_stock: ['true', '1', 'yes'].includes(stock) }),
    };
  });
}
