import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, unwrap } from '../../api';
import { useFormat } from '../../format';
import { SelectField, TextAreaField, TextField } from '../../components/Field';
import { variantsQuery, type Location, type StockRow } from './api';
import { FormShell, levelName, LocationOptions, parseCount, quantity_max, useServerErrors, useStockChange, type Errors } from './stockForm';

/** Goods in: a quantity of a variant at a location (both chosen here when opened from the page header). */
export function ReceiveForm({ level, initialVariant = '', initialLocation = '', locations, onDone }: { level: StockRow | undefined; initialVariant?: string; initialLocation?: string; locations: readonly Location[]; onDone: () => void }) {
  const { t, i18n } = useTranslation('stock');
  const f = useFormat();
  const variants = useQuery({ ...variantsQuery(i18n.language), enabled: level === undefined });
  const [variantId, setVariantId] = useState(level?.variant_id ?? initialVariant);
  const [locationId, setLocationId] = useState(level?.location_id ?? (initialLocation !== '' ? initialLocation : (locations.find((l) => l.active)?.id ?? '')));
  const [quantity, setQuantity] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const serverErrors = useServerErrors();
  const q = parseCount(quantity, 1, quantity_max);
  const locationName = locations.find((l) => l.id === locationId)?.name ?? locationId;
  const variantLabel = level !== undefined ? levelName(level) : (() => {
    const v = variants.data?.find((x) => x.id === variantId);
    return v === undefined ? variantId : `${v.label} (${v.sku})`;
  })();
  const mutation = useStockChange(
    () => unwrap(bos.POST('/v1/stock/receipts', { body: { variant_id: variantId, location_id: locationId, quantity: q ?? 0, ...(note.trim() === '' ? {} : { note: note.trim() }) }, headers: idempotencyKey() })),
    (after) => t('received', { quantity: f.number(q ?? 0), name: variantLabel, location: locationName, on_hand: f.number(after.on_hand) }),
    onDone,
  );

  function submit() {
    const found: Errors = {};
    if (variantId === '') found.variant_id = t('errors.chooseVariant');
    if (locationId === '') found.location_id = t('errors.chooseLocation');
    if (q === undefined) found.quantity = t('errors.quantity', { max: f.number(quantity_max) });
    setErrors(found);
    if (Object.keys(found).length === 0) mutation.mutate(undefined, { onError: (e) => setErrors(serverErrors(e)) });
  }

  return (
    <FormShell onSubmit={submit} onCancel={onDone} busy={mutation.isPending} submitLabel={t('receiveSubmit')} errors={errors}>
      {level !== undefined ? (
        <dl className="facts stock-dialog-facts">
          <dt>{t('product')}</dt>
          <dd>{levelName(level)}</dd>
        </dl>
      ) : (
        <SelectField label={t('variant')} value={variantId} error={errors.variant_id} onChange={(e) => setVariantId(e.target.value)} autoFocus data-autofocus>
          <option value="">{variants.isPending ? t('loadingVariants') : t('chooseVariant')}</option>
          {(variants.data ?? []).map((v) => (
            <option key={v.id} value={v.id}>
              {v.label} ({v.sku})
            </option>
          ))}
        </SelectField>
      )}
      {variants.isError && <p className="field-error">{t('variantsFailed')}</p>}
      <SelectField label={t('location')} value={locationId} error={errors.location_id} onChange={(e) => setLocationId(e.target.value)}>
        <LocationOptions locations={locations} />
      </SelectField>
      <TextField label={t('quantity')} inputMode="numeric" required value={quantity} error={errors.quantity} onChange={(e) => setQuantity(e.target.value)} autoFocus={level !== undefined} data-autofocus={level !== undefined ? true : undefined} />
      <TextAreaField label={t('receiptNote')} maxLength={500} rows={2} value={note} error={errors.note} placeholder={t('receiptNotePlaceholder')} onChange={(e) => setNote(e.target.value)} />
    </FormShell>
  );
}
