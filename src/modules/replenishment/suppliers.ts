/**
 * The merchant's suppliers and what each supplies: per variant a lead time (the supplier's unless
 * overridden), a minimum order, a pack size and a unit cost. Suppliers are archived, never
 * deleted: purchase orders keep naming them.
 */
import { sql } from 'kysely';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { existingVariants } from '../catalog/index.js';
import type { ReplenishmentTables, SupplierItemTable, SupplierStatus, SupplierTable } from './tables.js';

export type Supplier = Omit<SupplierTable, 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date };
export type SupplierItem = Omit<SupplierItemTable, 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date };

export interface NewSupplier {
  name: string;
  email?: string | undefined;
  currency: string;
  lead_time_days: number;
}

export interface SupplierItemInput {
  lead_time_days?: number | null | undefined;
  min_order: number;
  pack_size: number;
  unit_cost_minor: number;
}

const t = (db: AnyDb) => tablesOf<ReplenishmentTables>(db);

export async function createSupplier(db: AnyDb, merchant_id: string, input: NewSupplier): Promise<Supplier> {
  return t(db)
    .insertInto('supplier')
    .values({ merchant_id, id: newId('sup'), name: input.name, email: input.email ?? null, currency: input.currency, lead_time_days: input.lead_time_days, status: 'active' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getSupplier(db: AnyDb, merchant_id: string, supplier_id: string): Promise<Supplier | undefined> {
  return t(db).selectFrom('supplier').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', supplier_id).executeTakeFirst();
}

export async function listSuppliers(db: AnyDb, merchant_id: string, filter: { status?: SupplierStatus | undefined; after_id?: string | undefined; limit: number }): Promise<Supplier[]> {
  let query = t(db).selectFrom('supplier').selectAll().where('merchant_id', '=', merchant_id);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.after_id !== undefined) query = query.where('id', '>', filter.after_id);
  return query.orderBy('id').limit(filter.limit).execute();
}

export async function updateSupplier(db: AnyDb, merchant_id: string, supplier_id: string, changes: Partial<Omit<NewSupplier, 'email'> & { email: string | null; status: SupplierStatus }>): Promise<Supplier | undefined> {
  if (Object.keys(changes).length === 0) return getSupplier(db, merchant_id, supplier_id);
  return t(db)
    .updateTable('supplier')
    .set({ ...changes, updated_at: sql`now()` })
    .where('merchant_id', '=', merchant_id)
    .where('id', '=', supplier_id)
    .returningAll()
    .executeTakeFirst();
}

/** Sets what a supplier supplies of one variant; both must be the merchant's own. */
export async function putSupplierItem(db: AnyDb, merchant_id: string, supplier_id: string, variant_id: string, input: SupplierItemInput): Promise<SupplierItem> {
  if ((await getSupplier(db, merchant_id, supplier_id)) === undefined) throw problems.notFound('The supplier');
  if (!(await existingVariants(db, merchant_id, [variant_id])).has(variant_id)) throw problems.notFound('The variant');
  const values = { lead_time_days: input.lead_time_days ?? null, min_order: input.min_order, pack_size: input.pack_size, unit_cost_minor: BigInt(input.unit_cost_minor) };
  return t(db)
    .insertInto('supplier_item')
    .values({ merchant_id, supplier_id, variant_id, ...values })
    .onConflict((oc) => oc.columns(['merchant_id', 'supplier_id', 'variant_id']).doUpdateSet({ ...values, updated_at: sql`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listSupplierItems(db: AnyDb, merchant_id: string, supplier_id: string, filter: { after_variant_id?: string | undefined; limit: number }): Promise<SupplierItem[]> {
  let query = t(db).selectFrom('supplier_item').selectAll().where('merchant_id', '=', merchant_id).where('supplier_id', '=', supplier_id);
  if (filter.after_variant_id !== undefined) query = query.where('variant_id', '>', filter.after_variant_id);
  return query.orderBy('variant_id').limit(filter.limit).execute();
}

export async function deleteSupplierItem(db: AnyDb, merchant_id: string, supplier_id: string, variant_id: string): Promise<boolean> {
  const result = await t(db).deleteFrom('supplier_item').where('merchant_id', '=', merchant_id).where('supplier_id', '=', supplier_id).where('variant_id', '=', variant_id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** A variant's supply: the supplier item and the lead time that applies to it. */
export interface Supply {
  supplier_id: string;
  supplier_name: string;
  currency: string;
  lead_time_days: number;
  min_order: number;
  pack_size: number;
  unit_cost_minor: bigint;
}

/**
 * Who supplies each variant: among the active suppliers, the cheapest unit cost, then the
 * shortest lead time, then the oldest supplier. Variants nobody supplies are absent.
 */
export async function supplyOf(db: AnyDb, merchant_id: string, variant_ids: readonly string[]): Promise<Map<string, Supply>> {
  if (variant_ids.length === 0) return new Map();
  const rows = await t(db)
    .selectFrom('supplier_item as i')
    .innerJoin('supplier as s', (j) => j.onRef('s.merchant_id', '=', 'i.merchant_id').onRef('s.id', '=', 'i.supplier_id'))
    .select(['i.variant_id', 'i.supplier_id', 's.name as supplier_name', 's.currency', sql<number>`coalesce(i.lead_time_days, s.lead_time_days)`.as('lead_time_days'), 'i.min_order', 'i.pack_size', 'i.unit_cost_minor'])
    .where('i.merchant_id', '=', merchant_id)
    .where('s.status', '=', 'active')
    .where('i.variant_id', 'in', [...new Set(variant_ids)])
    .orderBy('i.variant_id')
    .orderBy('i.unit_cost_minor')
    .orderBy(sql`coalesce(i.lead_time_days, s.lead_time_days)`)
    .orderBy('i.supplier_id')
    .execute();
  const supply = new Map<string, Supply>();
  for (const { variant_id, ...row } of rows) if (!supply.has(variant_id)) supply.set(variant_id, row);
  return supply;
}
