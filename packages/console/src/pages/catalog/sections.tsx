import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type Dispatch, type FormEvent, type SetStateAction } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, idempotencyKey, OpenBosError, unwrap } from '../../api';
import { SelectField, TextAreaField, TextField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { useFormat } from '../../format';
import {
  attributeTypes,
  combinations,
  emptyVariant,
  limits,
  newKey,
  parseOptions,
  priceRow,
  productStatuses,
  sameOptions,
  variantStatuses,
  type AttributeType,
  type Errors,
  type PriceRow,
  type ProductForm,
  type VariantForm,
  type VariantStatus,
} from './form';
import { categoriesQuery, CellInput, CellSelect, sortedCategories } from './shared';

/** What every section of the product form gets. */
export interface SectionProps {
  form: ProductForm;
  setForm: Dispatch<SetStateAction<ProductForm>>;
  errors: Errors;
  readOnly: boolean;
  creating: boolean;
  currency: string;
}

/** Currencies offered for prices: the merchant's own first, then common ones and any already used. */
const commonCurrencies = ['CNY', 'HKD', 'TWD', 'USD', 'EUR', 'GBP', 'JPY', 'KRW', 'SGD', 'AUD', 'CAD'];

function replaceAt<T>(list: readonly T[], index: number, change: (item: T) => T): T[] {
  return list.map((item, i) => (i === index ? change(item) : item));
}

export function GeneralSection({ form, setForm, errors, readOnly }: SectionProps) {
  const { t } = useTranslation('catalog');
  return (
    <section className="card" aria-labelledby="general-heading">
      <h2 id="general-heading">{t('general')}</h2>
      <TextField label={t('field.title')} name="title" required maxLength={300} value={form.title} error={errors.title} readOnly={readOnly} onChange={(e) => setForm((f) => ({ ...f, title: e.target.value }))} />
      <TextAreaField label={t('field.description')} name="description" rows={5} value={form.description} error={errors.description} readOnly={readOnly} onChange={(e) => setForm((f) => ({ ...f, description: e.target.value }))} />
    </section>
  );
}

export function ImagesSection({ form, setForm, errors, readOnly }: SectionProps) {
  const { t } = useTranslation('catalog');
  const set = (i: number, url: string) => setForm((f) => ({ ...f, images: replaceAt(f.images, i, (img) => ({ ...img, url })) }));
  return (
    <section className="card" aria-labelledby="images-heading">
      <h2 id="images-heading">{t('images')}</h2>
      <p className="hint">{t('imagesHint')}</p>
      {errors.images !== undefined && <p className="field-error">{errors.images}</p>}
      {form.images.length === 0 && <p className="muted">{t('noImages')}</p>}
      <ul className="cat-row-list">
        {form.images.map((img, i) => (
          <li key={img.key} className="cat-image-row">
            <ImagePreview url={img.url} n={i + 1} />
            <CellInput label={t('imageUrlN', { n: i + 1 })} type="url" inputMode="url" placeholder="https://" value={img.url} error={errors[`images.${i}`]} readOnly={readOnly} onChange={(e) => set(i, e.target.value)} />
            {!readOnly && (
              <button type="button" className="danger" onClick={() => setForm((f) => ({ ...f, images: f.images.filter((_, j) => j !== i) }))} aria-label={t('removeImageN', { n: i + 1 })}>
                {t('remove')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {!readOnly && form.images.length < limits.images && (
        <button type="button" onClick={() => setForm((f) => ({ ...f, images: [...f.images, { key: newKey(), url: '' }] }))}>
          {t('addImage')}
        </button>
      )}
    </section>
  );
}

function ImagePreview({ url, n }: { url: string; n: number }) {
  const { t } = useTranslation('catalog');
  const [failed, setFailed] = useState<string | undefined>();
  const usable = /^https?:\/\/\S+$/.test(url.trim()) && failed !== url;
  return usable ? (
    <img className="cat-thumb cat-thumb-large" src={url.trim()} alt={t('imageN', { n })} onError={() => setFailed(url)} />
  ) : (
    <span className="cat-thumb cat-thumb-large cat-thumb-empty" aria-hidden="true">
      {n}
    </span>
  );
}

export function AttributesSection({ form, setForm, errors, readOnly }: SectionProps) {
  const { t } = useTranslation('catalog');
  const { t: tc } = useTranslation();
  const set = (i: number, change: Partial<ProductForm['attributes'][number]>) => setForm((f) => ({ ...f, attributes: replaceAt(f.attributes, i, (a) => ({ ...a, ...change })) }));
  return (
    <section className="card" aria-labelledby="attributes-heading">
      <h2 id="attributes-heading">{t('attributes')}</h2>
      <p className="hint">{t('attributesHint')}</p>
      {errors.attributes !== undefined && <p className="field-error">{errors.attributes}</p>}
      {form.attributes.length === 0 ? (
        <p className="muted">{t('noAttributes')}</p>
      ) : (
        <table className="cat-edit-table">
          <thead>
            <tr>
              <th scope="col">{t('attributeName')}</th>
              <th scope="col">{t('attributeType')}</th>
              <th scope="col">{t('attributeValue')}</th>
              {!readOnly && (
                <th scope="col">
                  <span className="visually-hidden">{tc('actions')}</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {form.attributes.map((a, i) => (
              <tr key={a.key}>
                <td>
                  <CellInput label={t('attributeNameN', { n: i + 1 })} value={a.name} maxLength={100} error={errors[`attributes.${i}.name`]} readOnly={readOnly} onChange={(e) => set(i, { name: e.target.value })} />
                </td>
                <td>
                  <CellSelect
                    label={t('attributeTypeN', { n: i + 1 })}
                    value={a.type}
                    disabled={readOnly}
                    onChange={(e) => {
                      const type = e.target.value as AttributeType;
                      set(i, { type, value: type === 'boolean' ? (a.value === 'true' ? 'true' : 'false') : a.value === 'true' || a.value === 'false' ? '' : a.value });
                    }}
                  >
                    {attributeTypes.map((type) => (
                      <option key={type} value={type}>
                        {t(`attributeTypes.${type}`)}
                      </option>
                    ))}
                  </CellSelect>
                </td>
                <td>
                  {a.type === 'boolean' ? (
                    <CellSelect label={t('attributeValueN', { n: i + 1 })} value={a.value} disabled={readOnly} onChange={(e) => set(i, { value: e.target.value })}>
                      <option value="true">{tc('yes')}</option>
                      <option value="false">{tc('no')}</option>
                    </CellSelect>
                  ) : (
                    <CellInput
                      label={t('attributeValueN', { n: i + 1 })}
                      value={a.value}
                      inputMode={a.type === 'number' ? 'decimal' : undefined}
                      maxLength={1_000}
                      error={errors[`attributes.${i}.value`]}
                      readOnly={readOnly}
                      onChange={(e) => set(i, { value: e.target.value })}
                    />
                  )}
                </td>
                {!readOnly && (
                  <td>
                    <button type="button" className="danger" aria-label={t('removeAttributeN', { n: i + 1 })} onClick={() => setForm((f) => ({ ...f, attributes: f.attributes.filter((_, j) => j !== i) }))}>
                      {t('remove')}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!readOnly && (
        <button type="button" onClick={() => setForm((f) => ({ ...f, attributes: [...f.attributes, { key: newKey(), name: '', type: 'text', value: '' }] }))}>
          {t('addAttribute')}
        </button>
      )}
    </section>
  );
}

export function OptionsSection({ form, setForm, errors, readOnly, creating, currency }: SectionProps) {
  const { t } = useTranslation('catalog');
  const options = parseOptions(form.options);
  const editable = !readOnly;
  const combos = combinations(options);
  const missing = options.length === 0 ? [] : combos.filter((c) => !form.variants.some((v) => sameOptions(v.option_values, c)));

  function addMissingVariants() {
    setForm((f) => {
      const template = f.variants[0];
      const blank = (v: VariantForm) => v.id === undefined && v.sku.trim() === '' && Object.keys(v.option_values).length === 0;
      const kept = f.variants.filter((v) => !blank(v));
      const added = missing.map((option_values) => ({
        ...emptyVariant(currency, option_values),
        ...(template === undefined ? {} : { prices: template.prices.map((p) => ({ ...p, key: newKey() })), weight_g: template.weight_g }),
      }));
      return { ...f, variants: [...kept, ...added].slice(0, limits.variants) };
    });
  }

  if (!editable) {
    return (
      <section className="card" aria-labelledby="options-heading">
        <h2 id="options-heading">{t('options')}</h2>
        {options.length === 0 ? (
          <p className="muted">{t('noOptions')}</p>
        ) : (
          <dl className="facts">
            {options.map((o) => (
              <FactPair key={o.name} label={o.name} value={o.values.join(', ')} />
            ))}
          </dl>
        )}
      </section>
    );
  }

  const set = (i: number, change: Partial<ProductForm['options'][number]>) => setForm((f) => ({ ...f, options: replaceAt(f.options, i, (o) => ({ ...o, ...change })) }));
  return (
    <section className="card" aria-labelledby="options-heading">
      <h2 id="options-heading">{t('options')}</h2>
      <p className="hint">{t('optionsHint')}</p>
      {!creating && <p className="hint">{t('optionsEditHint')}</p>}
      {form.options.map((o, i) => (
        <div key={o.key} className="cat-option-row">
          <TextField label={t('optionNameN', { n: i + 1 })} value={o.name} maxLength={100} placeholder={t('optionNamePlaceholder')} error={errors[`options.${i}.name`]} onChange={(e) => set(i, { name: e.target.value })} />
          <TextField label={t('optionValuesN', { n: i + 1 })} value={o.values} placeholder={t('optionValuesPlaceholder')} hint={t('optionValuesHint')} error={errors[`options.${i}.values`]} onChange={(e) => set(i, { values: e.target.value })} />
          <button type="button" className="danger" aria-label={t('removeOptionN', { n: i + 1 })} onClick={() => setForm((f) => ({ ...f, options: f.options.filter((_, j) => j !== i) }))}>
            {t('remove')}
          </button>
        </div>
      ))}
      <div className="cat-buttons">
        {form.options.length < limits.options && (
          <button type="button" onClick={() => setForm((f) => ({ ...f, options: [...f.options, { key: newKey(), name: '', values: '' }] }))}>
            {t('addOption')}
          </button>
        )}
        {missing.length > 0 && (
          <button type="button" onClick={addMissingVariants}>
            {t('addCombinations', { count: missing.length })}
          </button>
        )}
      </div>
    </section>
  );
}

export function VariantsSection(props: SectionProps) {
  const { t } = useTranslation('catalog');
  const { form, setForm, errors, readOnly, currency } = props;
  // A new variant of a saved product needs a combination not yet used; more values make more.
  const options = parseOptions(form.options);
  const combos = options.length === 0 ? [] : combinations(options);
  const full = options.length > 0 && combos.every((c) => form.variants.some((v) => sameOptions(v.option_values, c)));
  const canAdd = !readOnly && form.variants.length < limits.variants && !(full && !props.creating);
  return (
    <section className="card" aria-labelledby="variants-heading">
      <h2 id="variants-heading">{t('variants')}</h2>
      {!readOnly && <p className="hint">{props.creating ? t('variantsHint') : t('variantsHintEdit')}</p>}
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
    </section>
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

function FactPair({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}

function PricesTable({ prices, path, errors, readOnly, currency, onChange, variantName }: { prices: PriceRow[]; path: string; errors: Errors; readOnly: boolean; currency: string; onChange: (prices: PriceRow[]) => void; variantName: string }) {
  const { t } = useTranslation('catalog');
  const { t: tc } = useTranslation();
  const currencies = [...new Set([currency, ...commonCurrencies, ...prices.map((p) => p.currency)])];
  const set = (j: number, change: Partial<PriceRow>) => onChange(replaceAt(prices, j, (p) => ({ ...p, ...change })));
  function addPrice() {
    const hasBase = prices.some((p) => p.currency === currency && (p.min_quantity.trim() === '' || p.min_quantity.trim() === '1'));
    onChange([...prices, priceRow(currency, hasBase ? '' : '1')]);
  }
  return (
    <div className="cat-prices">
      <h3>{t('prices')}</h3>
      {errors[path] !== undefined && <p className="field-error">{errors[path]}</p>}
      {prices.length === 0 ? (
        <p className="muted">{t('noPrices')}</p>
      ) : (
        <table className="cat-edit-table">
          <caption className="visually-hidden">{t('pricesOf', { name: variantName })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('currency')}</th>
              <th scope="col">{t('fromQuantity')}</th>
              <th scope="col">{t('price')}</th>
              {!readOnly && (
                <th scope="col">
                  <span className="visually-hidden">{tc('actions')}</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {prices.map((p, j) => (
              <tr key={p.key}>
                <td>
                  <CellSelect label={t('currencyOfN', { name: variantName, n: j + 1 })} value={p.currency} disabled={readOnly} error={errors[`${path}.${j}.currency`]} onChange={(e) => set(j, { currency: e.target.value })}>
                    {currencies.map((c) => (
                      <option key={c} value={c}>
                        {c}
                      </option>
                    ))}
                  </CellSelect>
                </td>
                <td>
                  <CellInput
                    label={t('fromQuantityOfN', { name: variantName, n: j + 1 })}
                    inputMode="numeric"
                    value={p.min_quantity}
                    placeholder="1"
                    className="cat-qty-input"
                    readOnly={readOnly}
                    error={errors[`${path}.${j}.min_quantity`]}
                    onChange={(e) => set(j, { min_quantity: e.target.value })}
                  />
                </td>
                <td>
                  <CellInput
                    label={t('priceOfN', { name: variantName, n: j + 1 })}
                    inputMode="decimal"
                    value={p.amount}
                    placeholder="0.00"
                    className="cat-money-input"
                    readOnly={readOnly}
                    error={errors[`${path}.${j}.amount_minor`]}
                    onChange={(e) => set(j, { amount: e.target.value })}
                  />
                </td>
                {!readOnly && (
                  <td>
                    <button type="button" className="danger" aria-label={t('removePriceN', { name: variantName, n: j + 1 })} onClick={() => onChange(prices.filter((_, k) => k !== j))}>
                      {t('remove')}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!readOnly && prices.length < limits.prices && (
        <button type="button" onClick={addPrice}>
          {t('addPrice')}
        </button>
      )}
      <p className="hint">{t('tiersHint')}</p>
    </div>
  );
}

export function StatusSection({ form, setForm, readOnly }: SectionProps) {
  const { t } = useTranslation('catalog');
  return (
    <section className="card" aria-labelledby="status-heading">
      <h2 id="status-heading">{t('statusLabel')}</h2>
      <SelectField label={t('field.status')} value={form.status} disabled={readOnly} onChange={(e) => setForm((f) => ({ ...f, status: e.target.value as ProductForm['status'] }))}>
        {productStatuses.map((s) => (
          <option key={s} value={s}>
            {t(`status.${s}`)}
          </option>
        ))}
      </SelectField>
      <p className="hint">{t(`statusHint.${form.status}`)}</p>
    </section>
  );
}

export function CategorySection({ form, setForm, errors, readOnly, onNewCategory }: SectionProps & { onNewCategory: () => void }) {
  const { t } = useTranslation('catalog');
  const categories = useQuery(categoriesQuery);
  const options = sortedCategories(categories.data ?? []);
  return (
    <section className="card" aria-labelledby="category-heading">
      <h2 id="category-heading">{t('field.category_id')}</h2>
      <SelectField label={t('field.category_id')} value={form.category_id} disabled={readOnly || categories.isPending} error={errors.category_id} onChange={(e) => setForm((f) => ({ ...f, category_id: e.target.value }))}>
        <option value="">{t('noCategory')}</option>
        {options.map((c) => (
          <option key={c.id} value={c.id}>
            {c.label}
          </option>
        ))}
      </SelectField>
      {categories.isError && <p className="field-error">{t('categoriesFailed')}</p>}
      {!readOnly && (
        <button type="button" onClick={onNewCategory}>
          {t('newCategory')}
        </button>
      )}
    </section>
  );
}

/** Rendered in a dialog outside the product form, since forms may not nest. */
export function NewCategoryForm({ onDone }: { onDone: (id: string | undefined) => void }) {
  const { t } = useTranslation('catalog');
  const { t: tc } = useTranslation();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const categories = useQuery(categoriesQuery);
  const [name, setName] = useState('');
  const [parent, setParent] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const create = useMutation({
    mutationFn: () => unwrap(bos.POST('/v1/categories', { body: { name: name.trim(), ...(parent === '' ? {} : { parent_id: parent }) }, headers: idempotencyKey() })),
    onSuccess: async (category) => {
      await queryClient.invalidateQueries({ queryKey: categoriesQuery.queryKey });
      notify('success', t('categoryCreated', { name: category.name }));
      onDone(category.id);
    },
    onError: (error) => setErrors(error instanceof OpenBosError ? { ...error.fieldErrors(), form: error.message } : { form: String(error) }),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (name.trim() === '') {
      setErrors({ name: t('errors.required') });
      return;
    }
    setErrors({});
    create.mutate();
  }
  return (
    <form onSubmit={submit} noValidate>
      <TextField label={t('categoryName')} required maxLength={200} value={name} error={errors.name} onChange={(e) => setName(e.target.value)} autoFocus data-autofocus />
      <SelectField label={t('parentCategory')} value={parent} error={errors.parent_id} onChange={(e) => setParent(e.target.value)}>
        <option value="">{t('noParent')}</option>
        {sortedCategories(categories.data ?? []).map((c) => (
          <option key={c.id} value={c.id}>
            {c.label}
          </option>
        ))}
      </SelectField>
      {errors.form !== undefined && (
        <p className="form-error" role="alert">
          {tc('failed', { message: errors.form })}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={() => onDone(undefined)}>
          {tc('cancel')}
        </button>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? tc('saving') : t('createCategory')}
        </button>
      </div>
    </form>
  );
}
