import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { InvalidTrackingSignatureError, LabelRefusedError, type CarrierAdapter, type Label, type LabelRequest, type ParcelQuote, type ParcelQuoteRequest, type TrackingEvent, type TrackingStatus } from './carrier.js';
import { laneKey, price, type Lane } from './network.js';
import { normalQuantile } from './stats.js';

/**
 * The simulated carriers: the carriers of the simulated network (`network.ts`) as a real carrier
 * behaves toward a platform, the way the test payment provider behaves like a real provider. A
 * label is bought once per request key; the parcel's journey is drawn from its lane's transit
 * distribution (seeded by the label, so it is the same on every run), and its tracking events are
 * queued as signed webhooks in the carriers' own table, re-sent until acknowledged:
 *
 * - each arrives 0 to 3 hours after the fact (so a later scan may overtake an earlier one),
 * - about one in twenty is sent twice,
 * - a lost parcel (the carrier's loss rate, or `loseParcel`) sends its pickup scan and then nothing.
 *
 * Time: one simulated hour lasts `hour_ms` (an hour by default; 0 in tests, where every event of
 * a journey is due at once and the test sends them with `deliverDue`).
 */
export const carrierSignatureHeader = 'openbos-carrier-signature';
const tolerance_s = 300;
const delivery_attempts_max = 20;

export interface SimulatedCarrierOptions {
  secret: string;
  /** Sends one webhook to the platform for a carrier; returns the HTTP status it answered. */
  deliver: (carrier: string, body: string, headers: Record<string, string>) => Promise<number>;
  /** Real milliseconds per simulated hour (default 3,600,000). */
  hour_ms?: number;
  /** Send every webhook twice (tests de-duplication). */
  duplicate?: boolean;
  /** Send each round's webhooks latest first (tests that state never goes backwards). */
  outOfOrder?: boolean;
  /** No loss drawn from the carriers' loss rates: only `loseParcel` loses one (tests). */
  noRandomLoss?: boolean;
}

export function signTracking(secret: string, body: string, timestamp_s = Math.floor(Date.now() / 1_000)): string {
  return `t=${timestamp_s},v1=${createHmac('sha256', secret).update(`${timestamp_s}.${body}`).digest('hex')}`;
}

/** A uniform number in [0, 1) from a string: the same label always draws the same journey. */
function draw(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) / 2 ** 32;
}

const trackingStatuses: readonly TrackingStatus[] = ['picked_up', 'in_transit', 'out_for_delivery', 'failed', 'delivered', 'returned', 'lost'];

export class SimulatedCarrierNetwork {
  private readonly lanes: ReadonlyMap<string, Lane>;

  constructor(
    private readonly db: AnyDb,
    lanes: readonly Lane[],
    private readonly options: SimulatedCarrierOptions,
  ) {
    this.lanes = new Map(lanes.map((l) => [l.key, l]));
  }

  /** The adapters of every simulated carrier, by code. */
  adapters(codes: readonly string[]): Map<string, CarrierAdapter> {
    return new Map(codes.map((code) => [code, this.adapter(code)]));
  }

  adapter(code: string): CarrierAdapter {
    return {
      code,
      quote: (r) => Promise.resolve(this.quote(code, r)),
      buyLabel: (r) => this.buyLabel(code, r),
      cancelLabel: (merchant_id, label_id) => this.cancelLabel(code, merchant_id, label_id),
      verifyWebhook: (raw, headers) => this.verifyWebhook(raw, headers),
    };
  }

  private quote(code: string, r: ParcelQuoteRequest): ParcelQuote | undefined {
    const lane = this.lanes.get(laneKey(code, r.from_region, r.to_region));
    if (lane === undefined) return undefined;
    return { carrier: code, lane: lane.key, price_minor: price(lane.carrier, lane.zone, r.weight_g), currency: 'CNY', median_h: lane.median_h };
  }

