import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap, type Schemas } from '../../api';
import { DataTable } from '../../components/DataTable';
import { SelectField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useUrlState } from '../../urlState';
import { ShipmentsNav } from './ShipmentsNav';
import './shipments.css';

type Shipment = Schemas['Shipment'];
type Status = Shipment['status'];

const page_size = 25;
export const shipmentStatuses: readonly Status[] = ['label_created', 'picked_up', 'in_transit', 'out_for_delivery', 'delivered', 'failed', 'returned', 'lost', 'cancelled'];

interface Filters {
  status: Status | undefined;
  carrier: string | undefined;
  overdue: boolean;
}

/**
 * Every parcel this seller shipped by carrier (GET /v1/shipments), newest first, filtered by status,
 * carrier or overdue, a page at a time; each links to its order. The filters and the page live
 * in the address, so back, forward and links work.
 */
export default function ShipmentsPage() {
  const { t } = useTranslation('shipments');
  const { t: tc } = useTranslation();
  const { params, setParams, goTo } = useUrlState('cursor');
  const filters: Filters = {
    status: shipmentStatuses.find((s) => s === params.get('status')),
    carrier: params.get('carrier') ?? undefined,
    overdue: params.get('overdue') === 'true',
  };
  const cursor = params.get('cursor') ?? undefined;
  const filtered = filters.status !== undefined || filters.carrier !== undefined || filters.overdue;
  const query = useQuery({
    queryKey: ['shipments', { ...filters, cursor }],
    queryFn: () => unwrap(bos.GET('/v1/shipments', { params: { query: { status: filters.status, carrier: filters.carrier, overdue: filters.overdue ? 'true' : undefined, cursor, limit: page_size } } })),
    placeholderData: keepPreviousData,
  });

  function apply(next: Filters) {
    const out = new URLSearchParams();
    if (next.status !== undefined) out.set('status', next.status);
    if (next.carrier !== undefined) out.set('carrier', next.carrier);
    if (next.overdue) out.set('overdue', 'true');
    setParams(out);
  }

  return (
    <>
      <PageHeader title={t('title')}>
        <p className="muted">{t('subtitle')}</p>
      </PageHeader>
      <ShipmentsNav />
      <ShipmentFilters key={`${filters.status ?? ''}|${filters.carrier ?? ''}|${String(filters.overdue)}`} filters={filters} filtered={filtered} onApply={apply} />
      <QueryState
        query={query}
        isEmpty={(data) => data.data.length === 0}
        empty={
          filtered ? (
            <>
              {t('emptyFiltered')}{' '}
              <button type="button" onClick={() => apply({ status: undefined, carrier: undefined, overdue: false })}>
                {t('filters.clear')}
              </button>
            </>
          ) : cursor !== undefined ? (
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
            <ShipmentsTable shipments={data.data} busy={query.isPlaceholderData} />
            <Pager label={t('pagination')} onFirst={cursor === undefined ? undefined : () => goTo(undefined)} onNext={data.next_cursor === null ? undefined : () => goTo(data.next_cursor ?? undefined)} />
          </>
        )}
      </QueryState>
    </>
  );
}

/** The carriers to filter by: those with shipments in the last year (the simulated network's, or a real one's). */
function useCarriers(): string[] {
  const query = useQuery({
    queryKey: ['logistics', 'carriers'],
    queryFn: () => unwrap(bos.GET('/v1/logistics/performance', { params: { query: { from: new Date(Date.now() - 365 * 86_400_000).toISOString() } } })),
    staleTime: 300_000,
  });
  return (query.data?.carriers ?? []).map((c) => c.carrier).sort();
}

