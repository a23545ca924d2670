import { sql } from 'kysely';
import type { AnyTrx } from '../../kernel/db.js';
import { Problem } from '../../kernel/problem.js';
import { fulfilmentRules, transitionFulfilments, type FulfilmentAction, type FulfilmentRequest } from './fulfilments.js';
import type { FulfilmentStatus } from './tables.js';

/**
 * Records the carrier shipment on the fulfilments it carries: those of the order handed to the
 * carrier and not yet on another shipment. In the ship-parcel flow's transaction, after the
 * order's `ship` handed them over. Answers the fulfilments linked.
 */
export async function linkShipment(trx: AnyTrx, merchant_id: string, order_id: string, shipment_id: string): Promise<string[]> {
  const linked = await sql<{ id: string }>`
    update fulfilment set shipment_id = ${shipment_id}, updated_at = now()
    where merchant_id = ${merchant_id} and order_id = ${order_id} and status = 'handed_to_carrier' and shipment_id is null
    returning id`.execute(trx);
  return linked.rows.map((r) => r.id);
}

/**
 * What a carrier's tracking does to the fulfilments on an outbound shipment: a lost parcel loses
 * them, a failed delivery attempt fails them (a later delivery still delivers them). Delivery
 * itself comes through the order (the order's `deliver` moves its fulfilments). Fulfilments
 * already past the state the event leads from (a seller marked them delivered by hand) are left
 * as they are: tracking never moves a fulfilment backwards.
 */
const byTracking: Partial<Record<string, FulfilmentAction>> = { lost: 'lose', failed: 'fail' };

export async function followShipmentTracking(trx: AnyTrx, input: { merchant_id: string; shipment_id: string; status: string; actor: string }): Promise<string[]> {
  const action = byTracking[input.status];
  if (action === undefined) return [];
  const rows = await sql<{ id: string; status: FulfilmentStatus }>`
    select id, status from fulfilment where merchant_id = ${input.merchant_id} and shipment_id = ${input.shipment_id} order by id`.execute(trx);
  const requests: FulfilmentRequest[] = rows.rows
    .filter((f) => fulfilmentRules[action].from.includes(f.status))
    .map((f) => ({ merchant_id: input.merchant_id, fulfilment_id: f.id, action, actor: input.actor, reason: `the carrier reported the parcel ${input.status}` }));
  const answers = await transitionFulfilments(trx, requests);
  for (const a of answers) if (a instanceof Problem) throw a;
  return requests.map((r) => r.fulfilment_id);
}
