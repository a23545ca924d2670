import { problems } from '../../../kernel/problem.js';
import { LabelRefusedError, type CarrierAdapter, type Label, type LabelRequest, type ParcelPlan, type ShipmentRouter } from '../../../modules/logistics/index.js';

export interface ReturnParcel {
  fulfilment_id: string;
  location_id: string;
  /** The buyer's address: where the carrier picks the goods up. */
  origin: { latitude: number; longitude: number };
  /** The fulfilment's location: where they go back to. */
  destination: { latitude: number; longitude: number };
  weight_g: number;
}

export interface BoughtReturnLabel {
  parcel: ReturnParcel;
  carrier: CarrierAdapter;
  plan: ParcelPlan;
  label: Label;
}

/**
 * Routes the return parcel from the buyer back to the location (the same router and carriers as
 * outbound parcels) and buys its label. The request key is the fulfilment's, so a retried
 * approval gets the same label back. Undefined when no carrier serves the pair: the buyer brings
 * the goods to the store. Its compensation is `cancelReturnLabel`.
 */
export async function buyReturnLabel(shipping: { router: ShipmentRouter; carriers: ReadonlyMap<string, CarrierAdapter> }, merchant_id: string, order_id: string, parcel: ReturnParcel): Promise<BoughtReturnLabel | undefined> {
  const plan = shipping.router.route(parcel.origin, parcel.destination, parcel.weight_g, new Set(shipping.carriers.keys()));
  if (plan === undefined) return undefined;
  const carrier = shipping.carriers.get(plan.lane.carrier.code)!;
  const label = await buyLabel(carrier, { request_key: `return:${parcel.fulfilment_id}`, merchant_id, reference: order_id, from_region: plan.from.code, to_region: plan.to.code, weight_g: parcel.weight_g });
  return { parcel, carrier, plan, label };
}

async function buyLabel(carrier: CarrierAdapter, request: LabelRequest): Promise<Label> {
  try {
    return await carrier.buyLabel(request);
  } catch (error) {
    if (error instanceof LabelRefusedError) throw problems.unprocessable('label_refused', error.message);
    throw error;
  }
}

/** The compensation of `buyReturnLabel`: the label is voided at the carrier (before pickup). */
export async function cancelReturnLabel(bought: BoughtReturnLabel, merchant_id: string): Promise<boolean> {
  return bought.carrier.cancelLabel(merchant_id, bought.label.label_id);
}
