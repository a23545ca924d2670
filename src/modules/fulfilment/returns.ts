import { sql, type Selectable } from 'kysely';
import { tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { problems } from '../../kernel/problem.js';
import { transitionOrder } from '../orders/index.js';
import { fulfilmentRules, shippedQuantity, transitionFulfilment, type FulfilmentLine } from './fulfilments.js';
import type { FulfilmentReturnTable, FulfilmentStatus, FulfilmentTables } from './tables.js';

export type FulfilmentReturn = Selectable<FulfilmentReturnTable>;
export type ReturnWithLines = FulfilmentReturn & { lines: FulfilmentLine[] };

/** Fulfilments whose goods left their location and can come back. */
export const returnableStatuses: readonly FulfilmentStatus[] = fulfilmentRules.return.from;

const t = (db: AnyDb) => tablesOf<FulfilmentTables>(db);

/** The fulfilments of an order whose goods can come back (what `openReturns` would open returns for). */
export async function returnableFulfilments(db: AnyDb, merchant_id: string, order_id: string): Promise<{ id: string; location_id: string; status: FulfilmentStatus }[]> {
  return t(db).selectFrom('fulfilment').select(['id', 'location_id', 'status']).where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).where('status', 'in', [...returnableStatuses]).orderBy('id').execute();
}

export interface OpenReturnsInput {
  merchant_id: string;
  order_id: string;
  actor: string;
  reason?: string | undefined;
  /** The return shipment bought for each fulfilment, when the goods come back by carrier. */
  shipments: ReadonlyMap<string, string>;
}

/**
 * The seller approves a refund request on condition that the goods come back: the order waits in
 * `awaiting_return` (its auto-confirm timer stays paused, its money stays in escrow) and each
 * fulfilment whose goods left opens a return, with its return shipment when there is one. In the
 * caller's transaction. An order with nothing that left its location is refused (422): its
 * refund needs nothing back, and the plain approval refunds it.
 */
export async function openReturns(trx: AnyTrx, input: OpenReturnsInput): Promise<FulfilmentReturn[]> {
  await transitionOrder(trx, input.merchant_id, input.order_id, 'await_return', { actor: input.actor, reason: input.reason ?? 'refund approved on return of the goods' });
  const fulfilments = await returnableFulfilments(trx, input.merchant_id, input.order_id);
  if (fulfilments.length === 0) throw problems.unprocessable('nothing_to_return', 'None of this order’s fulfilments left its location; approve the refund without a return');
  return t(trx)
    .insertInto('fulfilment_return')
    .values(
      fulfilments.map((f) => ({
        merchant_id: input.merchant_id,
        id: newId('rtn'),
        order_id: input.order_id,
        fulfilment_id: f.id,
        location_id: f.location_id,
        status: 'awaiting' as const,
        shipment_id: input.shipments.get(f.id) ?? null,
        reason: input.reason ?? null,
        requested_by: input.actor,
      })),
    )
    .returningAll()
    .execute();
}

export interface ReceiveReturnInput {
  merchant_id: string;
  return_id: string;
  actor: string;
  /** What came back per order line; everything that left when absent. */
  lines?: ReadonlyMap<number, number> | undefined;
}

export interface ReceivedReturn {
  return: FulfilmentReturn;
  /** What the order did: refunded once all its returns came back in full; disputed when one came back short. */
  order: 'refunded' | 'disputed' | 'unchanged';
}

/**
 * The goods are back at the location: the fulfilment is returned (what came back goes on the
 * shelf there, a stock receipt), and when every return of the order is in, the order follows:
 * all of it back, it is refunded (`order.refunded` releases the escrow to the buyer); something
 * missing, the order is disputed and the money stays in escrow until the platform decides. An
 * order no longer awaiting its return (disputed meanwhile) keeps its state. In the caller's
 * transaction; a return received twice is a 409.
 */
