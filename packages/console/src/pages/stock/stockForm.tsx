import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { OpenBosError } from '../../api';
import { FormActions } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import i18n from 'i18next';
import { localTitle, useFormat } from '../../format';
import { levelQuery, type Location, type StockRow } from './api';

/**
 * The four stock actions, each a small form shown in a <Dialog>: adjust (with a reason), receive,
 * transfer and the low-stock alert level. The server's refusals (not enough stock, a field out of
 * range) are shown in the form, next to the field they concern when the server names one.
 */
export type StockAction = 'adjust' | 'receive' | 'transfer' | 'threshold';

export const quantity_max = 1_000_000;
export type Errors = Record<string, string>;

/** What a level is called in the dialogs: "Longjing 100 g (LJ-100) at Pudong". */
export function levelName(level: StockRow): string {
  const title = variantTitle(level, i18n.language);
  return level.sku === null ? title : `${title} (${level.sku})`;
}

/**
 * A variant's title in the reader's language: the product's translation when it has one, with
 * the variant's own title when the product has several ("西湖龙井绿茶 · 250g").
 */
export function variantTitle(v: { variant_id: string; title: string | null; product_title?: string | null; variant_title?: string | null; title_i18n?: Record<string, string> }, language: string): string {
  if (v.product_title === undefined || v.product_title === null) return v.title ?? v.variant_id;
  const product = localTitle({ title: v.product_title, title_i18n: v.title_i18n ?? {} }, language);
  return v.title !== null && v.title !== v.product_title && (v.variant_title ?? '') !== '' ? `${product} · ${v.variant_title}` : product;
}

export function parseCount(text: string, min: number, max: number): number | undefined {
  const trimmed = text.trim().replace(/^\+/, '');
  if (!/^-?\d+$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return n >= min && n <= max ? n : undefined;
}

/** Runs one stock change: the request, refreshing what shows stock, and a notice. */
export function useStockChange<T>(run: () => Promise<T>, success: (result: T) => string, onDone: () => void) {
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
export function useLiveLevel(level: StockRow): StockRow {
  const { t } = useTranslation('stock');
  const query = useQuery({ ...levelQuery(level.variant_id, level.location_id, t('levelGone')), initialData: level, initialDataUpdatedAt: Date.now() });
  return query.data;
}

/**
 * The server's answer as form errors: per field when it names fields, else one message. When
 * stock was too low, what is shown is refreshed, so the person sees what there is now.
 */
export function useServerErrors() {
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

export function FormShell({ onSubmit, onCancel, busy, submitLabel, errors, children }: { onSubmit: () => void; onCancel: () => void; busy: boolean; submitLabel: string; errors: Errors; children: ReactNode }) {
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

export function LevelFacts({ level, location }: { level: StockRow; location: string }) {
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

export function ReasonSuggestions({ id }: { id: string }) {
  const { t } = useTranslation('stock');
  return (
    <datalist id={id}>
      {(['stocktake', 'damaged', 'lost', 'found', 'returned', 'expired'] as const).map((r) => (
        <option key={r} value={t(`reasons.${r}`)} />
      ))}
    </datalist>
  );
}

/** The locations to choose from, after "Choose a location"; closed ones are shown but cannot be chosen. */
export function LocationOptions({ locations }: { locations: readonly Location[] }) {
  const { t } = useTranslation('stock');
  return (
    <>
      <option value="">{t('chooseLocation')}</option>
      {locations.map((l) => (
        <option key={l.id} value={l.id} disabled={!l.active}>
          {l.name} · {t(`kind.${l.kind}`)}
          {l.active ? '' : ` (${t('closed')})`}
        </option>
      ))}
    </>
  );
}
