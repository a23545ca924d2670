/**
 * Markdown suggestions: for each perishable lot at a store that the forecast will not sell before
 * its last day, a percent off sized by the gap (projection.ts `markdownPercent`), until that day.
 * One markdown per variant × store × last day, ever: a new computation updates an open one and
 * never brings back one the merchant approved or rejected. Approving creates an automatic
 * promotion (promotions module): percent off that variant, bought in that store, until the end of
 * the last day in the merchant's time zone.
 */
import { sql, type Selectable } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { priceCurrencies, variantLabels } from '../catalog/index.js';
import { getLocation, listLocations } from '../locations/index.js';
import { getMerchant, merchantTimeZone } from '../merchants/index.js';
import { createPromotion } from '../promotions/index.js';
import { markdownApproved, markdownSuggested } from './events-perishables.js';
import { daysBetween, markdownPercent } from './projection.js';
import { endSoldOutMarkdowns } from './sold-out.js';
import { health_stores_max, projectItems, type HealthSources } from './stock-health.js';

export interface MarkdownTable {
  merchant_id: string;
  id: string;
  variant_id: string;
  location_id: string;
  expires_on: string;
  expiring_units: number;
  expected_unsold_units: number;
  demand_until_expiry: number;
  percent_off: number;
  status: MarkdownStatus;
  promotion_id: string | null;
  reason: string | null;
  created_at: Date;
  updated_at: Date;
  decided_at: Date | null;
  /** When the marked-down stock sold out and the promotion was ended early (approved markdowns only). */
  sold_out_at: Date | null;
}
export const markdownStatuses = ['open', 'approved', 'rejected', 'withdrawn'] as const;
export type MarkdownStatus = (typeof markdownStatuses)[number];
export type Markdown = Selectable<MarkdownTable>;
interface MarkdownTables {
  replenishment_markdown: MarkdownTable;
}
const tables = (db: AnyDb) => tablesOf<MarkdownTables>(db);

/** node-postgres reads a `date` as local midnight; the API speaks calendar days. */
function day(value: unknown): string {
  if (!(value instanceof Date)) return String(value);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}
const asMarkdown = (row: Markdown): Markdown => ({ ...row, expires_on: day(row.expires_on) });

/** A markdown is suggested for at least this many units expected unsold. */
export const markdown_units_min = 1;

interface Candidate {
  variant_id: string;
  location_id: string;
  expires_on: string;
  expiring_units: number;
  expected_unsold_units: number;
  demand_until_expiry: number;
  percent_off: number;
}

/** The lots the forecast leaves unsold, at the merchant's active stores. */
async function candidates(db: AnyDb, merchant_id: string, options: { now?: Date; sources?: HealthSources }): Promise<{ today: string; store_ids: string[]; found: Candidate[] }> {
  const stores = (await listLocations(db, merchant_id, { kind: 'store', limit: health_stores_max })).filter((l) => l.active);
  const store_ids = stores.map((s) => s.id);
  const { today, items } = await projectItems(db, merchant_id, store_ids, options);
  const found: Candidate[] = [];
  for (const item of items) {
    if (item.shelf_life_days === null || !item.has_forecast) continue;
    for (const [expires_on, waste] of item.projection.waste_by_expiry) {
      const unsold = Math.round(waste);
      // A lot already past its last day is waste now: no price sells it.
      if (expires_on < today || unsold < markdown_units_min) continue;
      // Only units on the shelf can be marked down; a lot still on order is the plan's to cut.
      const expiring_units = item.lots.filter((l) => l.expires_on === expires_on).reduce((s, l) => s + l.units, 0);
      if (expiring_units === 0) continue;
      const demand_until_expiry = item.forecast.slice(0, daysBetween(today, expires_on) + 1).reduce((s, x) => s + Math.max(0, x), 0);
      found.push({ variant_id: item.variant_id, location_id: item.location_id, expires_on, expiring_units, expected_unsold_units: Math.min(unsold, expiring_units), demand_until_expiry, percent_off: markdownPercent(unsold, demand_until_expiry) });
    }
  }
  return { today, store_ids, found };
}

export interface MarkdownComputation {
  as_of: string;
  suggested: number;
  updated: number;
  withdrawn: number;
  /** Approved markdowns whose stock sold out: their promotions ended now. */
  sold_out: number;
  open: number;
}

