import { sql } from 'kysely';
import { expect } from 'vitest';
import { setSamplingAudiences } from '../../src/modules/campaigns/index.js';
import { aStockedItem } from './commerce.js';
import type { TestMerchant } from './platform.js';

/** The audiences port in plain SQL: `{ audience_id: 'all' }` is every live profile of the merchant. */
export function wireAllProfilesAudience(): void {
  setSamplingAudiences(async (db, merchant_id, audience) => {
    if (!('audience_id' in audience) || audience.audience_id !== 'all') return undefined;
    return (await sql<{ id: string }>`select id from cdp_profile where merchant_id = ${merchant_id} and merged_into is null`.execute(db)).rows.map((r) => r.id);
  });
}

export const samplingCampaignBody = (item: { product_id: string; variant_id: string }) => ({
  name: 'Fixture sampling',
  audience: { audience_id: 'all' },
  target: { product_id: item.product_id },
  variant_id: item.variant_id,
  top_n: 5,
  budget_minor: 100_000,
  currency: 'CNY',
});

/** A draft sampling campaign of the merchant's (its audience may be empty). */
export async function aSamplingCampaign(m: TestMerchant): Promise<string> {
  wireAllProfilesAudience();
  const item = await aStockedItem(m);
  const res = await m.call('POST', '/v1/sampling-campaigns', { body: samplingCampaignBody(item) });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}