  /**
   * One label per request key (a unique key in the carrier's table): a repeated request returns
   * the label already bought, and queues nothing more. The label and its journey's webhooks are
   * written in one statement.
   */
  private async buyLabel(code: string, r: LabelRequest): Promise<Label> {
    const lane = this.lanes.get(laneKey(code, r.from_region, r.to_region));
    if (lane === undefined) throw new LabelRefusedError(`${code} does not serve ${r.from_region} → ${r.to_region}`);
    const label_id = newId('slbl');
    const tracking_number = `${code.toUpperCase().slice(0, 3)}${Math.floor(draw(label_id) * 1e12).toString().padStart(12, '0')}`;
    const price_minor = price(lane.carrier, lane.zone, r.weight_g);
    const lost = this.options.noRandomLoss !== true && draw(`${label_id}:loss`) < lane.carrier.loss_rate;
    const hour_ms = this.options.hour_ms ?? 3_600_000;
    // The journey: transit drawn from the lane's log-normal distribution.
    const z = normalQuantile(Math.min(0.999, Math.max(0.001, draw(`${label_id}:transit`))));
    const transit_h = lane.median_h * Math.exp(lane.sigma * z);
    const pickup_h = 0.5 + draw(`${label_id}:pickup`) * 1.5;
    const stages: { status: TrackingStatus; at_h: number }[] = [
      { status: 'picked_up', at_h: pickup_h },
      { status: 'in_transit', at_h: pickup_h + Math.min(lane.carrier.handling_h, transit_h / 2) },
      { status: 'out_for_delivery', at_h: pickup_h + Math.max(transit_h - 3, transit_h * 0.8) },
      { status: 'delivered', at_h: pickup_h + transit_h },
    ];
    const journey = lost ? stages.slice(0, 1) : stages;
    const created = Date.now();
    const bodies: string[] = [];
    const dueAt: number[] = [];
    for (const [i, stage] of journey.entries()) {
      const event: TrackingEvent = { id: `${label_id}_ev${i}`, tracking_number, status: stage.status, occurred_at: new Date(created + stage.at_h * 3_600_000).toISOString() };
      const body = JSON.stringify({ ...event, carrier: code });
      const lag_h = draw(`${label_id}:lag${i}`) * 3;
      const copies = draw(`${label_id}:dup${i}`) < 0.05 ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        bodies.push(body);
        dueAt.push(created + (stage.at_h + lag_h) * hour_ms + c);
      }
    }
    const result = await sql<{ id: string; tracking_number: string; lane: string; price_minor: number }>`
      with bought as (
        insert into sim_carrier_label (merchant_id, id, carrier, request_key, reference, tracking_number, lane, price_minor, status)
        values (${r.merchant_id}, ${label_id}, ${code}, ${r.request_key}, ${r.reference}, ${tracking_number}, ${lane.key}, ${price_minor}, ${lost ? 'lost' : 'active'})
        on conflict (merchant_id, carrier, request_key) do nothing
        returning id),
      queued as (
        insert into sim_carrier_webhook (merchant_id, id, carrier, label_id, body, deliver_after)
        select ${r.merchant_id}, v.id, ${code}, ${label_id}, v.body, to_timestamp(v.due / 1000.0)
        from unnest(${bodies.map(() => newId('scwh'))}::text[], ${bodies}::text[], ${dueAt}::float8[]) as v(id, body, due)
        where exists (select 1 from bought))
      select id, tracking_number, lane, price_minor from sim_carrier_label where merchant_id = ${r.merchant_id} and carrier = ${code} and request_key = ${r.request_key}
      union all select ${label_id}, ${tracking_number}, ${lane.key}, ${price_minor} from bought`.execute(this.db);
    // A concurrent request with the same key bought it after this statement's snapshot was taken:
    // its label is the answer, read in a statement of its own.
    const row =
      result.rows[0] ??
      (await sql<{ id: string; tracking_number: string; lane: string; price_minor: number }>`
        select id, tracking_number, lane, price_minor from sim_carrier_label where merchant_id = ${r.merchant_id} and carrier = ${code} and request_key = ${r.request_key}`.execute(this.db)).rows[0]!;
    return { label_id: row.id, tracking_number: row.tracking_number, lane: row.lane, price_minor: Number(row.price_minor), currency: 'CNY' };
  }

  /** Cancels a label whose parcel has not been picked up: its webhooks are withdrawn. */
  private async cancelLabel(code: string, merchant_id: string, label_id: string): Promise<boolean> {
    const result = await sql<{ id: string }>`
      with cancelled as (
        update sim_carrier_label set status = 'cancelled'
        where merchant_id = ${merchant_id} and carrier = ${code} and id = ${label_id} and status <> 'cancelled'
          and not exists (select 1 from sim_carrier_webhook w where w.merchant_id = ${merchant_id} and w.label_id = ${label_id} and w.delivered_at is not null)
        returning id),
      withdrawn as (delete from sim_carrier_webhook w where w.merchant_id = ${merchant_id} and w.label_id in (select id from cancelled))
      select id from cancelled`.execute(this.db);
    return result.rows.length > 0;
  }

  /** Tests and demos: the parcel is lost from now on; nothing more is ever sent for it. */
  async loseParcel(tracking_number: string): Promise<void> {
    await sql`
      with lost as (update sim_carrier_label set status = 'lost' where tracking_number = ${tracking_number} returning merchant_id, id)
      delete from sim_carrier_webhook w using lost
      where w.merchant_id = lost.merchant_id and w.label_id = lost.id and w.delivered_at is null and w.body not like '%"status":"picked_up"%'`.execute(this.db);
  }

  /**
   * Demos: the parcel's journey from now on runs at `hour_ms` real milliseconds per hour, its
   * scans' times compressed alike, so a parcel bought at real speed reaches the door in a minute
   * while the console watches. What was already sent stays as it was.
   */
  async hurry(tracking_number: string, hour_ms: number): Promise<number> {
    const factor = hour_ms / 3_600_000;
    const result = await sql`
      update sim_carrier_webhook w
         set deliver_after = now() + (w.deliver_after - now()) * ${factor}::float8,
             body = jsonb_set(w.body::jsonb, '{occurred_at}', to_jsonb(to_char((now() + ((w.body::jsonb->>'occurred_at')::timestamptz - now()) * ${factor}::float8) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))::text
        from sim_carrier_label l
       where l.tracking_number = ${tracking_number} and w.merchant_id = l.merchant_id and w.label_id = l.id and w.delivered_at is null and w.deliver_after > now()`.execute(this.db);
    return Number(result.numAffectedRows ?? 0n);
  }

  verifyWebhook(rawBody: string, headers: Headers): TrackingEvent {
    const header = headers.get(carrierSignatureHeader) ?? '';
    const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
    const timestamp_s = Number(parts.t);
    if (!Number.isInteger(timestamp_s) || parts.v1 === undefined) throw new InvalidTrackingSignatureError('missing or malformed signature header');
    if (Math.abs(Date.now() / 1_000 - timestamp_s) > tolerance_s) throw new InvalidTrackingSignatureError('signature timestamp is too old or in the future (replayed?)');
    const expected = Buffer.from(signTracking(this.options.secret, rawBody, timestamp_s).split('v1=')[1]!, 'hex');
    const given = Buffer.from(parts.v1, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidTrackingSignatureError('signature does not match');
    const parsed = JSON.parse(rawBody) as Partial<TrackingEvent>;
    if (typeof parsed.id !== 'string' || typeof parsed.tracking_number !== 'string' || typeof parsed.occurred_at !== 'string' || !trackingStatuses.includes(parsed.status as TrackingStatus)) {
      throw new SyntaxError('not a tracking event');
    }
    return { id: parsed.id, tracking_number: parsed.tracking_number, status: parsed.status!, occurred_at: parsed.occurred_at, description: parsed.description };
  }

  /**
   * Sends the webhooks that are due, up to `limit`, oldest first (latest first with `outOfOrder`);
   * a receiver answering other than 2xx gets them again later, backing off. Returns how many were due.
   */
  async deliverDue(limit = 200): Promise<number> {
    const due = await sql<{ id: string; carrier: string; body: string }>`
      update sim_carrier_webhook set deliver_after = now() + interval '30 seconds'
      where (merchant_id, id) in (
        select merchant_id, id from sim_carrier_webhook
        where delivered_at is null and deliver_after <= now() and attempts < ${delivery_attempts_max}
        order by deliver_after, id limit ${limit} for update skip locked)
      returning id, carrier, body`.execute(this.db);
    const rows = [...due.rows];
    // Oldest event first: the journey's events are numbered in order.
    rows.sort((a, b) => (JSON.parse(a.body) as TrackingEvent).occurred_at.localeCompare((JSON.parse(b.body) as TrackingEvent).occurred_at));
    if (this.options.outOfOrder === true) rows.reverse();
    const delivered: string[] = [];
    const failed: string[] = [];
    for (const row of rows) {
      let status = 0;
      try {
        for (let i = 0; i < (this.options.duplicate === true ? 2 : 1); i++) status = await this.options.deliver(row.carrier, row.body, { 'content-type': 'application/json', [carrierSignatureHeader]: signTracking(this.options.secret, row.body) });
      } catch {
        status = 0;
      }
      (status >= 200 && status < 300 ? delivered : failed).push(row.id);
    }
    if (delivered.length > 0) await sql`update sim_carrier_webhook set delivered_at = now(), attempts = attempts + 1 where id = any(${delivered}::text[])`.execute(this.db);
    if (failed.length > 0) await sql`update sim_carrier_webhook set attempts = attempts + 1, deliver_after = now() + (least(600, power(2, attempts)) || ' seconds')::interval where id = any(${failed}::text[])`.execute(this.db);
    return rows.length;
  }
}
