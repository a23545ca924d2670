import { z } from '@hono/zod-openapi';
import type { AnyDb } from '../../kernel/db.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { decodeCursor, encodeCursor, isIdPart, keyCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { existingVariants, searchVariantIds, variantLabels, type VariantLabel } from '../catalog/index.js';
import { getLocation, listLocations } from '../locations/index.js';
import { matrixColumns, matrixRows, matrixStatuses } from './matrix.js';
import { adjustStock, listMovements, listStockLevels, quantity_max, receiveStock, setLowStockThreshold, transferStock, type StockLevel } from './stock.js';

const levelOut = z
  .object({ variant_id: z.string(), location_id: z.string(), on_hand: z.number().int(), reserved: z.number().int(), available: z.number().int(), low_stock_threshold: z.number().int() })
  .openapi('StockLevel');
const movementOut = z
  .object({ id: z.string(), variant_id: z.string(), location_id: z.string(), reason: z.string(), on_hand_delta: z.number().int(), reserved_delta: z.number().int(), reference: z.string().nullable(), note: z.string().nullable(), created_at: z.string() })
  .openapi('StockMovement');

const quantity = z.number().int('must be a whole number of units').min(1, 'must be at least 1').max(quantity_max, `must be at most ${quantity_max}`);
const id = z.string().min(1).max(64);

function levelJson(l: StockLevel): z.infer<typeof levelOut> {
  return { variant_id: l.variant_id, location_id: l.location_id, on_hand: Number(l.on_hand), reserved: Number(l.reserved), available: Number(l.available), low_stock_threshold: l.low_stock_threshold };
}


/** How a level's variant is named: its SKU, product and titles, the product's in other languages too. */
const variantNames = {
  sku: z.string().nullable(),
  product_id: z.string().nullable(),
  title: z.string().nullable().openapi({ description: 'the product title, with the variant title when the product has several variants' }),
  product_title: z.string().nullable(),
  variant_title: z.string().nullable(),
  title_i18n: z.record(z.string(), z.string()).openapi({ description: 'the product title in other languages, by language tag' }),
};

function namesJson(label: VariantLabel | undefined) {
  return { sku: label?.sku ?? null, product_id: label?.product_id ?? null, title: label?.display_title ?? null, product_title: label?.product_title ?? null, variant_title: label?.variant_title ?? null, title_i18n: label?.title_i18n ?? {} };
}

/** Stock may only be booked for the merchant's own variants at its own locations. */
async function requireOwned(db: AnyDb, merchant_id: string, variant_id: string, location_ids: string[]): Promise<void> {
  if (!(await existingVariants(db, merchant_id, [variant_id])).has(variant_id)) throw problems.notFound("The variant");
  for (const location_id of location_ids) {
    if ((await getLocation(db, merchant_id, location_id)) === undefined) throw problems.notFound("The location");
  }
}

/** Stock levels are ordered by variant, then location: the cursor holds the last pair. */
const levelCursor = keyCursor([isIdPart, isIdPart]);

export const listStockRoute = defineRoute({
  operationId: 'listStockLevels',
  method: 'get',
  path: '/v1/stock',
  tags: ['Inventory'],
  summary: 'Stock levels per variant and location: on hand, reserved, available',
  access: { scope: 'inventory:read', tenancy: 'merchant' },
  request: { query: pageQuerySchema.extend({ variant_id: id.optional(), location_id: id.optional() }) },
  responses: {
    200: jsonResponse(
      pageSchema(levelOut.extend(variantNames)),
      'Stock levels with the names of their variants',
    ),
  },
});

/** The matrix's columns: a merchant has tens of locations, and the matrix shows this many at most. */
const matrix_locations_max = 200;
const matrixTotals = { on_hand: z.number().int(), reserved: z.number().int(), available: z.number().int() };
const matrixCell = z
  .object({ location_id: z.string(), ...matrixTotals, low_stock_threshold: z.number().int(), low: z.boolean().openapi({ description: 'something available, but no more than the threshold' }), out: z.boolean().openapi({ description: 'nothing available' }) })
  .openapi('StockMatrixCell');
const matrixRow = z
  .object({ variant_id: z.string(), ...variantNames, totals: z.object({ ...matrixTotals, low_locations: z.number().int(), out_locations: z.number().int() }), cells: z.array(matrixCell).openapi({ description: 'one per location where the variant is stocked; a location without a cell never held it' }) })
  .openapi('StockMatrixRow');
const matrixLocation = z
  .object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    kind: z.enum(['warehouse', 'store']),
    active: z.boolean(),
    latitude: z.number(),
    longitude: z.number(),
    totals: z.object({ ...matrixTotals, stocked_variants: z.number().int(), low_variants: z.number().int(), out_variants: z.number().int() }).openapi({ description: 'over every matching row, not only this page' }),
  })
  .openapi('StockMatrixLocation');

