import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { attributeTypes, newKey, type AttributeType, type ProductForm } from './form';
import { replaceAt, type SectionProps } from './sections';
import { CellInput, CellSelect } from './shared';

/** The product's attributes (material, origin...): a name, a type and a value each, in a table. */
export function AttributesSection({ form, setForm, errors, readOnly }: SectionProps) {
  const { t } = useTranslation('catalog');
  const { t: tc } = useTranslation();
  const set = (i: number, change: Partial<ProductForm['attributes'][number]>) => setForm((f) => ({ ...f, attributes: replaceAt(f.attributes, i, (a) => ({ ...a, ...change })) }));
  return (
    <Card title={t('attributes')} headingId="attributes-heading">
      <p className="hint">{t('attributesHint')}</p>
      {errors.attributes !== undefined && <p className="field-error">{errors.attributes}</p>}
      {form.attributes.length === 0 ? (
        <p className="muted">{t('noAttributes')}</p>
      ) : (
        <DataTable
          bare
          tableClassName="cat-edit-table"
          rows={form.attributes}
          rowKey={(a) => a.key}
          columns={[
            { label: t('attributeName'), cell: (a, i) => <CellInput label={t('attributeNameN', { n: i + 1 })} value={a.name} maxLength={100} error={errors[`attributes.${i}.name`]} readOnly={readOnly} onChange={(e) => set(i, { name: e.target.value })} /> },
            {
              label: t('attributeType'),
              cell: (a, i) => (
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
              ),
            },
            {
              label: t('attributeValue'),
              cell: (a, i) =>
                a.type === 'boolean' ? (
                  <CellSelect label={t('attributeValueN', { n: i + 1 })} value={a.value} disabled={readOnly} onChange={(e) => set(i, { value: e.target.value })}>
                    <option value="true">{tc('yes')}</option>
                    <option value="false">{tc('no')}</option>
                  </CellSelect>
                ) : (
                  <CellInput label={t('attributeValueN', { n: i + 1 })} value={a.value} inputMode={a.type === 'number' ? 'decimal' : undefined} maxLength={1_000} error={errors[`attributes.${i}.value`]} readOnly={readOnly} onChange={(e) => set(i, { value: e.target.value })} />
                ),
            },
            !readOnly && {
              label: tc('actions'),
              hidden: true,
              cell: (_a, i) => (
                <button type="button" className="danger" aria-label={t('removeAttributeN', { n: i + 1 })} onClick={() => setForm((f) => ({ ...f, attributes: f.attributes.filter((_, j) => j !== i) }))}>
                  {t('remove')}
                </button>
              ),
            },
          ]}
        />
      )}
      {!readOnly && (
        <button type="button" onClick={() => setForm((f) => ({ ...f, attributes: [...f.attributes, { key: newKey(), name: '', type: 'text', value: '' }] }))}>
          {t('addAttribute')}
        </button>
      )}
    </Card>
  );
}
