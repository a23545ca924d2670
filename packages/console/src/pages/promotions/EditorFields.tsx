import type { Dispatch, ReactNode, SetStateAction } from 'react';
import { useTranslation } from 'react-i18next';
import { SelectField, TextAreaField, TextField } from '../../components/Field';
import { channels, effectTypes, stages, weekdays, type EffectType, type Errors, type PromotionForm } from './form';

interface Props {
  form: PromotionForm;
  setForm: Dispatch<SetStateAction<PromotionForm>>;
  errors: Errors;
  /** Editing an existing promotion: kind, currency and code are fixed. */
  editing: boolean;
}

type Text = { [K in keyof PromotionForm]: PromotionForm[K] extends string ? K : never }[keyof PromotionForm];

/** The editor's fieldsets: each input tied to its form key and to the API field its errors come back on. */
export function EditorFields(props: Props) {
  return (
    <>
      <Basics {...props} />
      <EffectFields {...props} />
      <ScopeFields {...props} />
      <ConditionFields {...props} />
      <StackingFields {...props} />
      <LimitFields {...props} />
    </>
  );
}

function useText({ form, setForm, errors }: Props) {
  return (key: Text, label: string, field: string = key, extra: Record<string, unknown> = {}) => (
    <TextField label={label} name={field} value={form[key]} error={errors[field]} onChange={(e) => setForm((f) => ({ ...f, [key]: e.target.value }))} {...extra} />
  );
}

function Check({ label, checked, onChange }: { label: string; checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <label>
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} /> {label}
    </label>
  );
}

function Choices({ legend, options, chosen, label, onChange, error }: { legend: string; options: readonly string[]; chosen: string[]; label: (o: string) => string; onChange: (chosen: string[]) => void; error?: string | undefined }): ReactNode {
  return (
    <fieldset>
      <legend>{legend}</legend>
      <div className="checks">
        {options.map((o) => (
          <Check key={o} label={label(o)} checked={chosen.includes(o)} onChange={(on) => onChange(on ? [...chosen, o] : chosen.filter((x) => x !== o))} />
        ))}
      </div>
      {error !== undefined && <small className="field-error">{error}</small>}
    </fieldset>
  );
}

function Basics(props: Props) {
  const { t } = useTranslation('promotions');
  const { form, setForm, errors, editing } = props;
  const text = useText(props);
  return (
    <fieldset>
      <legend>{t('editor.basics')}</legend>
      {text('name', t('name'), 'name', { required: true, maxLength: 200 })}
      <TextAreaField label={t('editor.description')} name="description" rows={2} value={form.description} error={errors.description} onChange={(e) => setForm((f) => ({ ...f, description: e.target.value }))} />
      <div className="form-row">
        <SelectField label={t('kind')} name="kind" value={form.kind} disabled={editing} error={errors.kind} onChange={(e) => setForm((f) => ({ ...f, kind: e.target.value as PromotionForm['kind'] }))}>
          <option value="automatic">{t('kindOf.automatic')}</option>
          <option value="coupon">{t('kindOf.coupon')}</option>
        </SelectField>
        {text('currency', t('editor.currency'), 'currency', { readOnly: editing, maxLength: 3 })}
      </div>
      {form.kind === 'coupon' && text('code', t('editor.code'), 'code', { hint: t('editor.codeHint'), readOnly: editing, autoComplete: 'off' })}
    </fieldset>
  );
}