/**
 * Suggests markdowns from the current stock and forecast, and ends the promotion of each approved
 * one whose stock sold out (sold-out.ts); run daily and on demand.
 */
export async function computeMarkdowns(db: AnyDb, merchant_id: string, options: { now?: Date; sources?: HealthSources } = {}): Promise<MarkdownComputation> {
  const { today, store_ids, found } = await candidates(db, merchant_id, options);
  return inTransaction(db, async (trx) => {
    let suggested = 0;
    let updated = 0;
    for (const c of found) {
      const row = await sql<Markdown & { inserted: boolean }>`
        insert into replenishment_markdown (merchant_id, id, variant_id, location_id, expires_on, expiring_units, expected_unsold_units, demand_until_expiry, percent_off)
        values (${merchant_id}, ${newId('mkd')}, ${c.variant_id}, ${c.location_id}, ${c.expires_on}, ${c.expiring_units}, ${c.expected_unsold_units}, ${c.demand_until_expiry}, ${c.percent_off})
        on conflict (merchant_id, variant_id, location_id, expires_on) do update
          set expiring_units = excluded.expiring_units, expected_unsold_units = excluded.expected_unsold_units,
              demand_until_expiry = excluded.demand_until_expiry, percent_off = excluded.percent_off, updated_at = now()
          where replenishment_markdown.status = 'open'
        returning id, (xmax = 0) as inserted`.execute(trx);
      const r = row.rows[0];
      if (r === undefined) continue;
      if (r.inserted) {
        suggested++;
        await publish(trx, markdownSuggested, merchant_id, { markdown_id: r.id, ...c });
      } else updated++;
    }
    const withdrawn = await withdrawStale(trx, merchant_id, today, store_ids, found);
    const sold_out = await endSoldOutMarkdowns(trx, merchant_id, { now: options.now });
    await sql`insert into replenishment_markdown_computed (merchant_id, computed_at) values (${merchant_id}, now())
      on conflict (merchant_id) do update set computed_at = excluded.computed_at`.execute(trx);
    const open = await tables(trx).selectFrom('replenishment_markdown').select((e) => e.fn.countAll<string>().as('n')).where('merchant_id', '=', merchant_id).where('status', '=', 'open').executeTakeFirstOrThrow();
    return { as_of: today, suggested, updated, withdrawn, sold_out, open: Number(open.n) };
  });
}

/** Open markdowns the new computation no longer finds: the lot's day passed, or the forecast now sells it. */
async function withdrawStale(trx: AnyTrx, merchant_id: string, today: string, store_ids: readonly string[], found: readonly Candidate[]): Promise<number> {
  const keep = found.map((c) => `${c.variant_id}|${c.location_id}|${c.expires_on}`);
  const rows = await sql`
    update replenishment_markdown set status = 'withdrawn', updated_at = now(), decided_at = now(),
      reason = case when expires_on < ${today}::date then 'the lot''s last day passed' else 'the forecast now sells these units before they expire' end
    where merchant_id = ${merchant_id} and status = 'open'
      and (expires_on < ${today}::date or (location_id = any(${[...store_ids]}::text[]) and not (variant_id || '|' || location_id || '|' || to_char(expires_on, 'YYYY-MM-DD') = any(${keep}::text[]))))
    returning id`.execute(trx);
  return rows.rows.length;
}

export async function getMarkdown(db: AnyDb, merchant_id: string, id: string): Promise<Markdown | undefined> {
  return tables(db).selectFrom('replenishment_markdown').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id).executeTakeFirst().then((r) => r && asMarkdown(r));
}

export async function listMarkdowns(db: AnyDb, merchant_id: string, filter: { status?: MarkdownStatus | undefined; location_id?: string | undefined; before_id?: string | undefined; limit: number }): Promise<Markdown[]> {
  let q = tables(db).selectFrom('replenishment_markdown').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.location_id !== undefined) q = q.where('location_id', '=', filter.location_id);
  if (filter.before_id !== undefined) q = q.where('id', '<', filter.before_id);
  return (await q.orderBy('id', 'desc').limit(filter.limit).execute()).map(asMarkdown);
}