export const stockMatrixRoute = defineRoute({
  operationId: 'getStockMatrix',
  method: 'get',
  path: '/v1/stock/matrix',
  tags: ['Inventory'],
  summary: 'Stock as variants (rows, paged) × locations (columns), with totals per row, per location and overall',
  access: { scope: 'inventory:read', tenancy: 'merchant' },
  request: {
    query: pageQuerySchema.extend({
      q: z.string().max(200).optional().openapi({ description: 'a SKU or barcode (its start), or words of the product title in any of its languages' }),
      category_id: id.optional(),
      variant_id: id.optional().openapi({ description: 'only this variant’s row, e.g. to show one product on the map' }),
      status: z.enum(matrixStatuses).optional().openapi({ description: 'only rows with a low (`low`), an empty (`out`) or either (`attention`) location' }),
    }),
  },
  responses: {
    200: jsonResponse(
      z
        .object({
          locations: z.array(matrixLocation),
          data: z.array(matrixRow),
          totals: z.object({ ...matrixTotals, rows: z.number().int().openapi({ description: 'rows matching, on all pages' }), low_cells: z.number().int(), out_cells: z.number().int() }),
          next_cursor: z.string().nullable(),
        })
        .openapi('StockMatrix'),
      'A page of rows, every column, and the totals',
    ),
  },
});

export const receiveStockRoute = defineRoute({
  operationId: 'receiveStock',
  method: 'post',
  path: '/v1/stock/receipts',
  tags: ['Inventory'],
  summary: 'Book goods received at a location',
  access: { scope: 'inventory:write', tenancy: 'merchant' },
  request: jsonBody(z.object({ variant_id: id, location_id: id, quantity, note: z.string().max(500).optional() }).strict()),
  responses: { 201: jsonResponse(levelOut, 'The new level') },
});

export const adjustStockRoute = defineRoute({
  operationId: 'adjustStock',
  method: 'post',
  path: '/v1/stock/adjustments',
  tags: ['Inventory'],
  summary: 'Correct the on-hand count (stocktake, damage, loss), with a reason',
  access: { scope: 'inventory:write', tenancy: 'merchant' },
  request: jsonBody(
    z.object({ variant_id: id, location_id: id, on_hand_delta: z.number().int().min(-quantity_max).max(quantity_max).refine((n) => n !== 0, 'must not be zero'), note: z.string().min(1, 'say why').max(500) }).strict(),
  ),
  responses: { 201: jsonResponse(levelOut, 'The new level') },
});

export const transferStockRoute = defineRoute({
  operationId: 'transferStock',
  method: 'post',
  path: '/v1/stock/transfers',
  tags: ['Inventory'],
  summary: 'Move available units from one location to another',
  access: { scope: 'inventory:write', tenancy: 'merchant' },
  request: jsonBody(z.object({ variant_id: id, from_location_id: id, to_location_id: id, quantity }).strict()),
  responses: { 201: jsonResponse(z.object({ transfer_id: z.string(), from: levelOut, to: levelOut }), 'Both levels after the transfer') },
});

export const thresholdRoute = defineRoute({
  operationId: 'setLowStockThreshold',
  method: 'put',
  path: '/v1/stock/thresholds',
  tags: ['Inventory'],
  summary: 'Set the available quantity at or below which a low-stock event is raised',
  access: { scope: 'inventory:write', tenancy: 'merchant' },
  request: jsonBody(z.object({ variant_id: id, location_id: id, low_stock_threshold: z.number().int().min(0).max(quantity_max) }).strict()),
  responses: { 200: jsonResponse(levelOut, 'The level with its threshold') },
});

export const listMovementsRoute = defineRoute({
  operationId: 'listStockMovements',
  method: 'get',
  path: '/v1/stock/movements',
  tags: ['Inventory'],
  summary: 'The stock journal, newest first',
  access: { scope: 'inventory:read', tenancy: 'merchant' },
  request: { query: pageQuerySchema.extend({ variant_id: id.optional(), location_id: id.optional(), reference: id.optional() }) },
  responses: { 200: jsonResponse(pageSchema(movementOut), 'A page of journal rows') },
});

