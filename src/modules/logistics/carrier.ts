/**
 * What OpenBOS needs from a carrier. The built-in simulated carriers implement it
 * (`simulated-carrier.ts`); a real carrier (SF Express, JD Logistics, a consolidator) plugs in by
 * implementing the same operations against its API and registering under its code (see
 * docs/LOGISTICS.md, "Plugging in a real carrier").
 *
 * - Buying a label is idempotent by `request_key`: the same key never buys two labels, so a
 *   request whose answer was lost (the server died mid-call) is simply asked again.
 * - Tracking arrives asynchronously by signed webhook; the events are the truth. They may come
 *   late, twice, out of order, or never (a lost parcel).
 */
export const shipmentStatuses = ['label_created', 'picked_up', 'in_transit', 'out_for_delivery', 'failed', 'delivered', 'returned', 'lost', 'cancelled'] as const;
export type ShipmentStatus = (typeof shipmentStatuses)[number];

/**
 * How far along a status is. A shipment's status is its furthest event's: a late event of an
 * earlier stage never moves it back. A failed delivery attempt comes after "out for delivery" and
 * before the delivery that may still follow; returned, lost and cancelled are final.
 */
export const statusRank: Record<ShipmentStatus, number> = { label_created: 0, picked_up: 10, in_transit: 20, out_for_delivery: 30, failed: 35, delivered: 40, returned: 50, lost: 60, cancelled: 70 };

export function furthest(a: ShipmentStatus, b: ShipmentStatus): ShipmentStatus {
  return statusRank[b] > statusRank[a] ? b : a;
}

export interface ParcelQuoteRequest {
  from_region: string;
  to_region: string;
  weight_g: number;
}

export interface ParcelQuote {
  carrier: string;
  lane: string;
  price_minor: number;
  currency: string;
  /** Published median transit, hours. */
  median_h: number;
}

export interface LabelRequest {
  /** The same key never buys two labels: a repeated request answers the first label. */
  request_key: string;
  merchant_id: string;
  /** The platform's shipment ID, kept by the carrier as the parcel's reference. */
  reference: string;
  from_region: string;
  to_region: string;
  weight_g: number;
}

export interface Label {
  label_id: string;
  tracking_number: string;
  lane: string;
  price_minor: number;
  currency: string;
}

export type TrackingStatus = Exclude<ShipmentStatus, 'label_created' | 'cancelled'>;

export interface TrackingEvent {
  /** The carrier's event ID: the same event sent twice carries the same ID. */
  id: string;
  tracking_number: string;
  status: TrackingStatus;
  occurred_at: string;
  description?: string | undefined;
}

export class InvalidTrackingSignatureError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'InvalidTrackingSignatureError';
  }
}

export class LabelRefusedError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'LabelRefusedError';
  }
}

export interface CarrierAdapter {
  readonly code: string;
  /** Price and transit for a parcel between two regions; undefined when the carrier does not serve it. */
  quote(request: ParcelQuoteRequest): Promise<ParcelQuote | undefined>;
  /** Buys a label (idempotent by `request_key`); throws LabelRefusedError when the carrier will not carry it. */
  buyLabel(request: LabelRequest): Promise<Label>;
  /** Cancels a label not yet picked up (the compensation of `buyLabel`); false when it is too late. */
  cancelLabel(merchant_id: string, label_id: string): Promise<boolean>;
  /** Verifies a tracking webhook's signature and freshness and parses it; throws InvalidTrackingSignatureError. */
  verifyWebhook(rawBody: string, headers: Headers): TrackingEvent;
}
