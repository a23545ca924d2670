import { inTransaction, type AnyDb } from '../../kernel/db.js';
import type { ModuleContext } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import {
  chargeRefused,
  decideDispute,
  deviceCalling,
  exitSession,
  getSession,
  openSession,
  recordSessionSale,
  resolveSession,
  stuckChargingSessions,
  type StoreDispute,
  type StoreSession,
} from '../../modules/instore/index.js';
import type { InStoreSaleResult } from './contract.js';
import { acceptEntryCode, refundSessionLine, saleReceipt, sellSession } from './session-ports.js';

/**
 * Unattended stores: walking in opens a session, walking out pays (docs/STORES.md).
 *
 *   enterStore    instore.deviceCalling (an entry gate)   membership accepts the code once   instore.openSession
 *   exitStore     instore.deviceCalling (an exit gate)    instore.exitSession (row lock: once; basket frozen)
 *                 finishSession: `charging` -> sellInStore (idempotent by the session) -> instore.recordSessionSale
 *                                -> the sale with its receipt; a refused sale -> review
 *
 * Exactly once: the exit commits the frozen basket before the sale is asked for, and the sale is
 * unique per session (its `instore_sale` source), so a repeated exit, a crash between the two
 * (the maintenance task below finishes `charging` sessions) or two gates racing give one sale.
 */
export type ExitOutcome =
  | { outcome: 'charged'; session: StoreSession; sale: InStoreSaleResult }
  | { outcome: 'review'; session: StoreSession }
  | { outcome: 'empty'; session: StoreSession };

export async function enterStore(db: AnyDb, merchant_id: string, device_id: string, code: string): Promise<{ session: StoreSession; opened: boolean; member: Record<string, unknown> }> {
  return inTransaction(db, async (trx) => {
    const device = await deviceCalling(trx, merchant_id, device_id, ['entry_gate']);
    const accepted = await acceptEntryCode(trx, { merchant_id, location_id: device.location_id, device_id, code });
    const { session, opened } = await openSession(trx, device, { consumer_id: accepted.consumer_id, code_use_id: accepted.code_use_id });
    return { session, opened, member: accepted.member };
  });
}

export async function exitStore(ctx: ModuleContext, merchant_id: string, device_id: string, session_id: string): Promise<ExitOutcome> {
  const device = await deviceCalling(ctx.db, merchant_id, device_id, ['exit_gate']);
  const { session } = await exitSession(ctx.db, device, session_id);
  return finishSession(ctx, session, `device:${device.id}`);
}

/** Takes a closed session to its outcome: sells a `charging` one (once), answers the others as they stand. */
export async function finishSession(ctx: ModuleContext, session: StoreSession, actor: string): Promise<ExitOutcome> {
  const { db } = ctx;
  if (session.status === 'charging') {
    const sold = await sellSession(ctx, {
      merchant_id: session.merchant_id,
      location_id: session.location_id,
      source: { kind: 'session', id: session.id },
      lines: session.charge_lines ?? [],
      buyer: { consumer_id: session.consumer_id, code_use_id: session.code_use_id ?? undefined },
      payment: { method: 'authorisation' },
      coupons: 'best_from_wallet',
      actor,
    });
    if (!sold.ok) return { outcome: 'review', session: await chargeRefused(db, session.merchant_id, session.id, sold.problem) };
    if (sold.sale.status === 'declined') return { outcome: 'review', session: await chargeRefused(db, session.merchant_id, session.id, { code: 'payment_declined' }) };
    session = await recordSessionSale(db, session.merchant_id, session.id, { sale_id: sold.sale.sale_id, order_id: sold.sale.order_id });
  }
  switch (session.status) {
    case 'charged': {
      const sale = await saleReceipt(db, session.merchant_id, session.sale_id!);
      if (sale === undefined) throw new Error(`session ${session.id}: its sale ${session.sale_id} is missing`);
      // Declined after all (the provider's answer came late): nothing was charged, so a person reviews it.
      if (sale.status === 'declined') return { outcome: 'review', session: await chargeRefused(db, session.merchant_id, session.id, { code: 'payment_declined' }, sale.sale_id) };
      return { outcome: 'charged', session, sale };
    }
    case 'review':
      return { outcome: 'review', session };
    case 'empty':
      return { outcome: 'empty', session };
    default:
      throw new Error(`session ${session.id} is ${session.status} after its exit`);
  }
}

/** A merchant's review: the corrected basket is charged (or the session is empty). */
export async function resolveStoreSession(ctx: ModuleContext, merchant_id: string, session_id: string, lines: readonly { variant_id: string; quantity: number }[], actor: string): Promise<ExitOutcome> {
  const session = await resolveSession(ctx.db, merchant_id, session_id, lines, actor);
  return finishSession(ctx, session, actor);
}

/** A dispute decided: a refund goes back through the session's order, in the decision's transaction. */
export async function decideStoreDispute(db: AnyDb, merchant_id: string, dispute_id: string, decision: { outcome: 'refund' | 'reject'; note: string; actor: string }): Promise<StoreDispute> {
  return decideDispute(db, merchant_id, dispute_id, decision, async (trx, dispute, session) => {
    if (session.order_id === null) throw problems.conflict('session_not_charged', 'The session has no order to refund');
    return refundSessionLine({ db: trx }, { merchant_id, order_id: session.order_id, variant_id: dispute.variant_id, quantity: dispute.quantity, reason: dispute.reason, actor: decision.actor });
  });
}

/** Sessions left `charging` by a crash between their exit and their sale, finished (each sale is unique per session). */
export async function finishStuckSessions(ctx: ModuleContext): Promise<number> {
  const stuck = await stuckChargingSessions(ctx.db, 100);
  for (const s of stuck) {
    try {
      await finishSession(ctx, s, 'system');
    } catch (error) {
      ctx.logger.warn({ err: error, session_id: s.id }, 'unattended session: finishing its charge failed; it is retried');
    }
  }
  return stuck.length;
}

export { getSession };