export function registerRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(listStockRoute, async (c) => {
    const { variant_id, location_id, cursor, limit } = c.req.valid('query');
    const merchant_id = c.get('caller').merchant_id;
    const after = levelCursor.decode(cursor);
    const rows = await listStockLevels(db, merchant_id, { variant_id, location_id, after: after === undefined ? undefined : { variant_id: after[0]!, location_id: after[1]! }, limit: limit + 1 });
    const page = toPage(rows, limit, (last) => levelCursor.encode([last.variant_id, last.location_id]));
    const labels = await variantLabels(db, merchant_id, page.items.map((l) => l.variant_id));
    return c.json(
      {
        data: page.items.map((l) => ({ ...levelJson(l), ...namesJson(labels.get(l.variant_id)) })),
        next_cursor: page.next_cursor,
      },
      200,
    );
  });

  router.route(stockMatrixRoute, async (c) => {
    const { q, category_id, variant_id, status, cursor, limit } = c.req.valid('query');
    const merchant_id = c.get('caller').merchant_id;
    const after_variant_id = decodeCursor(cursor);
    const [found, locations] = await Promise.all([searchVariantIds(db, merchant_id, { q, category_id }), listLocations(db, merchant_id, { limit: matrix_locations_max })]);
    const variant_ids = variant_id === undefined ? found : found.filter((v) => v === variant_id);
    const location_ids = locations.map((l) => l.id);
    const [rows, columns] = await Promise.all([
      matrixRows(db, merchant_id, { variant_ids, location_ids, status, after_variant_id, limit: limit + 1 }),
      matrixColumns(db, merchant_id, { variant_ids, location_ids, status }),
    ]);
    const page = toPage(rows, limit, (last) => encodeCursor(last.variant_id));
    const labels = await variantLabels(db, merchant_id, page.items.map((r) => r.variant_id));
    const sum = (k: 'on_hand' | 'reserved' | 'available' | 'low_variants' | 'out_variants') => columns.columns.reduce((s, col) => s + col[k], 0);
    return c.json(
      {
        locations: locations.map((l, i) => {
          const { location_id: _, ...totals } = columns.columns[i]!;
          return { id: l.id, code: l.code, name: l.name, kind: l.kind, active: l.active, latitude: l.latitude, longitude: l.longitude, totals };
        }),
        data: page.items.map((r) => ({
          variant_id: r.variant_id,
          ...namesJson(labels.get(r.variant_id)),
          totals: { on_hand: r.on_hand, reserved: r.reserved, available: r.available, low_locations: r.low_locations, out_locations: r.out_locations },
          cells: r.cells,
        })),
        totals: { on_hand: sum('on_hand'), reserved: sum('reserved'), available: sum('available'), rows: columns.rows_matched, low_cells: sum('low_variants'), out_cells: sum('out_variants') },
        next_cursor: page.next_cursor,
      },
      200,
    );
  });

  router.route(receiveStockRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const input = c.req.valid('json');
    await requireOwned(db, merchant_id, input.variant_id, [input.location_id]);
    const level = await receiveStock(db, { merchant_id, variant_id: input.variant_id, location_id: input.location_id }, input.quantity, input.note);
    return c.json(levelJson(level), 201);
  });

  router.route(adjustStockRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const input = c.req.valid('json');
    await requireOwned(db, merchant_id, input.variant_id, [input.location_id]);
    const level = await adjustStock(db, { merchant_id, variant_id: input.variant_id, location_id: input.location_id }, input.on_hand_delta, input.note);
    return c.json(levelJson(level), 201);
  });

  router.route(transferStockRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const input = c.req.valid('json');
    await requireOwned(db, merchant_id, input.variant_id, [input.from_location_id, input.to_location_id]);
    const result = await transferStock(db, merchant_id, input.variant_id, input.from_location_id, input.to_location_id, input.quantity);
    return c.json({ transfer_id: result.transfer_id, from: levelJson(result.from), to: levelJson(result.to) }, 201);
  });

  router.route(thresholdRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const input = c.req.valid('json');
    await requireOwned(db, merchant_id, input.variant_id, [input.location_id]);
    const level = await setLowStockThreshold(db, { merchant_id, variant_id: input.variant_id, location_id: input.location_id }, input.low_stock_threshold);
    return c.json(levelJson(level), 200);
  });

  router.route(listMovementsRoute, async (c) => {
    const { variant_id, location_id, reference, cursor, limit } = c.req.valid('query');
    const rows = await listMovements(db, c.get('caller').merchant_id, { variant_id, location_id, reference, before_id: decodeCursor(cursor), limit: limit + 1 });
    const page = toPage(rows, limit);
    return c.json(
      {
        data: page.items.map((m) => ({ id: m.id, variant_id: m.variant_id, location_id: m.location_id, reason: m.reason, on_hand_delta: Number(m.on_hand_delta), reserved_delta: Number(m.reserved_delta), reference: m.reference, note: m.note, created_at: m.created_at.toISOString() })),
        next_cursor: page.next_cursor,
      },
      200,
    );
  });
}
