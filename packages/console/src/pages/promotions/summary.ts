import type { Effect } from './api';

type T = (key: string, options?: Record<string, unknown>) => string;
type Money = (minor: number, currency: string) => string;

/** A promotion's effect in a few words, as a marketing manager would say it ("Spend ¥200.00, get ¥30.00 off"). */
export function effectSummary(e: Effect, currency: string, t: T, money: Money): string {
  const m = (minor: number) => money(minor, currency);
  switch (e.type) {
    case 'percent_off':
      return e.max_discount_minor === undefined ? t('effectSummary.percent_off', { percent: e.percent }) : t('effectSummary.percent_off_capped', { percent: e.percent, cap: m(e.max_discount_minor) });
    case 'amount_off':
      return t('effectSummary.amount_off', { amount: m(e.amount_minor) });
    case 'spend_tiers':
      if (e.repeat === true) return t('effectSummary.spend_tiers_repeat', { spend: m(e.tiers[0]!.min_spend_minor), off: m(e.tiers[0]!.off_minor) });
      return e.tiers.map((tier) => t('effectSummary.spend_tiers', { spend: m(tier.min_spend_minor), off: m(tier.off_minor) })).join('; ');
    case 'buy_n_get_m':
      return t('effectSummary.buy_n_get_m', { buy: e.buy, get: e.get, percent: e.percent ?? 100 });
    case 'free_shipping':
      return t('effectSummary.free_shipping');
    case 'bundle_price':
      return t('effectSummary.bundle_price', { quantity: e.quantity, price: m(e.price_minor) });
  }
}
