import { useInfiniteQuery, type UseQueryResult } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap } from '../../api';
import { DataTable } from '../../components/DataTable';
import { LoadMore } from '../../components/LoadMore';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import type { StockMovement } from './api';

const pageSize = 20;
const knownReasons = new Set(['receipt', 'adjustment', 'transfer_out', 'transfer_in', 'reservation', 'release', 'sale']);

/** The stock journal of one variant at one location, newest first, with older pages on demand. */
export function Movements({ variant_id, location_id, caption }: { variant_id: string; location_id: string; caption: string }) {
  const { t } = useTranslation('stock');
  const f = useFormat();
  const query = useInfiniteQuery({
    queryKey: ['stock', 'movements', variant_id, location_id],
    queryFn: ({ pageParam }) => unwrap(bos.GET('/v1/stock/movements', { params: { query: { variant_id, location_id, limit: pageSize, ...(pageParam === '' ? {} : { cursor: pageParam }) } } })),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = (query.data?.pages ?? []).flatMap((p) => p.data);
  // QueryState wants a plain query; the pages are flattened into one list for it.
  const flat = { ...query, data: rows } as unknown as UseQueryResult<StockMovement[]>;
  const signed = (n: number) => (n === 0 ? '0' : `${n > 0 ? '+' : '−'}${f.number(Math.abs(n))}`);
  return (
    <QueryState query={flat} isEmpty={(list) => list.length === 0} empty={t('noMovements')}>
      {(list) => (
        <>
          <DataTable
            caption={caption}
            rows={list}
            rowKey={(m) => m.id}
            columns={[
              { label: t('when'), className: 'stock-nowrap', cell: (m) => f.dateTime(m.created_at) },
              { label: t('movementReason'), cell: (m) => <span className={`badge movement-${m.reason}`}>{knownReasons.has(m.reason) ? t(`movement.${m.reason}`) : m.reason}</span> },
              { label: t('onHandChange'), num: true, cell: (m) => <span className={`stock-delta${m.on_hand_delta > 0 ? ' stock-delta-up' : m.on_hand_delta < 0 ? ' stock-delta-down' : ''}`}>{signed(m.on_hand_delta)}</span> },
              { label: t('reservedChange'), num: true, cell: (m) => (m.reserved_delta === 0 ? <span className="muted">0</span> : signed(m.reserved_delta)) },
              {
                label: t('referenceNote'),
                cell: (m) => (
                  <>
                    {m.reference !== null && <Reference reference={m.reference} />}
                    {m.note !== null && <div>{m.note}</div>}
                    {m.reference === null && m.note === null && <span className="muted">—</span>}
                  </>
                ),
              },
            ]}
          />
          <LoadMore more={query.hasNextPage} loading={query.isFetchingNextPage} label={t('olderMovements')} loadingLabel={t('loadingOlder')} onMore={() => void query.fetchNextPage()} />
        </>
      )}
    </QueryState>
  );
}

function Reference({ reference }: { reference: string }) {
  const { t } = useTranslation('stock');
  if (reference.startsWith('ord_')) {
    return (
      <div>
        <Link to={`/orders/${encodeURIComponent(reference)}`}>{t('orderReference', { id: reference })}</Link>
      </div>
    );
  }
  return (
    <div className="mono muted" title={t('reference')}>
      {reference}
    </div>
  );
}
