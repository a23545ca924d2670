import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, OpenBosError, unwrap } from '../../api';
import { SelectField, TextField } from '../../components/Field';
import { FormActions, FormError } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import type { Errors } from './form';
import { categoriesQuery, sortedCategories } from './shared';

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
      <FormError message={errors.form === undefined ? undefined : tc('failed', { message: errors.form })} />
      <FormActions onCancel={() => onDone(undefined)} busy={create.isPending} submitLabel={t('createCategory')} />
    </form>
  );
}