async function lockOpen(trx: AnyTrx, merchant_id: string, id: string): Promise<Markdown> {
  const row = await tables(trx).selectFrom('replenishment_markdown').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id).forUpdate().executeTakeFirst();
  if (row === undefined) throw problems.notFound('The markdown');
  if (row.status !== 'open') throw problems.conflict('markdown_decided', `The markdown is ${row.status}; only an open markdown can be approved or rejected`);
  return asMarkdown(row);
}

/** The instant a merchant's calendar day ends. */
async function endOfDay(db: AnyDb, day: string, time_zone: string): Promise<Date> {
  const r = await sql<{ at: Date }>`select ((${day}::date + 1)::timestamp at time zone ${time_zone}) as at`.execute(db);
  return new Date(r.rows[0]!.at);
}

/** Approves an open markdown: its automatic promotion is created in the same transaction. */
export async function approveMarkdown(db: AnyDb, merchant_id: string, id: string, options: { percent_off?: number | undefined; now?: Date } = {}): Promise<Markdown> {
  return inTransaction(db, async (trx) => {
    const md = await lockOpen(trx, merchant_id, id);
    const time_zone = await merchantTimeZone(trx, merchant_id);
    const ends_at = await endOfDay(trx, md.expires_on, time_zone);
    if (ends_at.getTime() <= (options.now ?? new Date()).getTime()) throw problems.conflict('markdown_expired', `The lot's last day, ${md.expires_on}, has passed`);
    const percent_off = options.percent_off ?? md.percent_off;
    const merchant = await getMerchant(trx, merchant_id);
    // The promotion must be in a currency the variant is priced in: the merchant's own when it is one.
    const priced = await priceCurrencies(trx, [md.variant_id]);
    const currency = priced.includes(merchant!.default_currency) ? merchant!.default_currency : (priced[0] ?? merchant!.default_currency);
    const label = (await variantLabels(trx, merchant_id, [md.variant_id])).get(md.variant_id);
    const store = await getLocation(trx, merchant_id, md.location_id);
    const title = label?.display_title ?? md.variant_id;
    const promotion = await createPromotion(trx, merchant_id, {
      name: `Markdown ${percent_off}% · ${title} · ${store?.name ?? md.location_id}`.slice(0, 200),
      description: `${md.expected_unsold_units} of ${md.expiring_units} units would reach their last day (${md.expires_on}) unsold`,
      kind: 'automatic',
      currency,
      effect: { type: 'percent_off', percent: percent_off },
      scope: { variant_ids: [md.variant_id] },
      conditions: { location_ids: [md.location_id] },
      ends_at: ends_at.toISOString(),
    });
    const approved = await tables(trx)
      .updateTable('replenishment_markdown')
      .set({ status: 'approved', percent_off, promotion_id: promotion.id, decided_at: new Date(), updated_at: new Date() })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
      .then(asMarkdown);
    await publish(trx, markdownApproved, merchant_id, {
      markdown_id: id,
      variant_id: md.variant_id,
      location_id: md.location_id,
      expires_on: md.expires_on,
      expiring_units: md.expiring_units,
      expected_unsold_units: md.expected_unsold_units,
      percent_off,
      promotion_id: promotion.id,
      ends_at: ends_at.toISOString(),
    });
    return approved;
  });
}

export async function rejectMarkdown(db: AnyDb, merchant_id: string, id: string, reason: string | undefined): Promise<Markdown> {
  return inTransaction(db, async (trx) => {
    await lockOpen(trx, merchant_id, id);
    return tables(trx)
      .updateTable('replenishment_markdown')
      .set({ status: 'rejected', reason: reason ?? null, decided_at: new Date(), updated_at: new Date() })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
      .then(asMarkdown);
  });
}

/** Merchants whose markdowns were last computed before `before` (or never), among those that have stores. */
export async function merchantsDueForMarkdowns(db: AnyDb, before: Date, limit: number): Promise<string[]> {
  const rows = await sql<{ merchant_id: string }>`
    select distinct l.merchant_id from location l
    left join replenishment_markdown_computed c on c.merchant_id = l.merchant_id
    where l.kind = 'store' and l.active and (c.computed_at is null or c.computed_at < ${before})
    order by l.merchant_id limit ${limit}`.execute(db);
  return rows.rows.map((r) => r.merchant_id);
}
