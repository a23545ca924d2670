import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, unwrap } from '../../api';
import { useFormat } from '../../format';
import { TextField } from '../../components/Field';
import type { StockRow } from './api';
import { FormShell, LevelFacts, levelName, parseCount, quantity_max, ReasonSuggestions, useLiveLevel, useServerErrors, useStockChange, type Errors } from './stockForm';

/** A correction of what is on hand, by a change or by a count, always with a reason. */
export function AdjustForm({ level: opened, locationName, onDone }: { level: StockRow; locationName: string; onDone: () => void }) {
  const { t } = useTranslation('stock');
  const level = useLiveLevel(opened);
  const f = useFormat();
  const listId = useId();
  const [mode, setMode] = useState<'delta' | 'count'>('delta');
  const [delta, setDelta] = useState('');
  const [counted, setCounted] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const serverErrors = useServerErrors();
  const change = mode === 'delta' ? parseCount(delta, -quantity_max, quantity_max) : (() => {
    const n = parseCount(counted, 0, quantity_max);
    return n === undefined ? undefined : n - level.on_hand;
  })();
  const mutation = useStockChange(
    () => unwrap(bos.POST('/v1/stock/adjustments', { body: { variant_id: level.variant_id, location_id: level.location_id, on_hand_delta: change ?? 0, note: note.trim() }, headers: idempotencyKey() })),
    (after) => t('adjusted', { name: levelName(level), location: locationName, on_hand: f.number(after.on_hand) }),
    onDone,
  );

  function submit() {
    const found: Errors = {};
    if (mode === 'delta' && change === undefined) found.on_hand_delta = t('errors.wholeNumber');
    if (mode === 'count' && change === undefined) found.counted = t('errors.count');
    if (change === 0) found[mode === 'delta' ? 'on_hand_delta' : 'counted'] = t('errors.noChange');
    if (change !== undefined && level.on_hand + change < level.reserved) found[mode === 'delta' ? 'on_hand_delta' : 'counted'] = t('errors.belowReserved', { min: f.number(level.reserved) });
    if (note.trim() === '') found.note = t('errors.reasonRequired');
    setErrors(found);
    if (Object.keys(found).length === 0) mutation.mutate(undefined, { onError: (e) => setErrors(serverErrors(e)) });
  }

  return (
    <FormShell onSubmit={submit} onCancel={onDone} busy={mutation.isPending} submitLabel={t('adjustSubmit')} errors={errors}>
      <LevelFacts level={level} location={locationName} />
      <fieldset className="stock-mode-choice">
        <legend>{t('adjustMode')}</legend>
        <div className="checks">
          <label>
            <input type="radio" name="mode" checked={mode === 'delta'} onChange={() => setMode('delta')} /> {t('modeDelta')}
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'count'} onChange={() => setMode('count')} /> {t('modeCount')}
          </label>
        </div>
      </fieldset>
      {mode === 'delta' ? (
        <TextField label={t('onHandDelta')} hint={t('onHandDeltaHint')} inputMode="numeric" value={delta} error={errors.on_hand_delta} onChange={(e) => setDelta(e.target.value)} autoFocus data-autofocus />
      ) : (
        <TextField label={t('countedQuantity')} hint={t('countedHint')} inputMode="numeric" value={counted} error={errors.counted ?? errors.on_hand_delta} onChange={(e) => setCounted(e.target.value)} autoFocus data-autofocus />
      )}
      {change !== undefined && change !== 0 && (
        <p className={`stock-preview${level.on_hand + change < level.reserved ? ' stock-preview-bad' : ''}`} aria-live="polite">
          {t('adjustPreview', { from: f.number(level.on_hand), to: f.number(level.on_hand + change), change: `${change > 0 ? '+' : ''}${f.number(change)}` })}
        </p>
      )}
      <TextField label={t('reason')} hint={t('reasonHint')} required maxLength={500} list={listId} value={note} error={errors.note} onChange={(e) => setNote(e.target.value)} />
      <ReasonSuggestions id={listId} />
    </FormShell>
  );
}
