import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { TextField } from '../../components/Field';
import { combinations, emptyVariant, limits, newKey, parseOptions, sameOptions, type ProductForm, type VariantForm } from './form';
import { replaceAt, type SectionProps } from './sections';
import { FactPair } from './VariantsSection';

/** The options a product comes in (size, colour), and a button that adds the variants still missing. */
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
      <Card title={t('options')} headingId="options-heading">
        {options.length === 0 ? (
          <p className="muted">{t('noOptions')}</p>
        ) : (
          <dl className="facts">
            {options.map((o) => (
              <FactPair key={o.name} label={o.name} value={o.values.join(', ')} />
            ))}
          </dl>
        )}
      </Card>
    );
  }

  const set = (i: number, change: Partial<ProductForm['options'][number]>) => setForm((f) => ({ ...f, options: replaceAt(f.options, i, (o) => ({ ...o, ...change })) }));
  return (
    <Card title={t('options')} headingId="options-heading">
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
    </Card>
  );
}
