import { deliverySettings } from './settings-store.js';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import { defineSettings, type Config } from '../../kernel/config.js';
import { tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { installationSecret } from '../../kernel/installation-secret.js';
import { cancelJob, defineJob, onJob, scheduleJob, type JobHandler } from '../../kernel/jobs.js';
import { Problem, problems } from '../../kernel/problem.js';
import { mailFrom, queueMail } from '../mail/index.js';
import { transitionOrders, type OrderStatus } from '../orders/index.js';
import { transitionFulfilment, type FulfilmentWithLines } from './fulfilments.js';
import type { FulfilmentStatus } from './tables.js';

/**
 * Pickup (issue 15): a pickup fulfilment put at the desk (`ready`) gets a six-digit code for the
 * buyer and a hold window; the store hands the parcel over only against that code (`collect`);
 * a parcel nobody collects within the window is cancelled (its stock released) and its order
 * refunded through escrow by the platform's timer.
 *
 * The code is never stored. It is derived from a random nonce and the installation's pickup
 * secret (`$OPENBOS_DATA_DIR/pickup-code-secret`), so the buyer can be shown it again and a copy
 * of the database reveals nothing. What is stored to check and find a code is its HMAC under the
 * same secret, scoped to the merchant and the location, so the desk can type a code first and
 * find the parcel; two parcels waiting at one desk never share a code.
 */
export const pickupSettings = defineSettings({
  OPENBOS_PICKUP_HOLD_H: z.coerce.number().int().min(1).max(336).optional().describe('hours every pickup parcel waits at the desk, overriding each merchant’s own setting (`pickup_hold_h` in GET /v1/fulfilment/settings, default 72); 1 to 336'),
});

export interface PickupCodeTable {
  merchant_id: string;
  fulfilment_id: string;
  order_id: string;
  location_id: string;
  /** Random; with the installation's secret it gives the code. */
  nonce: string;
  /** HMAC of (merchant, location, code): how the desk finds and checks a code. */
  code_hash: string;
  hold_until: Date;
  issued_at: Date;
}

const t = (db: AnyDb) => tablesOf<{ pickup_code: PickupCodeTable }>(db);

/** Redraws allowed when a new code matches one already waiting at the same desk (1 in 10⁶ each). */
const redraws_max = 20;
export const code_pattern = /^[0-9]{6}$/;

export class PickupCodes {
  constructor(private readonly secret: () => string) {}

  static fromConfig(config: Config): PickupCodes {
    return new PickupCodes(() => installationSecret(config, 'pickup-code-secret'));
  }

  codeOf(p: Pick<PickupCodeTable, 'merchant_id' | 'fulfilment_id' | 'nonce'>): string {
    const mac = createHmac('sha256', this.secret()).update(`code|${p.merchant_id}|${p.fulfilment_id}|${p.nonce}`).digest();
    return String(mac.readUInt32BE(0) % 1_000_000).padStart(6, '0');
  }

  hashOf(merchant_id: string, location_id: string, code: string): string {
    return createHmac('sha256', this.secret()).update(`hash|${merchant_id}|${location_id}|${code}`).digest('base64url');
  }

  matches(p: PickupCodeTable, code: string): boolean {
    const a = Buffer.from(p.code_hash);
    const b = Buffer.from(this.hashOf(p.merchant_id, p.location_id, code));
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

export const pickupHoldJob = defineJob('fulfilment.pickup_hold', z.object({ merchant_id: z.string(), fulfilment_id: z.string() }));
const holdKey = (fulfilment_id: string) => `${pickupHoldJob.kind}:${fulfilment_id}`;

/**
 * How long this merchant's pickup parcels wait: the merchant's delivery setting
 * (`pickup_hold_h`), unless the installation overrides it for everyone.
 */
export async function pickupHoldHours(db: AnyDb, config: Config, merchant_id: string): Promise<number> {
  return pickupSettings.of(config).OPENBOS_PICKUP_HOLD_H ?? (await deliverySettings(db, merchant_id)).pickup_hold_h;
}

/**
 * Issues the code of a fulfilment that just became ready for pickup, inside the transaction that
 * made it ready: the code, the hold timer and the buyer's mail commit with it or not at all.
 * Codes waiting at one desk are kept distinct under a per-desk lock.
 */
export async function issuePickupCode(trx: AnyTrx, codes: PickupCodes, f: FulfilmentWithLines, options: { hold_h: number; now?: Date }): Promise<{ code: string; hold_until: Date }> {
  if (f.status !== 'ready_for_pickup') throw new Error(`issuePickupCode: ${f.id} is ${f.status}`);
  const now = options.now ?? new Date();
  const hold_until = new Date(now.getTime() + options.hold_h * 3_600_000);
  await sql`select pg_advisory_xact_lock(hashtextextended(${`pickup_desk|${f.merchant_id}|${f.location_id}`}, 0))`.execute(trx);
  for (let i = 0; i < redraws_max; i++) {
    const nonce = randomBytes(16).toString('base64url');
    const code = codes.codeOf({ merchant_id: f.merchant_id, fulfilment_id: f.id, nonce });
    const code_hash = codes.hashOf(f.merchant_id, f.location_id, code);
    if ((await waitingWithHash(trx, f.merchant_id, f.location_id, code_hash)) !== undefined) continue;
    await t(trx)
      .insertInto('pickup_code')
      .values({ merchant_id: f.merchant_id, fulfilment_id: f.id, order_id: f.order_id, location_id: f.location_id, nonce, code_hash, hold_until, issued_at: now })
      .onConflict((oc) => oc.columns(['merchant_id', 'fulfilment_id']).doUpdateSet({ nonce, code_hash, hold_until, issued_at: now }))
      .execute();
    await scheduleJob(trx, pickupHoldJob, { merchant_id: f.merchant_id, fulfilment_id: f.id }, { key: holdKey(f.id), run_at: hold_until, reschedule: true });
    return { code, hold_until };
  }
  throw new Error(`no free pickup code at ${f.location_id} after ${redraws_max} draws`);
}

async function waitingWithHash(db: AnyDb, merchant_id: string, location_id: string, code_hash: string): Promise<PickupCodeTable | undefined> {
  const rows = await sql<PickupCodeTable>`
    select p.* from pickup_code p join fulfilment f on f.merchant_id = p.merchant_id and f.id = p.fulfilment_id
    where p.merchant_id = ${merchant_id} and p.location_id = ${location_id} and p.code_hash = ${code_hash} and f.status = 'ready_for_pickup'`.execute(db);
  return rows.rows[0];
}

/** Mails the code to the order's buyer (the only way a guest buyer, who has no account, sees it). */
export async function mailPickupCode(trx: AnyTrx, config: Config, f: FulfilmentWithLines, code: string, hold_until: Date): Promise<void> {
  const row = await sql<{ buyer_email: string | null; location_name: string | null }>`
    select o.buyer_email, l.name as location_name
    from sales_order o left join location l on l.merchant_id = o.merchant_id and l.id = ${f.location_id}
    where o.merchant_id = ${f.merchant_id} and o.id = ${f.order_id}`.execute(trx);
  const r = row.rows[0];
  if (r?.buyer_email === null || r?.buyer_email === undefined) return;
  const where = r.location_name ?? '';
  const text = [
    `Your order ${f.order_id} is ready for pickup${where === '' ? '' : ` at ${where}`}.`,
    `Your pickup code: ${code}`,
    `Show this code at the desk. The order waits until ${hold_until.toISOString().replace('T', ' ').slice(0, 16)} UTC; if it is not collected by then it is cancelled and refunded.`,
  ].join('\n\n');
  await queueMail(trx, { merchant_id: f.merchant_id, kind: 'pickup_code', from: mailFrom(config), to: r.buyer_email, subject: `Ready for pickup: code ${code}`, text, sensitive: true });
}

export async function pickupCodeOf(db: AnyDb, merchant_id: string, fulfilment_id: string): Promise<PickupCodeTable | undefined> {
  return t(db).selectFrom('pickup_code').selectAll().where('merchant_id', '=', merchant_id).where('fulfilment_id', '=', fulfilment_id).executeTakeFirst();
}

/** The parcel waiting at this desk under this code, if any. */
export async function findWaitingByCode(db: AnyDb, codes: PickupCodes, merchant_id: string, location_id: string, code: string): Promise<PickupCodeTable | undefined> {
  return waitingWithHash(db, merchant_id, location_id, codes.hashOf(merchant_id, location_id, code));
}

export const wrongCode = () => new Problem(422, 'pickup_code_wrong', 'That pickup code is not right', 'The code does not match a parcel waiting here; check it with the buyer. Repeated wrong codes are throttled', [{ field: 'code', location: 'body', message: 'does not match' }]);

/**
 * The buyer shows the right code at the desk: the fulfilment is collected (the goods become a
 * sale at the store, the order follows to shipped and delivered, the escrow clock starts) and the
 * hold timer is cancelled. A wrong code throws `pickup_code_wrong` with nothing changed.
 */
export async function collectWithCode(trx: AnyTrx, codes: PickupCodes, input: { merchant_id: string; fulfilment_id: string; code: string; actor: string; auto_confirm_after_s?: number | undefined }): Promise<FulfilmentWithLines> {
  const p = await pickupCodeOf(trx, input.merchant_id, input.fulfilment_id);
  if (p === undefined || !codes.matches(p, input.code)) throw wrongCode();
  const f = await transitionFulfilment(trx, { merchant_id: input.merchant_id, fulfilment_id: input.fulfilment_id, action: 'collect', actor: input.actor, reason: 'collected with the pickup code', auto_confirm_after_s: input.auto_confirm_after_s });
  await cancelJob(trx, holdKey(input.fulfilment_id));
  return f;
}

export const pickup_hold_actor = 'system:pickup-hold';

/**
 * The hold window ran out. A parcel still waiting is cancelled (its stock released at the store)
 * and, when it was all the order had left to deliver, the order is refunded in full through
 * escrow by the platform's timer, in this one transaction. When other fulfilments of the order
 * are live, only this part is asked back (a refund request for its lines' value, for the seller
 * to approve). A parcel already collected or cancelled is left alone, so running twice is harmless.
 */
export async function expirePickup(trx: AnyTrx, merchant_id: string, fulfilment_id: string): Promise<'expired' | 'not_waiting'> {
  const row = await sql<{ status: FulfilmentStatus; order_id: string; order_status: OrderStatus; hold_h: number | null }>`
    select f.status, f.order_id, o.status as order_status, extract(epoch from p.hold_until - p.issued_at)::int / 3600 as hold_h
    from fulfilment f join sales_order o on o.merchant_id = f.merchant_id and o.id = f.order_id
    left join pickup_code p on p.merchant_id = f.merchant_id and p.fulfilment_id = f.id
    where f.merchant_id = ${merchant_id} and f.id = ${fulfilment_id}
    for update of f, o`.execute(trx);
  const f = row.rows[0];
  if (f === undefined || f.status !== 'ready_for_pickup') return 'not_waiting';
  const reason = `not collected within the ${f.hold_h ?? '?'} h pickup hold`;
  const cancelled = await transitionFulfilment(trx, { merchant_id, fulfilment_id, action: 'cancel', actor: pickup_hold_actor, reason });
  if (f.order_status !== 'paid') return 'expired'; // A refund is already being decided on the order.
  const others = await sql<{ n: number }>`select count(*)::int as n from fulfilment where merchant_id = ${merchant_id} and order_id = ${f.order_id} and status <> 'cancelled'`.execute(trx);
  const options = { actor: pickup_hold_actor, reason };
  if (others.rows[0]!.n === 0) {
    const answers = await transitionOrders(trx, [
      { merchant_id, order_id: f.order_id, action: 'request_refund', options },
      { merchant_id, order_id: f.order_id, action: 'approve_refund', options },
    ]);
    for (const a of answers) if (a instanceof Problem || a === undefined) throw a ?? problems.notFound('The order');
    return 'expired';
  }
  const value = await sql<{ minor: string }>`
    -- What the buyer paid for the uncollected units: their price less their share of the line's discount.
    select coalesce(sum(ol.unit_price_minor * fl.quantity - ol.discount_minor * fl.quantity / ol.quantity), 0)::text as minor from fulfilment_line fl
    join order_line ol on ol.merchant_id = fl.merchant_id and ol.order_id = fl.order_id and ol.line_no = fl.line_no
    where fl.merchant_id = ${merchant_id} and fl.fulfilment_id = ${cancelled.id}`.execute(trx);
  const [a] = await transitionOrders(trx, [{ merchant_id, order_id: f.order_id, action: 'request_refund', options: { ...options, refund_amount_minor: BigInt(value.rows[0]!.minor) } }]);
  if (a instanceof Problem || a === undefined) throw a ?? problems.notFound('The order');
  return 'expired';
}

export const pickupHoldHandler: JobHandler = onJob(pickupHoldJob, async (trx, { merchant_id, fulfilment_id }) => {
  await expirePickup(trx, merchant_id, fulfilment_id);
});

/** A desk's parcels waiting for their buyers, those whose hold ends first first. */
export async function waitingAtDesk(db: AnyDb, merchant_id: string, location_id: string, limit: number) {
  const rows = await sql<{ fulfilment_id: string; order_id: string; hold_until: Date; issued_at: Date; recipient_name: string | null; units: number }>`
    select p.fulfilment_id, p.order_id, p.hold_until, p.issued_at, d.recipient_name,
      (select coalesce(sum(coalesce(fl.picked_quantity, fl.quantity)), 0)::int from fulfilment_line fl where fl.merchant_id = p.merchant_id and fl.fulfilment_id = p.fulfilment_id) as units
    from pickup_code p
    join fulfilment f on f.merchant_id = p.merchant_id and f.id = p.fulfilment_id
    left join order_delivery d on d.merchant_id = p.merchant_id and d.order_id = p.order_id
    where p.merchant_id = ${merchant_id} and p.location_id = ${location_id} and f.status = 'ready_for_pickup'
    order by p.hold_until, p.fulfilment_id
    limit ${limit}`.execute(db);
  return rows.rows;
}
