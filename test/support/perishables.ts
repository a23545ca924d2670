import { sql } from 'kysely';
import type { AnyDb } from '../../src/kernel/db.js';
import { newId } from '../../src/kernel/ids.js';
import { aLocation, aStockedItem } from './commerce.js';
import type { TestMerchant } from './platform.js';

/**
 * An open markdown of the merchant, written as a computation would (a fixture for tenancy and
 * paging, which need one without a forecast run): a stocked variant at a new store, its last day
 * three days ahead.
 */
export async function anOpenMarkdown(db: AnyDb, m: TestMerchant): Promise<string> {
  const item = await aStockedItem(m, { location_id: await aLocation(m, 'store') });
  const id = newId('mkd');
  await sql`insert into replenishment_markdown (merchant_id, id, variant_id, location_id, expires_on, expiring_units, expected_unsold_units, demand_until_expiry, percent_off)
    values (${m.id}, ${id}, ${item.variant_id}, ${item.location_id}, current_date + 3, 10, 4, 6, 20)`.execute(db);
  return id;
}
