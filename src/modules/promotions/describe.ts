import { formatMoney } from '../../kernel/money.js';
import type { Promotion } from './promotions.js';
import type { Conditions, Effect } from './rules.js';

/**
 * A promotion's rule in one line a shopper reads on a coupon: what it takes off and what it
 * asks ("Spend ¥200.00 get ¥30.00 off · members only"). The structured effect and conditions
 * travel beside it for storefronts that draw their own.
 */
export function describeRule(p: Pick<Promotion, 'effect' | 'conditions' | 'currency'>): string {
  return [describeEffect(p.effect, p.currency), ...describeConditions(p.conditions, p.currency)].join(' · ');
}

function describeEffect(e: Effect, currency: string): string {
  const money = (minor: number) => formatMoney(minor, currency);
  switch (e.type) {
    case 'percent_off':
      return `${e.percent}% off${e.max_discount_minor === undefined ? '' : ` (at most ${money(e.max_discount_minor)})`}`;
    case 'amount_off':
      return `${money(e.amount_minor)} off`;
    case 'spend_tiers':
      return e.tiers.map((t) => `${e.repeat ? 'for every' : 'spend'} ${money(t.min_spend_minor)} get ${money(t.off_minor)} off`).join(', ');
    case 'buy_n_get_m':
      return `buy ${e.buy} get ${e.get} ${e.percent === 100 ? 'free' : `at ${e.percent}% off`}`;
    case 'free_shipping':
      return `free delivery${e.max_discount_minor === undefined ? '' : ` (up to ${money(e.max_discount_minor)})`}`;
    case 'bundle_price':
      return `any ${e.quantity} for ${money(e.price_minor)}`;
  }
}

function describeConditions(c: Conditions, currency: string): string[] {
  const parts: string[] = [];
  if (c.min_spend_minor !== undefined) parts.push(`minimum spend ${formatMoney(c.min_spend_minor, currency)}`);
  if (c.min_quantity !== undefined) parts.push(`at least ${c.min_quantity} items`);
  if (c.channels !== undefined) parts.push(`${c.channels.join(' or ')} only`);
  if (c.location_ids !== undefined) parts.push(`at ${c.location_ids.length === 1 ? 'one store' : `${c.location_ids.length} stores`}`);
  if (c.members_only === true) parts.push('members only');
  if (c.first_order === true) parts.push('first order only');
  if (c.weekdays !== undefined) parts.push(`on weekdays ${c.weekdays.join(', ')} (1 = Monday)`);
  if (c.hours !== undefined) parts.push(`from ${c.hours.from} to ${c.hours.to}`);
  return parts;
}
