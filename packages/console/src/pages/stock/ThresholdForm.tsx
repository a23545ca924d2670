import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, unwrap } from '../../api';
import { useFormat } from '../../format';
import { TextField } from '../../components/Field';
import type { StockRow } from './api';
import { FormShell, LevelFacts, levelName, parseCount, quantity_max, useLiveLevel, useServerErrors, useStockChange, type Errors } from './stockForm';

/** The low-stock alert level: at or below it, the level shows as low and the overview lists it. */
export function ThresholdForm({ level: opened, locationName, onDone }: { level: StockRow; locationName: string; onDone: () => void }) {
  const { t } = useTranslation('stock');
  const level = useLiveLevel(opened);
  const f = useFormat();
  const [value, setValue] = useState(String(level.low_stock_threshold));
  const [errors, setErrors] = useState<Errors>({});
  const serverErrors = useServerErrors();
  const n = parseCount(value, 0, quantity_max);
  const mutation = useStockChange(
    () => unwrap(bos.PUT('/v1/stock/thresholds', { body: { variant_id: level.variant_id, location_id: level.location_id, low_stock_threshold: n ?? 0 }, headers: idempotencyKey() })),
    (after) => t('thresholdSet', { name: levelName(level), location: locationName, threshold: f.number(after.low_stock_threshold) }),
    onDone,
  );

  function submit() {
    if (n === undefined) {
      setErrors({ low_stock_threshold: t('errors.threshold', { max: f.number(quantity_max) }) });
      return;
    }
    setErrors({});
    mutation.mutate(undefined, { onError: (e) => setErrors(serverErrors(e)) });
  }

  return (
    <FormShell onSubmit={submit} onCancel={onDone} busy={mutation.isPending} submitLabel={t('thresholdSubmit')} errors={errors}>
      <LevelFacts level={level} location={locationName} />
      <TextField label={t('threshold')} hint={t('thresholdHint')} inputMode="numeric" required value={value} error={errors.low_stock_threshold} onChange={(e) => setValue(e.target.value)} autoFocus data-autofocus />
      {n !== undefined && (
        <p className={`stock-preview${level.available <= n ? ' stock-preview-bad' : ''}`} aria-live="polite">
          {level.available <= n ? t('thresholdWouldAlert', { available: f.number(level.available) }) : t('thresholdFine', { available: f.number(level.available) })}
        </p>
      )}
    </FormShell>
  );
}
