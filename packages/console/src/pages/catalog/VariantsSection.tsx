import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Card } from '../../components/Card';
import { SelectField, TextField } from '../../components/Field';
import { useFormat } from '../../format';
import { combinations, emptyVariant, limits, parseOptions, sameOptions, variantStatuses, type VariantForm, type VariantStatus } from './form';
import { PricesTable } from './PricesTable';
import { replaceAt, type SectionProps } from './sections';

export function VariantsSection(props: SectionProps & { tools?: ReactNode }) {
  const { t } = useTranslation('catalog');
  const { form, setForm, errors, readOnly, currency } = props;
  // A new variant of a saved product needs a combination not yet used; more values make more.
  const options = parseOptions(form.options);
  const combos = options.length === 0 ? [] : combinations(options);
  const full = options.length > 0 && combos.every((c) => form.variants.some((v) => sameOptions(v.option_values, c)));
  const canAdd = !readOnly && form.variants.length < limits.variants && !(full && !props.creating);
  return (
    <Card title={t('variants')} headingId="variants-heading">
      {!readOnly && <p className="hint">{props.creating ? t('variantsHint') : t('variantsHintEdit')}</p>}
      {props.tools}
      {errors.variants !== undefined && <p className="field-error">{errors.variants}</p>}
      {form.variants.map((v, i) => (
        <VariantEditor key={v.key} {...props} variant={v} index={i} />
      ))}
      {canAdd && (
        <button type="button" onClick={() => setForm((f) => ({ ...f, variants: [...f.variants, emptyVariant(currency)] }))}>
          {t('addVariant')}
        </button>
      )}
      {!readOnly && !props.creating && full && <p className="hint">{t('allCombinationsUsed')}</p>}
      {errors.variants === undefined && form.variants.length === 0 && <p className="muted">{t('noVariants')}</p>}
    </Card>
  );
}

function VariantEditor({ form, setForm, errors, readOnly, creating, currency, variant: v, index: i }: SectionProps & { variant: VariantForm; index: number }) {
  const { t } = useTranslation('catalog');
  const f = useFormat();
  const at = `variants.${i}`;
  const saved = v.id !== undefined;
  const options = parseOptions(form.options);
  const set = (change: Partial<VariantForm>) => setForm((x) => ({ ...x, variants: replaceAt(x.variants, i, (y) => ({ ...y, ...change })) }));
  const removable = !readOnly && !saved && (creating ? form.variants.length > 1 : true);
  const name = v.sku.trim() === '' ? t('variantN', { n: i + 1 }) : t('variantNamed', { n: i + 1, sku: v.sku.trim() });
  return (
    <fieldset className="cat-variant-card" data-testid={`variant-${i}`}>
      <legend>
        {name}
        {!saved && !creating && <span className="badge badge-new">{t('unsaved')}</span>}
      </legend>
      {saved && readOnly ? (
        <dl className="facts cat-variant-facts">
          <dt>{t('field.sku')}</dt>
          <dd className="mono">{v.sku}</dd>
          <dt>{t('variantTitle')}</dt>
          <dd>{v.title}</dd>
          <dt>{t('field.barcode')}</dt>
          <dd>{v.barcode === '' ? <span className="muted">—</span> : <span className="mono">{v.barcode}</span>}</dd>
          <dt>{t('field.weight_g')}</dt>
          <dd>{v.weight_g === '' ? <span className="muted">—</span> : t('grams', { weight: f.number(Number(v.weight_g)) })}</dd>
          <dt>{t('field.min_order_quantity')}</dt>
          <dd>{f.number(Number(v.min_order_quantity || '1'))}</dd>
          <dt>{t('variantStatus')}</dt>
          <dd>{t(`variantStatuses.${v.status}`)}</dd>
          {options.map((o) => (
            <FactPair key={o.name} label={o.name} value={v.option_values[o.name] ?? '—'} />
          ))}
        </dl>
      ) : (
        <div className="form-row">
          <TextField label={t('field.sku')} required maxLength={64} value={v.sku} error={errors[`${at}.sku`]} readOnly={readOnly} onChange={(e) => set({ sku: e.target.value })} className="mono" autoComplete="off" />
          <TextField label={t('field.barcode')} maxLength={64} value={v.barcode} error={errors[`${at}.barcode`]} readOnly={readOnly} onChange={(e) => set({ barcode: e.target.value })} autoComplete="off" />
          <TextField label={t('variantTitle')} maxLength={300} value={v.title} hint={t('variantTitleHint')} error={errors[`${at}.title`]} readOnly={readOnly} onChange={(e) => set({ title: e.target.value })} />
          <TextField label={t('field.weight_g')} inputMode="numeric" value={v.weight_g} error={errors[`${at}.weight_g`]} readOnly={readOnly} onChange={(e) => set({ weight_g: e.target.value })} />
          <TextField
            label={t('field.min_order_quantity')}
            inputMode="numeric"
            value={v.min_order_quantity}
            placeholder="1"
            hint={t('moqHint')}
            error={errors[`${at}.min_order_quantity`]}
            readOnly={readOnly}
            onChange={(e) => set({ min_order_quantity: e.target.value })}
          />
          {saved && (
            <SelectField label={t('variantStatus')} value={v.status} disabled={readOnly} error={errors[`${at}.status`]} onChange={(e) => set({ status: e.target.value as VariantStatus })}>
              {variantStatuses.map((status) => (
                <option key={status} value={status}>
                  {t(`variantStatuses.${status}`)}
                </option>
              ))}
            </SelectField>
          )}
          {options.map((o) => (
            <SelectField
              key={o.name}
              label={o.name}
              value={v.option_values[o.name] ?? ''}
              error={errors[`${at}.option_values.${o.name}`]}
              disabled={readOnly}
              onChange={(e) => set({ option_values: { ...v.option_values, [o.name]: e.target.value } })}
            >
              <option value="">{t('choose')}</option>
              {o.values.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </SelectField>
          ))}
        </div>
      )}
      {saved && (
        <p className="hint">
          {readOnly ? '' : t('variantFixed')} <Link to={`/stock?variant_id=${encodeURIComponent(v.id ?? '')}`}>{t('viewStock')}</Link>
        </p>
      )}
      {errors[`${at}.option_values`] !== undefined && <p className="field-error">{errors[`${at}.option_values`]}</p>}
      <PricesTable prices={v.prices} path={`${at}.prices`} errors={errors} readOnly={readOnly} currency={currency} onChange={(prices) => set({ prices })} variantName={name} />
      {removable && (
        <div className="cat-buttons cat-end">
          <button type="button" className="danger" onClick={() => setForm((x) => ({ ...x, variants: x.variants.filter((_, j) => j !== i) }))}>
            {t('removeVariant', { name })}
          </button>
        </div>
      )}
    </fieldset>
  );
}

export function FactPair({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}
