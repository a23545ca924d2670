import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap, type Schemas } from '../../api';
import { DataTable } from '../../components/DataTable';
import { SelectField, TextField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { QueryState } from '../../components/QueryState';
import { StatusBadge } from '../../components/StatusBadge';
import { useFormat } from '../../format';
import { useUrlState } from '../../urlState';
import { parseDay, startOfDay, startOfNextDay } from './dates';
import './orders.css';

type Order = Schemas['Order'];
type Status = Order['status'];

const statuses: readonly Status[] = ['awaiting_payment', 'paid', 'shipped', 'delivered', 'completed', 'refund_requested', 'disputed', 'refunded', 'closed'];
const page_size = 25;

function parseStatus(value: string | null): Status | undefined {
  return statuses.find((s) => s === value);
}

interface Filters {
  status: Status | undefined;
  from: string | undefined;
  to: string | undefined;
}

export default function OrdersPage() {
  const { t } = useTranslation('orders');
  const { t: tc } = useTranslation();
  const { params, setParams, goTo } = useUrlState('before');
  const filters: Filters = { status: parseStatus(params.get('status')), from: parseDay(params.get('from')), to: parseDay(params.get('to')) };
  const before = params.get('before') ?? undefined;
  const filtered = filters.status !== undefined || filters.from !== undefined || filters.to !== undefined;

  const query = useQuery({
    queryKey: ['orders', { ...filters, before }],
    queryFn: () =>
      unwrap(
        bos.GET('/v1/orders', {
          params: {
            query: {
              status: filters.status,
              created_from: filters.from === undefined ? undefined : startOfDay(filters.from),
              created_to: filters.to === undefined ? undefined : startOfNextDay(filters.to),
              before,
              limit: page_size,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

  function apply(next: Filters) {
    const out = new URLSearchParams();
    if (next.status !== undefined) out.set('status', next.status);
    if (next.from !== undefined) out.set('from', next.from);
    if (next.to !== undefined) out.set('to', next.to);
    setParams(out);
  }

  return (
    <>
      <PageHeader title={t('title')}>
        <p className="muted">{filters.status === undefined ? t('subtitle') : t('subtitleStatus', { status: tc(`status.${filters.status}`) })}</p>
      </PageHeader>
      {/* Keyed by the address, so the form shows what the address says after back, forward or a link. */}
      <FilterBar key={`${filters.status ?? ''}|${filters.from ?? ''}|${filters.to ?? ''}`} filters={filters} filtered={filtered} onApply={apply} />
      <QueryState
        query={query}
        isEmpty={(data) => data.data.length === 0}
        empty={
          filtered ? (
            <>
              {t('emptyFiltered')}{' '}
              <button type="button" onClick={() => apply({ status: undefined, from: undefined, to: undefined })}>
                {t('filters.clear')}
              </button>
            </>
          ) : before !== undefined ? (
            <>
              {t('emptyPage')}{' '}
              <button type="button" onClick={() => goTo(undefined)}>
                {tc('previous')}
              </button>
            </>
          ) : (
            t('emptyAll')
          )
        }
      >
        {(data) => (
          <>
            <OrdersTable orders={data.data} busy={query.isPlaceholderData} />
            <Pager label={t('pagination')} onFirst={before === undefined ? undefined : () => goTo(undefined)} onNext={data.next_before === null ? undefined : () => goTo(data.next_before ?? undefined)} />
          </>
        )}
      </QueryState>
    </>
  );
}

function FilterBar({ filters, filtered, onApply }: { filters: Filters; filtered: boolean; onApply: (f: Filters) => void }) {
  const { t } = useTranslation('orders');
  const { t: tc } = useTranslation();
  const [from, setFrom] = useState(filters.from ?? '');
  const [to, setTo] = useState(filters.to ?? '');
  const [rangeError, setRangeError] = useState<string | undefined>();

  /** Applies the state with the days as typed, so changing the state never loses typed days. */
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
      <SelectField label={t('filters.status')} name="status" value={filters.status ?? ''} onChange={(e) => applyWith(parseStatus(e.target.value))}>
        <option value="">{t('filters.allStatuses')}</option>
        {statuses.map((s) => (
          <option key={s} value={s}>
            {tc(`status.${s}`)}
          </option>
        ))}
      </SelectField>
      <TextField label={t('filters.from')} type="date" name="from" value={from} max={to === '' ? undefined : to} onChange={(e) => setFrom(e.target.value)} />
      <TextField label={t('filters.to')} type="date" name="to" value={to} min={from === '' ? undefined : from} error={rangeError} onChange={(e) => setTo(e.target.value)} />
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

function OrdersTable({ orders, busy }: { orders: Order[]; busy: boolean }) {
  const { t } = useTranslation('orders');
  const f = useFormat();
  return (
    <DataTable
      caption={t('table.caption')}
      rows={orders}
      rowKey={(o) => o.id}
      busy={busy}
      className="orders-table-wrap"
      tableClassName="orders-table"
      columns={[
        {
          label: t('table.order'),
          rowHeader: true,
          className: 'orders-id',
          cell: (o) => (
            <Link to={`/orders/${o.id}`} className="mono">
              {o.id}
            </Link>
          ),
        },
        { label: t('table.placed'), cell: (o) => <time dateTime={o.created_at}>{f.dateTime(o.created_at)}</time> },
        { label: t('table.buyer'), cell: (o) => o.buyer_email ?? <span className="muted">{t('table.noBuyerEmail')}</span> },
        { label: t('table.items'), cell: (o) => <ItemsSummary lines={o.lines} /> },
        { label: t('table.total'), num: true, cell: (o) => f.money(o.total_minor, o.currency) },
        { label: t('table.status'), cell: (o) => <StatusBadge status={o.status} /> },
      ]}
    />
  );
}

function ItemsSummary({ lines }: { lines: Order['lines'] }) {
  const { t } = useTranslation('orders');
  const shown = lines.slice(0, 2);
  const more = lines.length - shown.length;
  const units = lines.reduce((sum, l) => sum + l.quantity, 0);
  return (
    <span className="orders-items">
      {shown.map((l) => t('table.itemLine', { quantity: l.quantity, title: l.title })).join(', ')}
      {more > 0 && <span className="muted"> {t('table.moreLines', { count: more })}</span>}
      <span className="muted orders-units"> · {t('table.units', { count: units })}</span>
    </span>
  );
}
