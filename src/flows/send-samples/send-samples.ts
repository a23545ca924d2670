import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { Problem } from '../../kernel/problem.js';
import { lockSamplingCampaign, recordSamplingSends, sampleAddresses, samplingEnrolments, type SamplingSend } from '../../modules/campaigns/index.js';
import { quoteLines } from '../../modules/catalog/index.js';
import { chooseStock } from './steps/choose-stock.js';
import { createSampleOrders } from './steps/create-sample-orders.js';

export interface SentSamples {
  campaign_id: string;
  sent: number;
  skipped: { profile_id: string; reason: 'no_address' | 'out_of_stock' }[];
  order_ids: string[];
}

/**
 * Sends a sampling campaign's samples, in one transaction: lock the campaign (a draft, never
 * sent: a second send is refused), read its treatment arm in rank order, find each consumer's
 * address, give each a unit of stock, place a zero-price order per consumer that goes straight
 * to paid and into fulfilment, and record what happened to each consumer (their order, or why
 * none: no address, out of stock). The control arm gets nothing.
 */
export async function sendSamples(db: AnyDb, merchant_id: string, campaign_id: string): Promise<SentSamples> {
  return inTransaction(db, async (trx) => {
    const campaign = await lockSamplingCampaign(trx, merchant_id, campaign_id);
    const treatment = await samplingEnrolments(trx, merchant_id, campaign_id, 'treatment');
    const addresses = await sampleAddresses(trx, merchant_id, treatment.map((e) => e.profile_id));
    const [quote] = await quoteLines(trx, [{ variant_id: campaign.variant_id, quantity: 1 }], campaign.currency);
    if (quote === undefined || !quote.ok || quote.merchant_id !== merchant_id) {
      throw new Problem(409, 'sample_unavailable', 'The sample can no longer be sent', quote !== undefined && !quote.ok ? quote.detail : `variant ${campaign.variant_id} is not the brand's`);
    }
    const reachable = treatment.filter((e) => addresses.has(e.profile_id));
    const locations = await chooseStock(trx, merchant_id, campaign.variant_id, reachable.length);
    const sends = new Map<string, SamplingSend>();
    for (const e of treatment) if (!addresses.has(e.profile_id)) sends.set(e.profile_id, { profile_id: e.profile_id, order_id: null, skipped_reason: 'no_address' });
    const requests = reachable.flatMap((e, i) => {
      const location_id = locations[i];
      if (location_id === undefined) {
        sends.set(e.profile_id, { profile_id: e.profile_id, order_id: null, skipped_reason: 'out_of_stock' });
        return [];
      }
      return [{ profile_id: e.profile_id, address: addresses.get(e.profile_id)!, location_id }];
    });
    const placed = await createSampleOrders(trx, campaign_id, quote, requests);
    requests.forEach((r, i) => sends.set(r.profile_id, { profile_id: r.profile_id, order_id: placed[i]!.order.id, skipped_reason: null }));
    const all = treatment.map((e) => sends.get(e.profile_id)!);
    await recordSamplingSends(trx, merchant_id, campaign_id, all);
    return {
      campaign_id,
      sent: placed.length,
      skipped: all.flatMap((s) => (s.skipped_reason === null ? [] : [{ profile_id: s.profile_id, reason: s.skipped_reason }])),
      order_ids: placed.map((p) => p.order.id),
    };
  });
}
