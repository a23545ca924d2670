import type { AnyDb } from '../../kernel/db.js';
import { getMerchant } from '../merchants/index.js';
import { attributeFindings } from './attributes.js';
import { byScore, type Finding } from './findings.js';
import { placeFindings } from './places.js';
import { priceBandFindings } from './price-bands.js';
import { priceCurrency, priceFilters, productDemand, productFacts, products_max } from './products.js';
import { zeroResultFindings } from './zero-results.js';

export const report_days_min = 1;
export const report_days_max = 365;
export const report_days_default = 30;

export interface InsightReport {
  merchant_id: string;
  generated_at: Date;
  days: number;
  currency: string;
  /** Products read: the brand's range up to `products_max`; `truncated` when it has more. */
  products: number;
  truncated: boolean;
  findings: Finding[];
  took_ms: number;
}

/**
 * The product-insight report of one brand over the last `days` days (docs/INSIGHT.md): its four
 * readers run side by side, each a handful of aggregate statements in PostgreSQL, and the
 * findings come back sorted by score. Nothing is stored; every call computes it afresh.
 */
export async function insightReport(db: AnyDb, merchant_id: string, options: { days: number; now?: Date }): Promise<InsightReport> {
  if (!Number.isInteger(options.days) || options.days < report_days_min || options.days > report_days_max) throw new RangeError(`days must be ${report_days_min} to ${report_days_max}`);
  const started = Date.now();
  const now = options.now ?? new Date();
  const window = { days: options.days, now };
  const since = new Date(now.getTime() - options.days * 86_400_000);
  const currency = await priceCurrency(db, merchant_id, (await getMerchant(db, merchant_id))?.default_currency ?? 'CNY');
  const [searches, products, demand, filters, places] = await Promise.all([
    zeroResultFindings(db, merchant_id, window),
    productFacts(db, merchant_id, currency),
    productDemand(db, merchant_id, since),
    priceFilters(db, merchant_id, since),
    placeFindings(db, merchant_id, window),
  ]);
  const findings = [...searches, ...attributeFindings(products, demand), ...priceBandFindings(products, demand, filters, currency), ...places].sort(byScore);
  return { merchant_id, generated_at: now, days: options.days, currency, products: products.length, truncated: products.length >= products_max, findings, took_ms: Date.now() - started };
}