function EffectFields(props: Props) {
  const { t } = useTranslation('promotions');
  const { form, setForm, errors } = props;
  const text = useText(props);
  const setTier = (i: number, key: 'spend' | 'off', value: string) => setForm((f) => ({ ...f, tiers: f.tiers.map((tier, j) => (j === i ? { ...tier, [key]: value } : tier)) }));
  return (
    <fieldset>
      <legend>{t('editor.effect')}</legend>
      <SelectField label={t('editor.effectType')} name="effect.type" value={form.effect_type} error={errors['effect.type'] ?? errors.effect} onChange={(e) => setForm((f) => ({ ...f, effect_type: e.target.value as EffectType }))}>
        {effectTypes.map((type) => (
          <option key={type} value={type}>
            {t(`editor.effectTypes.${type}`)}
          </option>
        ))}
      </SelectField>
      {form.effect_type === 'percent_off' && (
        <div className="form-row">
          {text('percent', t('editor.percent'), 'effect.percent', { inputMode: 'decimal' })}
          {text('max_discount', t('editor.maxDiscount'), 'effect.max_discount_minor', { inputMode: 'decimal' })}
        </div>
      )}
      {form.effect_type === 'amount_off' && text('amount', t('editor.amount'), 'effect.amount_minor', { inputMode: 'decimal' })}
      {form.effect_type === 'spend_tiers' && (
        <>
          {form.tiers.map((tier, i) => (
            <div className="promo-tier" key={i}>
              <TextField label={`${t('editor.tierSpend')} (${i + 1})`} name={`effect.tiers.${i}.min_spend_minor`} inputMode="decimal" value={tier.spend} error={errors[`effect.tiers.${i}.min_spend_minor`]} onChange={(e) => setTier(i, 'spend', e.target.value)} />
              <TextField label={`${t('editor.tierOff')} (${i + 1})`} name={`effect.tiers.${i}.off_minor`} inputMode="decimal" value={tier.off} error={errors[`effect.tiers.${i}.off_minor`]} onChange={(e) => setTier(i, 'off', e.target.value)} />
              {form.tiers.length > 1 && (
                <button type="button" className="field" aria-label={t('editor.removeTier', { n: i + 1 })} onClick={() => setForm((f) => ({ ...f, tiers: f.tiers.filter((_, j) => j !== i) }))}>
                  ×
                </button>
              )}
            </div>
          ))}
          {errors['effect.tiers'] !== undefined && <p className="field-error">{errors['effect.tiers']}</p>}
          <div className="checks">
            {form.tiers.length < 10 && (
              <button type="button" onClick={() => setForm((f) => ({ ...f, tiers: [...f.tiers, { spend: '', off: '' }] }))}>
                {t('editor.addTier')}
              </button>
            )}
            <Check label={t('editor.repeat')} checked={form.repeat} onChange={(repeat) => setForm((f) => ({ ...f, repeat }))} />
          </div>
          {errors['effect.repeat'] !== undefined && <p className="field-error">{errors['effect.repeat']}</p>}
        </>
      )}
      {form.effect_type === 'buy_n_get_m' && (
        <div className="form-row">
          {text('buy', t('editor.buy'), 'effect.buy', { inputMode: 'numeric' })}
          {text('get', t('editor.get'), 'effect.get', { inputMode: 'numeric' })}
          {text('get_percent', t('editor.getPercent'), 'effect.percent', { inputMode: 'decimal' })}
        </div>
      )}
      {form.effect_type === 'free_shipping' && text('max_discount', t('editor.maxDiscount'), 'effect.max_discount_minor', { inputMode: 'decimal' })}
      {form.effect_type === 'bundle_price' && (
        <div className="form-row">
          {text('bundle_quantity', t('editor.bundleQuantity'), 'effect.quantity', { inputMode: 'numeric' })}
          {text('bundle_price', t('editor.bundlePrice'), 'effect.price_minor', { inputMode: 'decimal' })}
        </div>
      )}
    </fieldset>
  );
}

function ScopeFields(props: Props) {
  const { t } = useTranslation('promotions');
  const text = useText(props);
  return (
    <fieldset>
      <legend>{t('editor.scope')}</legend>
      <p className="hint">{t('editor.scopeHint')}</p>
      <div className="form-row">
        {text('product_ids', t('editor.productIds'), 'scope.product_ids')}
        {text('variant_ids', t('editor.variantIds'), 'scope.variant_ids')}
        {text('category_ids', t('editor.categoryIds'), 'scope.category_ids')}
        {text('seller_ids', t('editor.sellerIds'), 'scope.seller_ids')}
      </div>
    </fieldset>
  );
}

