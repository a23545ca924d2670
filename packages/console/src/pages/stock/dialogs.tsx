import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, OpenBosError, unwrap } from '../../api';
import { SelectField, TextAreaField, TextField } from '../../components/Field';
import { FormActions } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { useFormat } from '../../format';
import { levelQuery, variantsQuery, type Location, type StockRow } from './api';

/**
 * The four stock actions, each a small form shown in a <Dialog>: adjust (with a reason), receive,
 * transfer and the low-stock alert level. The server's refusals (not enough stock, a field out of
 * range) are shown in the form, next to the field they concern when the server names one.
 */
export type StockAction = 'adjust' | 'receive' | 'transfer' | 'threshold';

const quantity_max = 1_000_000;
type Errors = Record<string, string>;

/** What a level is called in the dialogs: "Longjing 100 g (LJ-100) at Pudong". */
export function levelName(level: StockRow): string {
  return level.sku === null ? (level.title ?? level.variant_id) : `${level.title ?? level.variant_id} (${level.sku})`;
}

function parseCount(text: string, min: number, max: number): number | undefined {
  const trimmed = text.trim().replace(/^\+/, '');
  if (!/^-?\d+$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return n >= min && n <= max ? n : undefined;
}

/** Runs one stock change: the request, refreshing what shows stock, and a notice. */
function useStockChange<T>(run: () => Promise<T>, success: (result: T) => string, onDone: () => void) {
  const queryClient = useQueryClient();
  const notify = useNotify();
  return useMutation({
    mutationFn: run,
    onSuccess: async (result) => {
      await Promise.all([queryClient.invalidateQueries({ queryKey: ['stock'] }), queryClient.invalidateQueries({ queryKey: ['overview'] })]);
      notify('success', success(result));
      onDone();
    },
  });
}

/** The level as it is now: the dialog opened with a copy, and stock may move meanwhile. */
function useLiveLevel(level: StockRow): StockRow {
  const { t } = useTranslation('stock');
  const query = useQuery({ ...levelQuery(level.variant_id, level.location_id, t('levelGone')), initialData: level, initialDataUpdatedAt: Date.now() });
  return query.data;
}

/**
 * The server's answer as form errors: per field when it names fields, else one message. When
 * stock was too low, what is shown is refreshed, so the person sees what there is now.
 */
function useServerErrors() {
  const { t } = useTranslation('stock');
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  return (error: unknown): Errors => {
    if (error instanceof OpenBosError && error.code === 'insufficient_stock') {
      void queryClient.invalidateQueries({ queryKey: ['stock'] });
      return { form: t('errors.insufficient'), detail: error.message };
    }
    if (!(error instanceof OpenBosError)) return { form: tc('failed', { message: error instanceof Error ? error.message : String(error) }) };
    const fields = error.fieldErrors();
    if (Object.keys(fields).length > 0) return fields;
    if (error.code === 'same_location') return { to_location_id: t('errors.sameLocation') };
    if (error.code === 'not_found') return { form: t('errors.notFound', { detail: error.message }) };
    if (error.status === 403) return { form: tc('notAllowed') };
    return { form: tc('failed', { message: error.message }) };
  };
}

function FormShell({ onSubmit, onCancel, busy, submitLabel, errors, children }: { onSubmit: () => void; onCancel: () => void; busy: boolean; submitLabel: string; errors: Errors; children: ReactNode }) {
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!busy) onSubmit();
  }
  const known = new Set(['form', 'detail', 'variant_id', 'location_id', 'from_location_id', 'to_location_id', 'quantity', 'on_hand_delta', 'note', 'low_stock_threshold', 'counted']);
  const other = Object.entries(errors).filter(([k]) => !known.has(k));
  return (
    <form onSubmit={submit} noValidate className="stock-form">
      {children}
      {(errors.form !== undefined || errors.detail !== undefined || other.length > 0) && (
        <div className="form-error stock-form-error" role="alert">
          {errors.form !== undefined && <p>{errors.form}</p>}
          {errors.detail !== undefined && <p className="stock-form-error-detail">{errors.detail}</p>}
          {other.map(([k, v]) => (
            <p key={k}>
              {k}: {v}
            </p>
          ))}
        </div>
      )}
      <FormActions onCancel={onCancel} busy={busy} submitLabel={submitLabel} />
    </form>
  );
}

function LevelFacts({ level, location }: { level: StockRow; location: string }) {
  const { t } = useTranslation('stock');
  const f = useFormat();
  return (
    <dl className="facts stock-dialog-facts">
      <dt>{t('product')}</dt>
      <dd>{levelName(level)}</dd>
      <dt>{t('location')}</dt>
      <dd>{location}</dd>
      <dt>{t('onHand')}</dt>
      <dd>{f.number(level.on_hand)}</dd>
      <dt>{t('reserved')}</dt>
      <dd>{f.number(level.reserved)}</dd>
      <dt>{t('available')}</dt>
      <dd>{f.number(level.available)}</dd>
    </dl>
  );
}

function ReasonSuggestions({ id }: { id: string }) {
  const { t } = useTranslation('stock');
  return (
    <datalist id={id}>
      {(['stocktake', 'damaged', 'lost', 'found', 'returned', 'expired'] as const).map((r) => (
        <option key={r} value={t(`reasons.${r}`)} />
      ))}
    </datalist>
  );
}

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

export function ReceiveForm({ level, initialVariant = '', locations, onDone }: { level: StockRow | undefined; initialVariant?: string; locations: readonly Location[]; onDone: () => void }) {
  const { t } = useTranslation('stock');
  const f = useFormat();
  const variants = useQuery({ ...variantsQuery, enabled: level === undefined });
  const [variantId, setVariantId] = useState(level?.variant_id ?? initialVariant);
  const [locationId, setLocationId] = useState(level?.location_id ?? locations.find((l) => l.active)?.id ?? '');
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
        <option value="">{t('chooseLocation')}</option>
        {locations.map((l) => (
          <option key={l.id} value={l.id} disabled={!l.active}>
            {l.name} · {t(`kind.${l.kind}`)}
            {l.active ? '' : ` (${t('closed')})`}
          </option>
        ))}
      </SelectField>
      <TextField label={t('quantity')} inputMode="numeric" required value={quantity} error={errors.quantity} onChange={(e) => setQuantity(e.target.value)} autoFocus={level !== undefined} data-autofocus={level !== undefined ? true : undefined} />
      <TextAreaField label={t('receiptNote')} maxLength={500} rows={2} value={note} error={errors.note} placeholder={t('receiptNotePlaceholder')} onChange={(e) => setNote(e.target.value)} />
    </FormShell>
  );
}

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
          <option value="">{t('chooseLocation')}</option>
          {targets.map((l) => (
            <option key={l.id} value={l.id} disabled={!l.active}>
              {l.name} · {t(`kind.${l.kind}`)}
              {l.active ? '' : ` (${t('closed')})`}
            </option>
          ))}
        </SelectField>
      )}
      <TextField label={t('quantity')} hint={t('transferHint', { available: f.number(level.available) })} inputMode="numeric" required value={quantity} error={errors.quantity} onChange={(e) => setQuantity(e.target.value)} autoFocus data-autofocus />
    </FormShell>
  );
}

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
