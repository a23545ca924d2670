import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { bos, unwrap } from '../../api';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { QueryState } from '../../components/QueryState';
import { useUrlState } from '../../urlState';
import { parseDay, startOfDay, startOfNextDay } from './dates';
import { FilterBar, parseStatus, type Filters } from './OrdersFilters';
import { OrdersTable } from './OrdersTable';
import { OrdersTabs } from './OrdersTabs';
import { BulkActions } from './BulkActions';
import { useSession } from '../../session';
import type { Schemas } from '../../api';
import './orders.css';

const page_size = 25;

export default function OrdersPage() {
  const { t } = useTranslation('orders');
  const { t: tc } = useTranslation();
  const { params, setParams, goTo } = useUrlState('cursor');
  const filters: Filters = { status: parseStatus(params.get('status')), from: parseDay(params.get('from')), to: parseDay(params.get('to')) };
  const cursor = params.get('cursor') ?? undefined;
  const filtered = filters.status !== undefined || filters.from !== undefined || filters.to !== undefined;
  const { can } = useSession();
  // Orders chosen for a bulk action, kept across pages of the same filters.
  const [selected, setSelected] = useState<ReadonlyMap<string, Schemas['OrderListItem']>>(new Map());
  const filterQuery = {
    status: filters.status,
    created_from: filters.from === undefined ? undefined : startOfDay(filters.from),
    created_to: filters.to === undefined ? undefined : startOfNextDay(filters.to),
  };
  const exportHref = `/v1/orders/export.csv?${new URLSearchParams(Object.entries(filterQuery).filter((e): e is [string, string] => e[1] !== undefined)).toString()}`;

  const query = useQuery({
    queryKey: ['orders', { ...filters, cursor }],
    queryFn: () =>
      unwrap(
        bos.GET('/v1/orders', {
          params: {
            query: {
              ...filterQuery,
              cursor,
              limit: page_size,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

  function apply(next: Filters) {
    setSelected(new Map());
    const out = new URLSearchParams();
    if (next.status !== undefined) out.set('status', next.status);
    if (next.from !== undefined) out.set('from', next.from);
    if (next.to !== undefined) out.set('to', next.to);
    setParams(out);
  }

  return (
    <>
      <PageHeader
        title={t('title')}
        actions={
          <a className="button" href={exportHref} download>
            {t('export')}
          </a>
        }
      >
        <p className="muted">{filters.status === undefined ? t('subtitle') : t('subtitleStatus', { status: tc(`status.${filters.status}`) })}</p>
      </PageHeader>
      <OrdersTabs current={filters.status} onSelect={(status) => apply({ ...filters, status })} />
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
            {can('orders:write') && (
              <BulkActions
                selected={[...selected.values()]}
                onClear={() => setSelected(new Map())}
                onDone={(refused) => setSelected(new Map([...selected].filter(([id]) => refused.includes(id))))}
              />
            )}
            <OrdersTable
              orders={data.data}
              busy={query.isPlaceholderData}
              selection={
                can('orders:write')
                  ? {
                      selected: new Set(selected.keys()),
                      toggle: (ids, on) => {
                        const next = new Map(selected);
                        for (const id of ids) {
                          const order = data.data.find((o) => o.id === id);
                          if (on && order !== undefined) next.set(id, order);
                          else next.delete(id);
                        }
                        setSelected(next);
                      },
                    }
                  : undefined
              }
            />
            <Pager label={t('pagination')} onFirst={cursor === undefined ? undefined : () => goTo(undefined)} onNext={data.next_cursor === null ? undefined : () => goTo(data.next_cursor ?? undefined)} />
          </>
        )}
      </QueryState>
    </>
  );
}
