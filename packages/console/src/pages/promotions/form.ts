import { minorToInput, parseMoney } from '../../format';
import type { Effect, Promotion } from './api';

/**
 * The editor's form: what a person types (text, so a half-typed amount is kept as typed), and
 * the API body built from it. Each field error is keyed by the API's field path
 * (`effect.tiers.0.off_minor`, `conditions.min_spend_minor`), so an error from the server's
 * problem+json lands by the field that caused it, as one found here does.
 */
export type EffectType = Effect['type'];
export const effectTypes: EffectType[] = ['spend_tiers', 'percent_off', 'amount_off', 'buy_n_get_m', 'free_shipping', 'bundle_price'];
export const channels = ['online', 'store', 'live'] as const;
export const stages = ['aware', 'interested', 'purchased', 'loyal'] as const;
export const weekdays = ['1', '2', '3', '4', '5', '6', '7'] as const;

export interface PromotionForm {
  name: string;
  description: string;
  kind: 'automatic' | 'coupon';
  currency: string;
  code: string;
  effect_type: EffectType;
  percent: string;
  max_discount: string;
  amount: string;
  tiers: { spend: string; off: string }[];
  repeat: boolean;
  buy: string;
  get: string;
  get_percent: string;
  bundle_quantity: string;
  bundle_price: string;
  product_ids: string;
  variant_ids: string;
  category_ids: string;
  seller_ids: string;
  min_spend: string;
  min_quantity: string;
  channels: string[];
  members_only: boolean;
  first_order: boolean;
  stages: string[];
  weekdays: string[];
  hours_from: string;
  hours_to: string;
  stacking: 'combinable' | 'exclusive';
  priority: string;
  applies_to: 'discounted' | 'original';
  funded_by: 'seller' | 'platform';
  starts_at: string;
  ends_at: string;
  max_redemptions: string;
  budget: string;
  per_consumer_limit: string;
  per_day_limit: string;
  issue_limit: string;
  claimable: boolean;
  wallet_valid_h: string;
  refund_returns_redemption: boolean;
}

export type Errors = Record<string, string>;

export function emptyForm(currency: string): PromotionForm {
  return {
    name: '', description: '', kind: 'automatic', currency, code: '',
    effect_type: 'spend_tiers', percent: '', max_discount: '', amount: '', tiers: [{ spend: '', off: '' }], repeat: false, buy: '2', get: '1', get_percent: '100', bundle_quantity: '3', bundle_price: '',
    product_ids: '', variant_ids: '', category_ids: '', seller_ids: '',
    min_spend: '', min_quantity: '', channels: [], members_only: false, first_order: false, stages: [], weekdays: [], hours_from: '', hours_to: '',
    stacking: 'combinable', priority: '0', applies_to: 'discounted', funded_by: 'seller', starts_at: '', ends_at: '',
    max_redemptions: '', budget: '', per_consumer_limit: '', per_day_limit: '', issue_limit: '', claimable: false, wallet_valid_h: '', refund_returns_redemption: false,
  };
}

