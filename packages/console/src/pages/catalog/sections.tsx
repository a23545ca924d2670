import { useQuery } from '@tanstack/react-query';
import { useState, type Dispatch, type SetStateAction } from 'react';
import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { SelectField, TextAreaField, TextField } from '../../components/Field';
import { limits, newKey, productStatuses, type Errors, type ProductForm } from './form';
import { categoriesQuery, CellInput, sortedCategories } from './shared';

/** What every section of the product form gets. */
export interface SectionProps {
  form: ProductForm;
  setForm: Dispatch<SetStateAction<ProductForm>>;
  errors: Errors;
  readOnly: boolean;
  creating: boolean;
  currency: string;
}

export function replaceAt<T>(list: readonly T[], index: number, change: (item: T) => T): T[] {
  return list.map((item, i) => (i === index ? change(item) : item));
}

export function GeneralSection({ form, setForm, errors, readOnly }: SectionProps) {
  const { t } = useTranslation('catalog');
  return (
    <Card title={t('general')} headingId="general-heading">
      <TextField label={t('field.title')} name="title" required maxLength={300} value={form.title} error={errors.title} readOnly={readOnly} onChange={(e) => setForm((f) => ({ ...f, title: e.target.value }))} />
      <TextField
        label={t('field.title_zh')}
        name="title_zh"
        lang="zh-CN"
        maxLength={300}
        value={form.title_i18n['zh-CN'] ?? ''}
        error={errors['title_i18n.zh-CN']}
        readOnly={readOnly}
        hint={t('field.title_zhHint')}
        onChange={(e) => setForm((f) => ({ ...f, title_i18n: { ...f.title_i18n, 'zh-CN': e.target.value } }))}
      />
      <TextAreaField label={t('field.description')} name="description" rows={5} value={form.description} error={errors.description} readOnly={readOnly} onChange={(e) => setForm((f) => ({ ...f, description: e.target.value }))} />
    </Card>
  );
}

export function ImagesSection({ form, setForm, errors, readOnly }: SectionProps) {
  const { t } = useTranslation('catalog');
  const set = (i: number, url: string) => setForm((f) => ({ ...f, images: replaceAt(f.images, i, (img) => ({ ...img, url })) }));
  return (
    <Card title={t('images')} headingId="images-heading">
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
    </Card>
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

export function StatusSection({ form, setForm, readOnly }: SectionProps) {
  const { t } = useTranslation('catalog');
  return (
    <Card title={t('statusLabel')} headingId="status-heading">
      <SelectField label={t('field.status')} value={form.status} disabled={readOnly} onChange={(e) => setForm((f) => ({ ...f, status: e.target.value as ProductForm['status'] }))}>
        {productStatuses.map((s) => (
          <option key={s} value={s}>
            {t(`status.${s}`)}
          </option>
        ))}
      </SelectField>
      <p className="hint">{t(`statusHint.${form.status}`)}</p>
    </Card>
  );
}

export function CategorySection({ form, setForm, errors, readOnly, onNewCategory }: SectionProps & { onNewCategory: () => void }) {
  const { t } = useTranslation('catalog');
  const categories = useQuery(categoriesQuery);
  const options = sortedCategories(categories.data ?? []);
  return (
    <Card title={t('field.category_id')} headingId="category-heading">
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
    </Card>
  );
}