function ShipmentFilters({ filters, filtered, onApply }: { filters: Filters; filtered: boolean; onApply: (f: Filters) => void }) {
  const { t } = useTranslation('shipments');
  const carriers = useCarriers();
  const [status, setStatus] = useState<string>(filters.status ?? '');
  const [carrier, setCarrier] = useState(filters.carrier ?? '');
  const [overdue, setOverdue] = useState(filters.overdue);
  const known = filters.carrier === undefined || carriers.includes(filters.carrier) ? carriers : [...carriers, filters.carrier];

  function submit(event: FormEvent) {
    event.preventDefault();
    onApply({ status: shipmentStatuses.find((s) => s === status), carrier: carrier === '' ? undefined : carrier, overdue });
  }

  return (
    <form className="toolbar shipments-filters" role="search" aria-label={t('filters.label')} onSubmit={submit} noValidate>
      <SelectField label={t('filters.status')} name="status" value={status} onChange={(e) => setStatus(e.target.value)}>
        <option value="">{t('filters.any')}</option>
        {shipmentStatuses.map((s) => (
          <option key={s} value={s}>
            {t(`statusName.${s}`)}
          </option>
        ))}
      </SelectField>
      <SelectField label={t('filters.carrier')} name="carrier" value={carrier} onChange={(e) => setCarrier(e.target.value)}>
        <option value="">{t('filters.any')}</option>
        {known.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </SelectField>
      <label className="checkbox shipments-overdue">
        <input type="checkbox" name="overdue" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} /> {t('filters.overdue')}
      </label>
      <button type="submit" className="primary">
        {t('filters.apply')}
      </button>
      {filtered && (
        <button type="button" onClick={() => onApply({ status: undefined, carrier: undefined, overdue: false })}>
          {t('filters.clear')}
        </button>
      )}
    </form>
  );
}

function ShipmentsTable({ shipments, busy }: { shipments: Shipment[]; busy: boolean }) {
  const { t } = useTranslation('shipments');
  const f = useFormat();
  return (
    <DataTable
      caption={t('caption')}
      rows={shipments}
      rowKey={(s) => s.id}
      busy={busy}
      stale={busy}
      testId="shipments-table"
      columns={[
        {
          label: t('columns.order'),
          rowHeader: true,
          cell: (s) => (
            <Link to={`/orders/${s.order_id}`} className="mono shipments-id">
              {s.order_id}
            </Link>
          ),
        },
        {
          label: t('columns.carrier'),
          cell: (s) => (
            <>
              {s.carrier}
              <br />
              <span className="mono shipments-id muted" title={t('columns.tracking')}>
                {s.tracking_number ?? '—'}
              </span>
            </>
          ),
        },
        { label: t('columns.lane'), className: 'shipments-nowrap', cell: (s) => `${s.origin_region} → ${s.destination_region}` },
        {
          label: t('columns.status'),
          cell: (s) => (
            <>
              <span className={`badge badge-${s.status}`}>{t(`statusName.${s.status}`)}</span>
              {s.overdue && (
                <>
                  {' '}
                  <span className="badge badge-overdue">{t('overdue')}</span>
                </>
              )}
              {s.delivered_at !== null && (
                <>
                  <br />
                  <time className="muted shipments-id" dateTime={s.delivered_at} title={t('columns.deliveredAt')}>
                    {f.dateTime(s.delivered_at)}
                  </time>
                </>
              )}
            </>
          ),
        },
        {
          label: t('columns.recipient'),
          className: 'shipments-recipient',
          cell: (s) =>
            s.recipient === null ? (
              <span className="muted">—</span>
            ) : s.recipient.erased ? (
              <span className="muted">{t('erased')}</span>
            ) : (
              <>
                {s.recipient.name}
                {s.recipient.address.city !== null && <span className="muted"> · {s.recipient.address.city}</span>}
              </>
            ),
        },
        { label: t('columns.promisedBy'), className: 'shipments-date', cell: (s) => <time dateTime={s.promised_by}>{f.dateTime(s.promised_by)}</time> },
        { label: t('columns.price'), num: true, cell: (s) => f.money(s.price_minor, s.currency) },
      ]}
    />
  );
}
