import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../../api';
import { DateField } from '../../components/DateField';
import { parseDay } from './dates';

type Order = Schemas['Order'];
export type Status = Order['status'];

export const statuses: readonly Status[] = ['awaiting_payment', 'paid', 'shipped', 'delivered', 'completed', 'refund_requested', 'awaiting_return', 'disputed', 'refunded', 'closed'];

export function parseStatus(value: string | null): Status | undefined {
  return statuses.find((s) => s === value);
}

export interface Filters {
  status: Status | undefined;
  from: string | undefined;
  to: string | undefined;
}

/** The days an order was placed between, applied on Apply (the state is chosen by the tabs above). */
export function FilterBar({ filters, filtered, onApply }: { filters: Filters; filtered: boolean; onApply: (f: Filters) => void }) {
  const { t } = useTranslation('orders');
  const [from, setFrom] = useState(filters.from ?? '');
  const [to, setTo] = useState(filters.to ?? '');
  const [rangeError, setRangeError] = useState<string | undefined>();

  /** Applies the days as typed, keeping the state of the current tab. */
  function applyWith(status: Status | undefined) {
    const next = { status, from: parseDay(from), to: parseDay(to) };
    if (next.from !== undefined && next.to !== undefined && next.to < next.from) {
      setRangeError(t('filters.rangeInvalid'));
      return;
    }
    setRangeError(undefined);
    onApply(next);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    applyWith(filters.status);
  }

  return (
    <form className="toolbar orders-filters" role="search" aria-label={t('filters.label')} onSubmit={submit} noValidate>
      <DateField label={t('filters.from')} name="from" value={from} max={to === '' ? undefined : to} onChange={setFrom} />
      <DateField label={t('filters.to')} name="to" value={to} min={from === '' ? undefined : from} error={rangeError} onChange={setTo} />
      <button type="submit" className="primary">
        {t('filters.apply')}
      </button>
      {filtered && (
        <button type="button" onClick={() => onApply({ status: undefined, from: undefined, to: undefined })}>
          {t('filters.clear')}
        </button>
      )}
    </form>
  );
}
