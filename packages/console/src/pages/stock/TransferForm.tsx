import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, unwrap } from '../../api';
import { useFormat } from '../../format';
import { SelectField, TextField } from '../../components/Field';
import type { Location, StockRow } from './api';
import { FormShell, LevelFacts, levelName, LocationOptions, parseCount, quantity_max, useLiveLevel, useServerErrors, useStockChange, type Errors } from './stockForm';

/** Stock moved from this level's location to another, no more than is available. */
export function TransferForm({ level: opened, locations, onDone }: { level: StockRow; locations: readonly Location[]; onDone: () => void }) {
  const { t } = useTranslation('stock');
  const level = useLiveLevel(opened);
  const f = useFormat();
  const from = locations.find((l) => l.id === level.location_id);
  const targets = locations.filter((l) => l.id !== level.location_id);
  const [to, setTo] = useState(targets.find((l) => l.active)?.id ?? '');
  const [quantity, setQuantity] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const serverErrors = useServerErrors();
  const q = parseCount(quantity, 1, quantity_max);
  const fromName = from?.name ?? level.location_id;
  const toName = locations.find((l) => l.id === to)?.name ?? to;
  const mutation = useStockChange(
    () => unwrap(bos.POST('/v1/stock/transfers', { body: { variant_id: level.variant_id, from_location_id: level.location_id, to_location_id: to, quantity: q ?? 0 }, headers: idempotencyKey() })),
    (result) => t('transferred', { quantity: f.number(q ?? 0), name: levelName(level), from: fromName, to: toName, left: f.number(result.from.available) }),
    onDone,
  );

  function submit() {
    const found: Errors = {};
    if (to === '') found.to_location_id = t('errors.chooseLocation');
    if (q === undefined) found.quantity = t('errors.quantity', { max: f.number(quantity_max) });
    else if (q > level.available) found.quantity = t('errors.moreThanAvailable', { available: f.number(level.available) });
    setErrors(found);
    if (Object.keys(found).length === 0) mutation.mutate(undefined, { onError: (e) => setErrors(serverErrors(e)) });
  }

  return (
    <FormShell onSubmit={submit} onCancel={onDone} busy={mutation.isPending} submitLabel={t('transferSubmit')} errors={errors}>
      <LevelFacts level={level} location={fromName} />
      {targets.length === 0 ? (
        <p className="field-error">{t('noOtherLocation')}</p>
      ) : (
        <SelectField label={t('toLocation')} value={to} error={errors.to_location_id} onChange={(e) => setTo(e.target.value)}>
          <LocationOptions locations={targets} />
        </SelectField>
      )}
      <TextField label={t('quantity')} hint={t('transferHint', { available: f.number(level.available) })} inputMode="numeric" required value={quantity} error={errors.quantity} onChange={(e) => setQuantity(e.target.value)} autoFocus data-autofocus />
    </FormShell>
  );
}
