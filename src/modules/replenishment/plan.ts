/**
 * `POST /v1/replenishment/plan` and the plan after every forecast run: reads the current
 * forecast, stock, open purchase orders, settings and supply, computes the plan
 * (plan-policy.ts) and writes it as suggestions. It never duplicates: an open suggestion of the
 * same group (supplier and destination, or route) is updated in place, and an open one the plan
 * no longer needs is superseded. One plan per merchant at a time.
 */
import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { currentForecasts, type CurrentForecast } from '../forecast/index.js';
import { availableAtLocations } from '../inventory/index.js';
import { listLocations, type Location } from '../locations/index.js';
import { replenishmentSuggested } from './events.js';
import { planReplenishment, type PlannedLine, type Skipped } from './plan-policy.js';
import { onOrder } from './purchase-orders.js';
import { replenishmentSettings } from './settings.js';
import { supplyOf } from './suppliers.js';
import type { ReplenishmentTables, SuggestionKind, SuggestionLine } from './tables.js';

/** Where the plan reads the forecast; tests inject their own. */
export type ForecastSource = (db: AnyDb, merchant_id: string) => Promise<CurrentForecast[]>;

export interface PlanSummary {
  suggestions: number;
  purchase_orders: number;
  transfers: number;
  /** Open suggestions a plan no longer needed. */
  superseded: number;
  skipped: Skipped[];
}

/** Locations a chain has; the plan reads them all. */
const locations_max = 10_000;
/** Skips the answer lists; the count beyond is not kept. */
const skipped_max = 100;

const t = (db: AnyDb) => tablesOf<ReplenishmentTables>(db);

async function allLocations(db: AnyDb, merchant_id: string): Promise<Location[]> {
  const all: Location[] = [];
  for (;;) {
    const page = await listLocations(db, merchant_id, { limit: 1000, after_id: all.at(-1)?.id });
    all.push(...page);
    if (page.length < 1000 || all.length >= locations_max) return all;
  }
}

interface Group {
  group_key: string;
  kind: SuggestionKind;
  supplier_id: string | null;
  from_location_id: string | null;
  to_location_id: string;
  lines: PlannedLine[];
}

export async function runPlan(db: AnyDb, merchant_id: string, options: { forecasts?: ForecastSource } = {}): Promise<PlanSummary> {
  return inTransaction(db, async (trx) => {
    // One plan per merchant at a time: two would each supersede the other's suggestions.
    await sql`select pg_advisory_xact_lock(hashtext(${`replenishment.plan:${merchant_id}`}))`.execute(trx);
    const forecasts = await (options.forecasts ?? ((d, m) => currentForecasts(d, m)))(trx, merchant_id);
    const variant_ids = [...new Set(forecasts.map((f) => f.variant_id))];
    const locations = await allLocations(trx, merchant_id);
    const available = new Map((await availableAtLocations(trx, merchant_id, variant_ids)).map((a) => [`${a.variant_id}|${a.location_id}`, a.available]));
    const plan = planReplenishment({
      forecasts,
      locations,
      available,
      on_order: await onOrder(trx, merchant_id),
      settings: await replenishmentSettings(trx, merchant_id, variant_ids),
      supply: await supplyOf(trx, merchant_id, variant_ids),
    });
    const groups: Group[] = [
      ...plan.transfers.map((g) => ({ group_key: `transfer:${g.from_location_id}>${g.to_location_id}`, kind: 'transfer' as const, supplier_id: null, from_location_id: g.from_location_id, to_location_id: g.to_location_id, lines: g.lines })),
      ...plan.purchase_orders.map((g) => ({ group_key: `purchase_order:${g.supplier_id}>${g.location_id}`, kind: 'purchase_order' as const, supplier_id: g.supplier_id, from_location_id: null, to_location_id: g.location_id, lines: g.lines })),
    ];
    const superseded = await writeSuggestions(trx, merchant_id, groups);
    return { suggestions: groups.length, purchase_orders: plan.purchase_orders.length, transfers: plan.transfers.length, superseded, skipped: plan.skipped.slice(0, skipped_max) };
  });
}

async function writeSuggestions(trx: AnyTrx, merchant_id: string, groups: readonly Group[]): Promise<number> {
  const open = await t(trx).selectFrom('replenishment_suggestion').select(['id', 'group_key']).where('merchant_id', '=', merchant_id).where('status', '=', 'open').forUpdate().execute();
  const openByGroup = new Map(open.map((s) => [s.group_key, s.id]));
  for (const group of groups) {
    const lines: SuggestionLine[] = group.lines.map((l) => ({ variant_id: l.variant_id, suggested_quantity: l.quantity, quantity: l.quantity, why: l.why }));
    const existing = openByGroup.get(group.group_key);
    let id: string;
    if (existing === undefined) {
      id = newId('rsg');
      await t(trx)
        .insertInto('replenishment_suggestion')
        .values({ merchant_id, id, kind: group.kind, status: 'open', group_key: group.group_key, supplier_id: group.supplier_id, from_location_id: group.from_location_id, to_location_id: group.to_location_id, lines: JSON.stringify(lines) })
        .execute();
    } else {
      id = existing;
      openByGroup.delete(group.group_key);
      await t(trx)
        .updateTable('replenishment_suggestion')
        .set({ lines: JSON.stringify(lines), updated_at: sql`now()` })
        .where('merchant_id', '=', merchant_id)
        .where('id', '=', id)
        .execute();
    }
    await publish(trx, replenishmentSuggested, merchant_id, { suggestion_id: id, kind: group.kind, supplier_id: group.supplier_id, from_location_id: group.from_location_id, to_location_id: group.to_location_id, lines: lines.length, units: lines.reduce((s, l) => s + l.quantity, 0) });
  }
  const stale = [...openByGroup.values()];
  if (stale.length > 0) {
    await t(trx).updateTable('replenishment_suggestion').set({ status: 'superseded', decided_at: sql`now()`, updated_at: sql`now()` }).where('merchant_id', '=', merchant_id).where('id', 'in', stale).execute();
  }
  return stale.length;
}
