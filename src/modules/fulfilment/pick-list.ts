import { z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { defineRoute, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { getLocation } from '../locations/index.js';

/**
 * A location's pick list: what its staff must take off the shelves, per variant, for the
 * fulfilments waiting to be picked or being picked, the most urgent first. Each entry says how
 * many units in all, for which orders and fulfilments, and how long until the first promise it
 * serves is at risk (its pick-by).
 */
export interface PickListEntry {
  variant_id: string;
  sku: string;
  title: string;
  quantity: number;
  pick_by: Date;
  fulfilments: { fulfilment_id: string; order_id: string; line_no: number; quantity: number; method: string; status: string; pick_by: Date }[];
}

/** Fulfilment lines one pick list gathers: a store's open work for a shift, bounded. */
const lines_max = 2_000;

export async function pickList(db: AnyDb, merchant_id: string, location_id: string): Promise<{ entries: PickListEntry[]; truncated: boolean }> {
  const rows = await sql<{ variant_id: string; sku: string; title: string; quantity: number; fulfilment_id: string; order_id: string; line_no: number; method: string; status: string; pick_by: Date }>`
    select fl.variant_id, fl.sku, fl.title, fl.quantity, f.id as fulfilment_id, f.order_id, fl.line_no, f.method, f.status, f.pick_by
    from fulfilment f join fulfilment_line fl on fl.merchant_id = f.merchant_id and fl.fulfilment_id = f.id
    where f.merchant_id = ${merchant_id} and f.location_id = ${location_id} and f.status in ('awaiting_pick', 'picking')
    order by f.pick_by, f.id, fl.line_no
    limit ${lines_max + 1}`.execute(db);
  const truncated = rows.rows.length > lines_max;
  const byVariant = new Map<string, PickListEntry>();
  for (const r of rows.rows.slice(0, lines_max)) {
    const entry = byVariant.get(r.variant_id) ?? { variant_id: r.variant_id, sku: r.sku, title: r.title, quantity: 0, pick_by: r.pick_by, fulfilments: [] };
    entry.quantity += r.quantity;
    entry.fulfilments.push({ fulfilment_id: r.fulfilment_id, order_id: r.order_id, line_no: r.line_no, quantity: r.quantity, method: r.method, status: r.status, pick_by: r.pick_by });
    byVariant.set(r.variant_id, entry);
  }
  // Rows come most urgent first, so each entry's first pick-by is its most urgent and the map's
  // order is the entries' order by it.
  return { entries: [...byVariant.values()], truncated };
}

const minutesTo = (at: Date, now: number) => Math.round((at.getTime() - now) / 60_000);

const pickListSchema = z
  .object({
    location_id: z.string(),
    truncated: z.boolean().openapi({ description: `true when more than ${lines_max} lines wait: the most urgent are listed` }),
    data: z.array(
      z.object({
        variant_id: z.string(),
        sku: z.string(),
        title: z.string(),
        quantity: z.number().int().openapi({ description: 'units to pick in all' }),
        pick_by: z.string().openapi({ description: 'the most urgent pick-by among the fulfilments needing it' }),
        minutes_to_pick_by: z.number().int().openapi({ description: 'minutes until the first promise it serves is at risk (negative: at risk now)' }),
        at_risk: z.boolean(),
        fulfilments: z.array(z.object({ fulfilment_id: z.string(), order_id: z.string(), line_no: z.number().int(), quantity: z.number().int(), method: z.string(), status: z.string(), pick_by: z.string(), minutes_to_pick_by: z.number().int() })),
      }),
    ),
  })
  .openapi('PickList');

export const pickListRoute = defineRoute({
  operationId: 'getPickList',
  method: 'get',
  path: '/v1/locations/{location_id}/pick-list',
  tags: ['Fulfilment'],
  summary: 'A location’s pick list: per variant, how many units to pick, for which orders and fulfilments, and how long until the first promise is at risk; most urgent first',
  access: { scope: 'fulfilments:read', tenancy: 'merchant' },
  request: { params: z.object({ location_id: z.string().min(1).max(64).openapi({ param: { name: 'location_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(pickListSchema, 'The pick list') },
});

export function registerPickListRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(pickListRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const { location_id } = c.req.valid('param');
    if ((await getLocation(db, merchant_id, location_id)) === undefined) throw problems.notFound('The location');
    const { entries, truncated } = await pickList(db, merchant_id, location_id);
    const now = Date.now();
    return c.json(
      {
        location_id,
        truncated,
        data: entries.map((e) => ({
          variant_id: e.variant_id,
          sku: e.sku,
          title: e.title,
          quantity: e.quantity,
          pick_by: e.pick_by.toISOString(),
          minutes_to_pick_by: minutesTo(e.pick_by, now),
          at_risk: e.pick_by.getTime() <= now,
          fulfilments: e.fulfilments.map((f) => ({ ...f, pick_by: f.pick_by.toISOString(), minutes_to_pick_by: minutesTo(f.pick_by, now) })),
        })),
      },
      200,
    );
  });
}
