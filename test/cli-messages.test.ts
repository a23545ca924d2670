import { describe, expect, it } from 'vitest';
import { countOf } from '../src/kernel/cli.js';
import { formatMoney } from '../src/kernel/money.js';
import { disputeLine } from '../src/modules/orders/cli.js';
import { payoutLine } from '../src/modules/payments/cli.js';

/**
 * What `bos` prints is read by people: money with its currency's symbol and decimals, merchants
 * by handle, counts with their noun in the right number. (`bos payouts run` itself, against a
 * real database, is the last step of the README walkthrough in first-hour.test.ts.)
 */
describe('CLI messages in human terms', () => {
  it('formats money exactly, with the currency’s symbol and number of decimals', () => {
    expect(formatMoney(4465n, 'CNY')).toBe('¥44.65');
    expect(formatMoney(0n, 'CNY')).toBe('¥0.00');
    expect(formatMoney(5, 'EUR')).toBe('€0.05');
    expect(formatMoney(-123_456n, 'USD')).toBe('-$1,234.56');
    expect(formatMoney(1200n, 'JPY')).toBe('¥1,200');
    expect(formatMoney(1234n, 'BHD')).toMatch(/1\.234/);
    // Beyond a double's exact range, every digit stays.
    expect(formatMoney(900_719_925_474_099_312n, 'EUR')).toBe('€9,007,199,254,740,993.12');
  });

  it('puts a count’s noun in the right number', () => {
    expect(countOf(1, 'order')).toBe('1 order');
    expect(countOf(0, 'order')).toBe('0 orders');
    expect(countOf(2, 'entry', 'entries')).toBe('2 entries');
  });

  it('says a payout in money, handle and orders: "Paid ¥44.65 to demo-mart for 1 order"', () => {
    const payout = { merchant_id: 'mer_1', payout_id: 'po_1', currency: 'CNY', amount_minor: 4465n, orders: 1 };
    expect(payoutLine(payout, 'demo-mart')).toBe('Paid ¥44.65 to demo-mart for 1 order (payout po_1).');
    expect(payoutLine({ ...payout, orders: 3, amount_minor: 1_000_000n }, 'demo-brand')).toBe('Paid ¥10,000.00 to demo-brand for 3 orders (payout po_1).');
  });

  it('lists a dispute with the seller’s handle and both amounts in their currency', () => {
    const line = disputeLine({ id: 'ord_1', merchant_id: 'mer_1', total_minor: 25_600n, currency: 'CNY', refund_amount_minor: 12_800n }, 'demo-mart');
    expect(line).toBe('  ord_1  seller demo-mart  total ¥256.00  refund asked ¥128.00');
  });
});