const money = (minor: number | null | undefined, currency: string) => (minor === null || minor === undefined ? '' : minorToInput(minor, currency));
const text = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));
/** A moment as a `datetime-local` input shows it: the browser's local time, to the minute. */
export function toLocalInput(iso: string | null): string {
  if (iso === null) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function formOf(p: Promotion): PromotionForm {
  const c = p.currency;
  const f = emptyForm(c);
  const e = p.effect;
  Object.assign(f, {
    name: p.name, description: p.description ?? '', kind: p.kind, code: p.codes[0] ?? '', effect_type: e.type,
    product_ids: (p.scope.product_ids ?? []).join(' '), variant_ids: (p.scope.variant_ids ?? []).join(' '), category_ids: (p.scope.category_ids ?? []).join(' '), seller_ids: (p.scope.seller_ids ?? []).join(' '),
    min_spend: money(p.conditions.min_spend_minor, c), min_quantity: text(p.conditions.min_quantity), channels: p.conditions.channels ?? [], members_only: p.conditions.members_only ?? false,
    first_order: p.conditions.first_order ?? false, stages: p.conditions.stages ?? [], weekdays: (p.conditions.weekdays ?? []).map(String), hours_from: p.conditions.hours?.from ?? '', hours_to: p.conditions.hours?.to ?? '',
    stacking: p.stacking, priority: String(p.priority), applies_to: p.applies_to, funded_by: p.funded_by, starts_at: toLocalInput(p.starts_at), ends_at: toLocalInput(p.ends_at),
    max_redemptions: text(p.max_redemptions), budget: money(p.budget_minor, c), per_consumer_limit: text(p.per_consumer_limit), per_day_limit: text(p.per_day_limit), issue_limit: text(p.issue_limit),
    claimable: p.claimable, wallet_valid_h: text(p.wallet_valid_h), refund_returns_redemption: p.refund_returns_redemption,
  });
  if (e.type === 'percent_off') Object.assign(f, { percent: String(e.percent), max_discount: money(e.max_discount_minor, c) });
  if (e.type === 'amount_off') f.amount = money(e.amount_minor, c);
  if (e.type === 'spend_tiers') Object.assign(f, { tiers: e.tiers.map((t) => ({ spend: money(t.min_spend_minor, c), off: money(t.off_minor, c) })), repeat: e.repeat ?? false });
  if (e.type === 'buy_n_get_m') Object.assign(f, { buy: String(e.buy), get: String(e.get), get_percent: String(e.percent ?? 100) });
  if (e.type === 'free_shipping') f.max_discount = money(e.max_discount_minor, c);
  if (e.type === 'bundle_price') Object.assign(f, { bundle_quantity: String(e.quantity), bundle_price: money(e.price_minor, c) });
  return f;
}

export interface Messages {
  notNumber: string;
  notMoney: string;
}

/** Reads the form into the API's body, collecting what cannot be read (the server checks the rest). */
export function buildBody(f: PromotionForm, m: Messages): { body: Record<string, unknown>; errors: Errors } {
  const errors: Errors = {};
  const c = f.currency;
  const num = (field: string, value: string): number | undefined => {
    if (value.trim() === '') return undefined;
    const n = Number(value.trim());
    if (!Number.isFinite(n)) errors[field] = m.notNumber;
    return Number.isFinite(n) ? n : undefined;
  };
  const amount = (field: string, value: string): number | undefined => {
    if (value.trim() === '') return undefined;
    const n = parseMoney(value, c);
    if (n === undefined) errors[field] = m.notMoney;
    return n;
  };
  const ids = (value: string) => {
    const list = value.split(/[\s,]+/).filter((x) => x !== '');
    return list.length === 0 ? undefined : list;
  };
  const compact = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
  const effect = compact({
    type: f.effect_type,
    ...(f.effect_type === 'percent_off' ? { percent: num('effect.percent', f.percent), max_discount_minor: amount('effect.max_discount_minor', f.max_discount) } : {}),
    ...(f.effect_type === 'amount_off' ? { amount_minor: amount('effect.amount_minor', f.amount) } : {}),
    ...(f.effect_type === 'spend_tiers' ? { tiers: f.tiers.map((t, i) => ({ min_spend_minor: amount(`effect.tiers.${i}.min_spend_minor`, t.spend), off_minor: amount(`effect.tiers.${i}.off_minor`, t.off) })), repeat: f.repeat } : {}),
    ...(f.effect_type === 'buy_n_get_m' ? { buy: num('effect.buy', f.buy), get: num('effect.get', f.get), percent: num('effect.percent', f.get_percent) } : {}),
    ...(f.effect_type === 'free_shipping' ? { max_discount_minor: amount('effect.max_discount_minor', f.max_discount) } : {}),
    ...(f.effect_type === 'bundle_price' ? { quantity: num('effect.quantity', f.bundle_quantity), price_minor: amount('effect.price_minor', f.bundle_price) } : {}),
  });
  const hours = f.hours_from !== '' || f.hours_to !== '' ? { from: f.hours_from, to: f.hours_to } : undefined;
  const body = compact({
    name: f.name,
    description: f.description.trim() === '' ? undefined : f.description,
    kind: f.kind,
    currency: f.currency,
    effect,
    scope: compact({ product_ids: ids(f.product_ids), variant_ids: ids(f.variant_ids), category_ids: ids(f.category_ids), seller_ids: ids(f.seller_ids) }),
    conditions: compact({
      min_spend_minor: amount('conditions.min_spend_minor', f.min_spend),
      min_quantity: num('conditions.min_quantity', f.min_quantity),
      channels: f.channels,
      members_only: f.members_only || undefined,
      first_order: f.first_order || undefined,
      stages: f.stages,
      weekdays: f.weekdays.map(Number),
      hours,
    }),
    stacking: f.stacking,
    priority: num('priority', f.priority) ?? 0,
    applies_to: f.applies_to,
    funded_by: f.funded_by,
    starts_at: f.starts_at === '' ? undefined : new Date(f.starts_at).toISOString(),
    ends_at: f.ends_at === '' ? undefined : new Date(f.ends_at).toISOString(),
    max_redemptions: num('max_redemptions', f.max_redemptions),
    budget_minor: amount('budget_minor', f.budget),
    per_consumer_limit: num('per_consumer_limit', f.per_consumer_limit),
    per_day_limit: num('per_day_limit', f.per_day_limit),
    issue_limit: num('issue_limit', f.issue_limit),
    claimable: f.kind === 'coupon' ? f.claimable : undefined,
    wallet_valid_h: f.kind === 'coupon' ? num('wallet_valid_h', f.wallet_valid_h) : undefined,
    refund_returns_redemption: f.refund_returns_redemption,
    code: f.kind === 'coupon' && f.code.trim() !== '' ? f.code.trim() : undefined,
  });
  return { body, errors };
}

/** A change leaves out what cannot change after creation (kind, currency, code). */
export function changesOf(body: Record<string, unknown>): Record<string, unknown> {
  const { kind: _kind, currency: _currency, code: _code, ...changes } = body;
  return { scope: {}, conditions: {}, ...changes };
}
