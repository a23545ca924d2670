/** Suppliers, settings, plan, suggestions, purchase orders. docs/REPLENISHMENT.md. */
import { z } from '@hono/zod-openapi';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { decodeCursor, isIdPart, keyCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { currencySchema, toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { variantLabels } from '../catalog/index.js';
import { quantity_max } from '../inventory/index.js';
import { runPlan } from './plan.js';
import { cancelPurchaseOrder, createPurchaseOrder, getPurchaseOrder, listPurchaseOrders, purchase_order_lines_max, receivePurchaseOrder, type PurchaseOrder } from './purchase-orders.js';
import { listReplenishmentSettings, putReplenishmentSetting } from './settings.js';
import { approveSuggestion, getSuggestion, listSuggestions, rejectSuggestion, type Suggestion } from './suggestions.js';
import { createSupplier, deleteSupplierItem, getSupplier, listSupplierItems, listSuppliers, putSupplierItem, updateSupplier, type Supplier, type SupplierItem } from './suppliers.js';
import { purchaseOrderStatuses, suggestionKinds, suggestionStatuses, supplierStatuses } from './tables.js';

const tags = ['Replenishment'];
const read = { scope: 'replenishment:read', tenancy: 'merchant' } as const;
const write = { scope: 'replenishment:write', tenancy: 'merchant' } as const;
const id = z.string().min(1).max(64);
const pathParam = (name: string) => z.string().max(64).openapi({ param: { name, in: 'path' } });
const leadTime = z.number().int('must be a whole number of days').min(0, 'must not be negative').max(365, 'must be at most 365 days');
const quantity = z.number().int('must be a whole number of units').min(1, 'must be at least 1').max(quantity_max, `must be at most ${quantity_max}`);
const variantIdsCursor = keyCursor([isIdPart]);

const supplierSchema = z
  .object({ id: z.string(), name: z.string(), email: z.string().nullable(), currency: z.string(), lead_time_days: z.number().int(), status: z.enum(supplierStatuses), created_at: z.string(), updated_at: z.string() })
  .openapi('Supplier');
const newSupplierSchema = z.object({ name: z.string().trim().min(1).max(200), email: z.string().email().max(320).optional(), currency: currencySchema, lead_time_days: leadTime.openapi({ description: 'days from ordering to receiving, unless an item says otherwise' }) }).strict();
const supplierItemSchema = z
  .object({ variant_id: z.string(), sku: z.string().nullable(), title: z.string().nullable(), lead_time_days: z.number().int().nullable(), min_order: z.number().int(), pack_size: z.number().int(), unit_cost_minor: z.number().int(), currency: z.string() })
  .openapi('SupplierItem');
const supplierItemBody = z
  .object({
    lead_time_days: leadTime.nullable().optional().openapi({ description: 'overrides the supplier’s lead time for this variant' }),
    min_order: quantity.default(1).openapi({ description: 'fewest units per order' }),
    pack_size: quantity.default(1).openapi({ description: 'orders are whole packs of this many units' }),
    unit_cost_minor: z.number().int().min(0, 'must not be negative').max(100_000_000_00),
  })
  .strict();
const settingSchema = z
  .object({
    variant_id: z.string(),
    service_level: z.number().gt(0, 'must be more than 0').lt(1, 'must be less than 1').openapi({ description: 'cycle service level, strictly between 0 and 1 (0.95: 95 % of cycles end without a stock-out)' }),
    review_days: z.number().int().min(1, 'must be at least 1 day').max(365),
    shelf_life_days: z.number().int().min(1, 'must be at least 1 day (null: it does not perish)').max(3650).nullable().openapi({ description: 'days a unit stays sellable after it is received; null when it does not perish' }),
  })
  .openapi('ReplenishmentSetting');
const whySchema = z.object({ available: z.number(), on_order: z.number(), reorder_point: z.number(), order_up_to: z.number(), safety_stock: z.number(), lead_time_demand: z.number(), service_level: z.number(), lead_time_days: z.number() });
const suggestionSchema = z
  .object({
    id: z.string(),
    kind: z.enum(suggestionKinds),
    status: z.enum(suggestionStatuses),
    supplier_id: z.string().nullable(),
    supplier_name: z.string().nullable(),
    from_location_id: z.string().nullable(),
    to_location_id: z.string(),
    lines: z.array(z.object({ variant_id: z.string(), sku: z.string().nullable(), title: z.string().nullable(), quantity: z.number().int(), suggested_quantity: z.number().int(), why: whySchema.openapi({ description: 'the destination’s position against its policy (for a network purchase order: warehouses and stores together)' }) })),
    reason: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    decided_at: z.string().nullable(),
    purchase_order_id: z.string().nullable(),
    transfer_ids: z.array(z.string()),
  })
  .openapi('ReplenishmentSuggestion');
const purchaseOrderSchema = z
  .object({
    id: z.string(),
    supplier_id: z.string(),
    location_id: z.string(),
    status: z.enum(purchaseOrderStatuses),
    currency: z.string(),
    suggestion_id: z.string().nullable(),
    note: z.string().nullable(),
    lines: z.array(z.object({ variant_id: z.string(), sku: z.string().nullable(), title: z.string().nullable(), quantity: z.number().int(), received_quantity: z.number().int(), unit_cost_minor: z.number().int() })),
    total_minor: z.number().int(),
    expected_at: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('PurchaseOrder');
const planSchema = z
  .object({ suggestions: z.number().int(), purchase_orders: z.number().int(), transfers: z.number().int(), superseded: z.number().int(), skipped: z.array(z.object({ variant_id: z.string(), location_id: z.string(), why: z.string() })) })
  .openapi('ReplenishmentPlan');
const linesBody = (min: number) => z.array(z.object({ variant_id: id, quantity: z.number().int('must be a whole number of units').min(min, `must be at least ${min}`).max(quantity_max) }).strict()).max(purchase_order_lines_max);

function supplierJson(s: Supplier): z.infer<typeof supplierSchema> {
  return { id: s.id, name: s.name, email: s.email, currency: s.currency, lead_time_days: s.lead_time_days, status: s.status, created_at: s.created_at.toISOString(), updated_at: s.updated_at.toISOString() };
}

async function labelsOf(db: AnyDb, merchant_id: string, variant_ids: readonly string[]) {
  const labels = await variantLabels(db, merchant_id, variant_ids);
  return (variant_id: string) => ({ sku: labels.get(variant_id)?.sku ?? null, title: labels.get(variant_id)?.display_title ?? null });
}

async function suggestionsJson(db: AnyDb, merchant_id: string, list: readonly Suggestion[]): Promise<z.infer<typeof suggestionSchema>[]> {
  const label = await labelsOf(db, merchant_id, list.flatMap((s) => s.lines.map((l) => l.variant_id)));
  const supplierIds = [...new Set(list.flatMap((s) => (s.supplier_id === null ? [] : [s.supplier_id])))];
  const names = new Map<string, string>();
  for (const sid of supplierIds) names.set(sid, (await getSupplier(db, merchant_id, sid))?.name ?? sid);
  return list.map((s) => ({
    id: s.id,
    kind: s.kind,
    status: s.status,
    supplier_id: s.supplier_id,
    supplier_name: s.supplier_id === null ? null : (names.get(s.supplier_id) ?? null),
    from_location_id: s.from_location_id,
    to_location_id: s.to_location_id,
    lines: s.lines.map((l) => ({ variant_id: l.variant_id, ...label(l.variant_id), quantity: l.quantity, suggested_quantity: l.suggested_quantity, why: l.why })),
    reason: s.reason,
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
    decided_at: s.decided_at?.toISOString() ?? null,
    purchase_order_id: s.purchase_order_id,
    transfer_ids: s.transfer_ids,
  }));
}

async function purchaseOrdersJson(db: AnyDb, merchant_id: string, list: readonly PurchaseOrder[]): Promise<z.infer<typeof purchaseOrderSchema>[]> {
  const label = await labelsOf(db, merchant_id, list.flatMap((o) => o.lines.map((l) => l.variant_id)));
  return list.map((o) => ({
    id: o.id,
    supplier_id: o.supplier_id,
    location_id: o.location_id,
    status: o.status,
    currency: o.currency,
    suggestion_id: o.suggestion_id,
    note: o.note,
    lines: o.lines.map((l) => ({ variant_id: l.variant_id, ...label(l.variant_id), quantity: l.quantity, received_quantity: l.received_quantity, unit_cost_minor: toJsonAmount(l.unit_cost_minor) })),
    total_minor: toJsonAmount(o.lines.reduce((s, l) => s + l.unit_cost_minor * BigInt(l.quantity), 0n)),
    expected_at: o.expected_at.toISOString(),
    created_at: o.created_at.toISOString(),
    updated_at: o.updated_at.toISOString(),
  }));
}

const supplierParams = z.object({ supplier_id: pathParam('supplier_id') });
const itemParams = z.object({ supplier_id: pathParam('supplier_id'), variant_id: pathParam('variant_id') });
const suggestionParams = z.object({ suggestion_id: pathParam('suggestion_id') });
const orderParams = z.object({ purchase_order_id: pathParam('purchase_order_id') });

export const createSupplierRoute = defineRoute({ operationId: 'createSupplier', method: 'post', path: '/v1/suppliers', tags, summary: 'Add a supplier with its default lead time', access: write, request: jsonBody(newSupplierSchema), responses: { 201: jsonResponse(supplierSchema, 'The supplier, active') } });
export const listSuppliersRoute = defineRoute({ operationId: 'listSuppliers', method: 'get', path: '/v1/suppliers', tags, summary: 'The merchant’s suppliers, oldest first', access: read, request: { query: pageQuerySchema.extend({ status: z.enum(supplierStatuses).optional() }) }, responses: { 200: jsonResponse(pageSchema(supplierSchema), 'A page of suppliers') } });
export const getSupplierRoute = defineRoute({ operationId: 'getSupplier', method: 'get', path: '/v1/suppliers/{supplier_id}', tags, summary: 'One supplier', access: read, request: { params: supplierParams }, responses: { 200: jsonResponse(supplierSchema, 'The supplier') } });
export const updateSupplierRoute = defineRoute({
  operationId: 'updateSupplier',
  method: 'patch',
  path: '/v1/suppliers/{supplier_id}',
  tags,
  summary: 'Change a supplier, or archive it (`status: archived`): the plan no longer orders from it; its purchase orders stay',
  access: write,
  request: { params: supplierParams, ...jsonBody(newSupplierSchema.partial().extend({ email: z.string().email().max(320).nullable().optional(), status: z.enum(supplierStatuses).optional() }).strict()) },
  responses: { 200: jsonResponse(supplierSchema, 'The changed supplier') },
});
export const putSupplierItemRoute = defineRoute({ operationId: 'putSupplierItem', method: 'put', path: '/v1/suppliers/{supplier_id}/items/{variant_id}', tags, summary: 'Set what the supplier supplies of a variant: lead time, minimum order, pack size, unit cost', access: write, request: { params: itemParams, ...jsonBody(supplierItemBody) }, responses: { 200: jsonResponse(supplierItemSchema, 'The item') } });
export const listSupplierItemsRoute = defineRoute({ operationId: 'listSupplierItems', method: 'get', path: '/v1/suppliers/{supplier_id}/items', tags, summary: 'What the supplier supplies, by variant', access: read, request: { params: supplierParams, query: pageQuerySchema }, responses: { 200: jsonResponse(pageSchema(supplierItemSchema), 'A page of items') } });
export const deleteSupplierItemRoute = defineRoute({ operationId: 'deleteSupplierItem', method: 'delete', path: '/v1/suppliers/{supplier_id}/items/{variant_id}', tags, summary: 'The supplier no longer supplies this variant', access: write, request: { params: itemParams }, responses: { 200: jsonResponse(z.object({ variant_id: z.string(), deleted: z.literal(true) }), 'Deleted') } });
export const putSettingRoute = defineRoute({ operationId: 'putReplenishmentSetting', method: 'put', path: '/v1/replenishment/settings/{variant_id}', tags, summary: 'Set a variant’s service level, review period and shelf life', access: write, request: { params: z.object({ variant_id: pathParam('variant_id') }), ...jsonBody(settingSchema.omit({ variant_id: true }).partial({ review_days: true, shelf_life_days: true }).strict()) }, responses: { 200: jsonResponse(settingSchema, 'The setting') } });
export const listSettingsRoute = defineRoute({ operationId: 'listReplenishmentSettings', method: 'get', path: '/v1/replenishment/settings', tags, summary: 'The variants with settings of their own (the others take the defaults: 95 %, 7 days, no shelf life)', access: read, request: { query: pageQuerySchema }, responses: { 200: jsonResponse(pageSchema(settingSchema), 'A page of settings') } });
export const planRoute = defineRoute({ operationId: 'planReplenishment', method: 'post', path: '/v1/replenishment/plan', tags, summary: 'Plan transfers and purchase orders from the current forecast; replaces the open suggestions, never duplicates them', access: write, responses: { 200: jsonResponse(planSchema, 'What the plan suggested, and what it skipped and why') } });
export const listSuggestionsRoute = defineRoute({ operationId: 'listReplenishmentSuggestions', method: 'get', path: '/v1/replenishment/suggestions', tags, summary: 'Suggestions, newest first', access: read, request: { query: pageQuerySchema.extend({ status: z.enum(suggestionStatuses).optional(), kind: z.enum(suggestionKinds).optional() }) }, responses: { 200: jsonResponse(pageSchema(suggestionSchema), 'A page of suggestions') } });
export const getSuggestionRoute = defineRoute({ operationId: 'getReplenishmentSuggestion', method: 'get', path: '/v1/replenishment/suggestions/{suggestion_id}', tags, summary: 'One suggestion with the why of each line', access: read, request: { params: suggestionParams }, responses: { 200: jsonResponse(suggestionSchema, 'The suggestion') } });
export const approveSuggestionRoute = defineRoute({
  operationId: 'approveReplenishmentSuggestion',
  method: 'post',
  path: '/v1/replenishment/suggestions/{suggestion_id}/approve',
  tags,
  summary: 'Approve a suggestion, quantities edited or not (0 drops a line): a transfer moves the stock now, all lines or none; a purchase order is created',
  access: write,
  request: { params: suggestionParams, body: { required: false, content: { 'application/json': { schema: z.object({ lines: linesBody(0).optional() }).strict() } } } },
  responses: { 200: jsonResponse(suggestionSchema, 'The approved suggestion with its purchase order or transfers') },
});
export const rejectSuggestionRoute = defineRoute({ operationId: 'rejectReplenishmentSuggestion', method: 'post', path: '/v1/replenishment/suggestions/{suggestion_id}/reject', tags, summary: 'Reject a suggestion, saying why', access: write, request: { params: suggestionParams, body: { required: false, content: { 'application/json': { schema: z.object({ reason: z.string().max(500).optional() }).strict() } } } }, responses: { 200: jsonResponse(suggestionSchema, 'The rejected suggestion') } });
export const createPurchaseOrderRoute = defineRoute({
  operationId: 'createPurchaseOrder',
  method: 'post',
  path: '/v1/purchase-orders',
  tags,
  summary: 'Order from a supplier by hand, delivered to a location; created approved',
  access: write,
  request: jsonBody(z.object({ supplier_id: id, location_id: id, lines: z.array(z.object({ variant_id: id, quantity, unit_cost_minor: z.number().int().min(0).max(100_000_000_00).optional().openapi({ description: 'default: the supplier item’s' }) }).strict()).min(1).max(purchase_order_lines_max), note: z.string().max(500).optional() }).strict()),
  responses: { 201: jsonResponse(purchaseOrderSchema, 'The purchase order') },
});
export const listPurchaseOrdersRoute = defineRoute({ operationId: 'listPurchaseOrders', method: 'get', path: '/v1/purchase-orders', tags, summary: 'Purchase orders, newest first', access: read, request: { query: pageQuerySchema.extend({ status: z.enum(purchaseOrderStatuses).optional(), supplier_id: id.optional() }) }, responses: { 200: jsonResponse(pageSchema(purchaseOrderSchema), 'A page of purchase orders') } });
export const getPurchaseOrderRoute = defineRoute({ operationId: 'getPurchaseOrder', method: 'get', path: '/v1/purchase-orders/{purchase_order_id}', tags, summary: 'One purchase order with what was received', access: read, request: { params: orderParams }, responses: { 200: jsonResponse(purchaseOrderSchema, 'The purchase order') } });
export const receivePurchaseOrderRoute = defineRoute({
  operationId: 'receivePurchaseOrder',
  method: 'post',
  path: '/v1/purchase-orders/{purchase_order_id}/receive',
  tags,
  summary: 'Receive units into stock at the order’s location: the lines given, or all that is outstanding; never more than ordered (send an Idempotency-Key to retry safely)',
  access: write,
  request: { params: orderParams, body: { required: false, content: { 'application/json': { schema: z.object({ lines: linesBody(1).min(1).optional() }).strict() } } } },
  responses: { 200: jsonResponse(purchaseOrderSchema, 'The purchase order after the receipt') },
});
export const cancelPurchaseOrderRoute = defineRoute({ operationId: 'cancelPurchaseOrder', method: 'post', path: '/v1/purchase-orders/{purchase_order_id}/cancel', tags, summary: 'Cancel what was not received', access: write, request: { params: orderParams }, responses: { 200: jsonResponse(purchaseOrderSchema, 'The cancelled purchase order') } });

export function registerCoreRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(createSupplierRoute, async (c) => c.json(supplierJson(await createSupplier(db, c.get('caller').merchant_id, c.req.valid('json'))), 201));
  router.route(listSuppliersRoute, async (c) => {
    const { limit, cursor, status } = c.req.valid('query');
    const page = toPage(await listSuppliers(db, c.get('caller').merchant_id, { status, after_id: decodeCursor(cursor), limit: limit + 1 }), limit);
    return c.json({ data: page.items.map(supplierJson), next_cursor: page.next_cursor }, 200);
  });
  router.route(getSupplierRoute, async (c) => {
    const supplier = await getSupplier(db, c.get('caller').merchant_id, c.req.valid('param').supplier_id);
    if (supplier === undefined) throw problems.notFound('The supplier');
    return c.json(supplierJson(supplier), 200);
  });
  router.route(updateSupplierRoute, async (c) => {
    const supplier = await updateSupplier(db, c.get('caller').merchant_id, c.req.valid('param').supplier_id, c.req.valid('json'));
    if (supplier === undefined) throw problems.notFound('The supplier');
    return c.json(supplierJson(supplier), 200);
  });
  router.route(putSupplierItemRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { supplier_id, variant_id } = c.req.valid('param');
    const item = await putSupplierItem(db, merchant_id, supplier_id, variant_id, c.req.valid('json'));
    const supplier = (await getSupplier(db, merchant_id, supplier_id))!;
    return c.json(itemJson(item, supplier.currency, await labelsOf(db, merchant_id, [variant_id])), 200);
  });
  router.route(listSupplierItemsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const supplier = await getSupplier(db, merchant_id, c.req.valid('param').supplier_id);
    if (supplier === undefined) throw problems.notFound('The supplier');
    const { limit, cursor } = c.req.valid('query');
    const rows = await listSupplierItems(db, merchant_id, supplier.id, { after_variant_id: variantIdsCursor.decode(cursor)?.[0], limit: limit + 1 });
    const page = toPage(rows, limit, (last) => variantIdsCursor.encode([last.variant_id]));
    const label = await labelsOf(db, merchant_id, page.items.map((i) => i.variant_id));
    return c.json({ data: page.items.map((i) => itemJson(i, supplier.currency, label)), next_cursor: page.next_cursor }, 200);
  });
  router.route(deleteSupplierItemRoute, async (c) => {
    const { supplier_id, variant_id } = c.req.valid('param');
    if (!(await deleteSupplierItem(db, c.get('caller').merchant_id, supplier_id, variant_id))) throw problems.notFound('The supplier item');
    return c.json({ variant_id, deleted: true as const }, 200);
  });
  router.route(putSettingRoute, async (c) => {
    const body = c.req.valid('json');
    const setting = await putReplenishmentSetting(db, c.get('caller').merchant_id, { variant_id: c.req.valid('param').variant_id, service_level: body.service_level, review_days: body.review_days ?? 7, shelf_life_days: body.shelf_life_days ?? null });
    return c.json(setting, 200);
  });
  router.route(listSettingsRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await listReplenishmentSettings(db, c.get('caller').merchant_id, { after_variant_id: variantIdsCursor.decode(cursor)?.[0], limit: limit + 1 });
    const page = toPage(rows, limit, (last) => variantIdsCursor.encode([last.variant_id]));
    return c.json({ data: page.items, next_cursor: page.next_cursor }, 200);
  });
  router.route(planRoute, async (c) => c.json(await runPlan(db, c.get('caller').merchant_id), 200));
  router.route(listSuggestionsRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { limit, cursor, status, kind } = c.req.valid('query');
    const page = toPage(await listSuggestions(db, merchant_id, { status, kind, before_id: decodeCursor(cursor), limit: limit + 1 }), limit);
    return c.json({ data: await suggestionsJson(db, merchant_id, page.items), next_cursor: page.next_cursor }, 200);
  });
  router.route(getSuggestionRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const suggestion = await getSuggestion(db, merchant_id, c.req.valid('param').suggestion_id);
    if (suggestion === undefined) throw problems.notFound('The suggestion');
    return c.json((await suggestionsJson(db, merchant_id, [suggestion]))[0]!, 200);
  });
  router.route(approveSuggestionRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const body = c.req.valid('json');
    const approved = await approveSuggestion(db, merchant_id, c.req.valid('param').suggestion_id, body.lines ?? []);
    return c.json((await suggestionsJson(db, merchant_id, [approved]))[0]!, 200);
  });
  router.route(rejectSuggestionRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const body = c.req.valid('json');
    const rejected = await rejectSuggestion(db, merchant_id, c.req.valid('param').suggestion_id, body.reason);
    return c.json((await suggestionsJson(db, merchant_id, [rejected]))[0]!, 200);
  });
  router.route(createPurchaseOrderRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const order = await inTransaction(db, (trx) => createPurchaseOrder(trx, merchant_id, c.req.valid('json')));
    return c.json((await purchaseOrdersJson(db, merchant_id, [order]))[0]!, 201);
  });
  router.route(listPurchaseOrdersRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { limit, cursor, status, supplier_id } = c.req.valid('query');
    const page = toPage(await listPurchaseOrders(db, merchant_id, { status, supplier_id, before_id: decodeCursor(cursor), limit: limit + 1 }), limit);
    return c.json({ data: await purchaseOrdersJson(db, merchant_id, page.items), next_cursor: page.next_cursor }, 200);
  });
  router.route(getPurchaseOrderRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const order = await getPurchaseOrder(db, merchant_id, c.req.valid('param').purchase_order_id);
    if (order === undefined) throw problems.notFound('The purchase order');
    return c.json((await purchaseOrdersJson(db, merchant_id, [order]))[0]!, 200);
  });
  router.route(receivePurchaseOrderRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const body = c.req.valid('json');
    const order = await receivePurchaseOrder(db, merchant_id, c.req.valid('param').purchase_order_id, body.lines);
    return c.json((await purchaseOrdersJson(db, merchant_id, [order]))[0]!, 200);
  });
  router.route(cancelPurchaseOrderRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const order = await cancelPurchaseOrder(db, merchant_id, c.req.valid('param').purchase_order_id);
    return c.json((await purchaseOrdersJson(db, merchant_id, [order]))[0]!, 200);
  });
}

function itemJson(i: SupplierItem, currency: string, label: (variant_id: string) => { sku: string | null; title: string | null }): z.infer<typeof supplierItemSchema> {
  return { variant_id: i.variant_id, ...label(i.variant_id), lead_time_days: i.lead_time_days, min_order: i.min_order, pack_size: i.pack_size, unit_cost_minor: toJsonAmount(i.unit_cost_minor), currency };
}
