import { defineFlow } from '../../kernel/flow.js';
import { registerRoutes } from './routes.js';

/**
 * Send samples: a sampling campaign's treatment consumers each get the sample as a zero-price
 * order that goes through fulfilment like any other, in one transaction (send-samples.ts):
 *
 *   campaigns.lockSamplingCampaign     a draft, never sent (409 otherwise)
 *   campaigns.samplingEnrolments       the treatment arm, in rank order (the control arm gets nothing)
 *   campaigns.sampleAddresses          each consumer's latest delivery address with the brand; none: skipped `no_address`
 *   catalog.quoteLines                 the sample is still the brand's and can be sent
 *   steps/choose-stock.ts              inventory.lockStock, one unit each in rank order; none left: skipped `out_of_stock`
 *   steps/create-sample-orders.ts      orders.splitIntoOrders + insertPlacedOrders at price 0 with a free standard
 *                                      delivery, stock reserved, order.placed; orders.transitionOrders(pay) by the
 *                                      system (total 0, nothing to pay), which opens the fulfilments
 *   campaigns.recordSamplingSends      each consumer's order or reason; the campaign is running
 */
export const sendSamplesFlow = defineFlow({
  name: 'send-samples',
  routes: registerRoutes,
});

export { sendSamples, type SentSamples } from './send-samples.js';
