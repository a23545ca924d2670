import { problems } from '../../../kernel/problem.js';
import { LabelRefusedError, type CarrierAdapter, type Label, type LabelRequest } from '../../../modules/logistics/index.js';

/**
 * Buys the parcel's label from the chosen carrier. The request key is the order's and its
 * shipment count's, so a retried request (the answer lost, the server dead mid-call) gets the
 * same label back instead of a second one. It touches the outside world: its compensation is
 * `cancelLabel`, called when the shipment cannot be recorded.
 */
export async function buyLabel(carrier: CarrierAdapter, request: LabelRequest): Promise<Label> {
  try {
    return await carrier.buyLabel(request);
  } catch (error) {
    if (error instanceof LabelRefusedError) throw problems.unprocessable('label_refused', error.message);
    throw error;
  }
}

/** The compensation of `buyLabel`: the label is voided at the carrier (before pickup). */
export async function cancelLabel(carrier: CarrierAdapter, merchant_id: string, label_id: string): Promise<boolean> {
  return carrier.cancelLabel(merchant_id, label_id);
}