export async function receiveReturn(trx: AnyTrx, input: ReceiveReturnInput): Promise<ReceivedReturn> {
  const found = await t(trx).selectFrom('fulfilment_return').selectAll().where('merchant_id', '=', input.merchant_id).where('id', '=', input.return_id).forUpdate().executeTakeFirst();
  if (found === undefined) throw problems.notFound('The return');
  if (found.status === 'received') throw problems.conflict('return_already_received', `Return ${found.id} was received at ${found.received_at?.toISOString() ?? 'an earlier time'}`);
  const fulfilment = await transitionFulfilment(trx, {
    merchant_id: input.merchant_id,
    fulfilment_id: found.fulfilment_id,
    action: 'return',
    actor: input.actor,
    reason: `return ${found.id} received`,
    returned: input.lines,
    following_order: true,
  });
  const received = await t(trx)
    .updateTable('fulfilment_return')
    .set({ status: 'received', received_by: input.actor, received_at: new Date() })
    .where('merchant_id', '=', input.merchant_id)
    .where('id', '=', found.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const short = fulfilment.lines.some((l) => (l.returned_quantity ?? 0) < shippedQuantity(l));
  const order = await sql<{ status: string; waiting: number; short: number }>`
    select o.status,
      (select count(*) from fulfilment_return r where r.merchant_id = o.merchant_id and r.order_id = o.id and r.status = 'awaiting')::int as waiting,
      (select count(*) from fulfilment_line fl join fulfilment_return r on r.merchant_id = fl.merchant_id and r.fulfilment_id = fl.fulfilment_id
        where r.merchant_id = o.merchant_id and r.order_id = o.id and fl.returned_quantity < coalesce(fl.picked_quantity, fl.quantity))::int as short
    from sales_order o where o.merchant_id = ${input.merchant_id} and o.id = ${found.order_id} for update`.execute(trx);
  const o = order.rows[0]!;
  if (o.status !== 'awaiting_return' || o.waiting > 0) return { return: received, order: 'unchanged' };
  if (o.short > 0 || short) {
    // Only a party to the order contests it; the carrier's own delivery is never short.
    await transitionOrder(trx, input.merchant_id, found.order_id, 'dispute', { actor: input.actor, reason: 'the return came back short: the platform decides the refund' });
    return { return: received, order: 'disputed' };
  }
  await transitionOrder(trx, input.merchant_id, found.order_id, 'receive_return', { actor: input.actor, reason: 'the goods came back' });
  return { return: received, order: 'refunded' };
}

async function withLines(db: AnyDb, rows: FulfilmentReturn[]): Promise<ReturnWithLines[]> {
  if (rows.length === 0) return [];
  const lines = await t(db).selectFrom('fulfilment_line').selectAll().where('merchant_id', '=', rows[0]!.merchant_id).where('fulfilment_id', 'in', rows.map((r) => r.fulfilment_id)).orderBy('fulfilment_id').orderBy('line_no').execute();
  return rows.map((r) => ({ ...r, lines: lines.filter((l) => l.fulfilment_id === r.fulfilment_id) }));
}

export async function returnsOfOrder(db: AnyDb, merchant_id: string, order_id: string): Promise<ReturnWithLines[]> {
  return withLines(db, await t(db).selectFrom('fulfilment_return').selectAll().where('merchant_id', '=', merchant_id).where('order_id', '=', order_id).orderBy('id').execute());
}

export async function getReturn(db: AnyDb, merchant_id: string, return_id: string): Promise<ReturnWithLines | undefined> {
  const row = await t(db).selectFrom('fulfilment_return').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', return_id).executeTakeFirst();
  return row === undefined ? undefined : (await withLines(db, [row]))[0];
}

/** The return a return shipment carries (its tracking may receive it). */
export async function returnOfShipment(db: AnyDb, merchant_id: string, shipment_id: string): Promise<FulfilmentReturn | undefined> {
  return t(db).selectFrom('fulfilment_return').selectAll().where('merchant_id', '=', merchant_id).where('shipment_id', '=', shipment_id).executeTakeFirst();
}