function ConditionFields(props: Props) {
  const { t } = useTranslation('promotions');
  const { form, setForm, errors } = props;
  const text = useText(props);
  return (
    <fieldset>
      <legend>{t('editor.conditions')}</legend>
      <div className="form-row">
        {text('min_spend', t('editor.minSpend'), 'conditions.min_spend_minor', { inputMode: 'decimal' })}
        {text('min_quantity', t('editor.minQuantity'), 'conditions.min_quantity', { inputMode: 'numeric' })}
      </div>
      <div className="checks">
        <Check label={t('editor.membersOnly')} checked={form.members_only} onChange={(members_only) => setForm((f) => ({ ...f, members_only }))} />
        <Check label={t('editor.firstOrder')} checked={form.first_order} onChange={(first_order) => setForm((f) => ({ ...f, first_order }))} />
      </div>
      <Choices legend={t('editor.channels')} options={channels} chosen={form.channels} label={(o) => t(`editor.channelOf.${o}`)} error={errors['conditions.channels']} onChange={(c) => setForm((f) => ({ ...f, channels: c }))} />
      <Choices legend={t('editor.stages')} options={stages} chosen={form.stages} label={(o) => t(`stage.${o}`, { ns: 'common' })} error={errors['conditions.stages']} onChange={(s) => setForm((f) => ({ ...f, stages: s }))} />
      <Choices legend={t('editor.weekdays')} options={weekdays} chosen={form.weekdays} label={(o) => t(`editor.weekdayOf.${o}`)} error={errors['conditions.weekdays']} onChange={(w) => setForm((f) => ({ ...f, weekdays: w }))} />
      <div className="form-row">
        {text('hours_from', t('editor.hoursFrom'), 'conditions.hours.from', { placeholder: '09:00' })}
        {text('hours_to', t('editor.hoursTo'), 'conditions.hours.to', { placeholder: '21:00' })}
      </div>
    </fieldset>
  );
}

function StackingFields(props: Props) {
  const { t } = useTranslation('promotions');
  const { form, setForm, errors } = props;
  const text = useText(props);
  return (
    <fieldset>
      <legend>{t('editor.stacking')}</legend>
      <SelectField label={t('editor.stacking')} name="stacking" value={form.stacking} error={errors.stacking} onChange={(e) => setForm((f) => ({ ...f, stacking: e.target.value as PromotionForm['stacking'] }))}>
        <option value="combinable">{t('editor.stackingOf.combinable')}</option>
        <option value="exclusive">{t('editor.stackingOf.exclusive')}</option>
      </SelectField>
      <div className="form-row">
        {text('priority', t('editor.priority'), 'priority', { hint: t('editor.priorityHint'), inputMode: 'numeric' })}
        <SelectField label={t('editor.appliesTo')} name="applies_to" value={form.applies_to} error={errors.applies_to} onChange={(e) => setForm((f) => ({ ...f, applies_to: e.target.value as PromotionForm['applies_to'] }))}>
          <option value="discounted">{t('editor.appliesToOf.discounted')}</option>
          <option value="original">{t('editor.appliesToOf.original')}</option>
        </SelectField>
        <SelectField label={t('editor.fundedBy')} name="funded_by" value={form.funded_by} error={errors.funded_by} onChange={(e) => setForm((f) => ({ ...f, funded_by: e.target.value as PromotionForm['funded_by'] }))}>
          <option value="seller">{t('editor.fundedByOf.seller')}</option>
          <option value="platform">{t('editor.fundedByOf.platform')}</option>
        </SelectField>
      </div>
      <div className="form-row">
        {text('starts_at', t('editor.startsAt'), 'starts_at', { type: 'datetime-local' })}
        {text('ends_at', t('editor.endsAt'), 'ends_at', { type: 'datetime-local' })}
      </div>
    </fieldset>
  );
}

function LimitFields(props: Props) {
  const { t } = useTranslation('promotions');
  const { form, setForm } = props;
  const text = useText(props);
  return (
    <fieldset>
      <legend>{t('editor.limits')}</legend>
      <div className="form-row">
        {text('max_redemptions', t('editor.maxRedemptions'), 'max_redemptions', { inputMode: 'numeric' })}
        {text('budget', t('editor.budget'), 'budget_minor', { inputMode: 'decimal' })}
        {text('per_consumer_limit', t('editor.perConsumer'), 'per_consumer_limit', { inputMode: 'numeric' })}
        {text('per_day_limit', t('editor.perDay'), 'per_day_limit', { inputMode: 'numeric' })}
      </div>
      {form.kind === 'coupon' && (
        <div className="form-row">
          {text('issue_limit', t('editor.issueLimit'), 'issue_limit', { inputMode: 'numeric' })}
          {text('wallet_valid_h', t('editor.walletValid'), 'wallet_valid_h', { inputMode: 'numeric' })}
        </div>
      )}
      <div className="checks">
        {form.kind === 'coupon' && <Check label={t('editor.claimable')} checked={form.claimable} onChange={(claimable) => setForm((f) => ({ ...f, claimable }))} />}
        <Check label={t('editor.refundReturns')} checked={form.refund_returns_redemption} onChange={(refund_returns_redemption) => setForm((f) => ({ ...f, refund_returns_redemption }))} />
      </div>
    </fieldset>
  );
}
