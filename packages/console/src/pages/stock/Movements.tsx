import { useInfiniteQuery, type UseQueryResult } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap } from '../../api';
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
    queryFn: ({ pageParam }) => unwrap(bos.GET('/v1/stock/movements', { params: { query: { variant_id, location_id, limit: pageSize, ...(pageParam === '' ? {} : { before: pageParam }) } } })),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_before ?? undefined,
  });
  const rows = (query.data?.pages ?? []).flatMap((p) => p.data);
  // QueryState wants a plain query; the pages are flattened into one list for it.
  const flat = { ...query, data: rows } as unknown as UseQueryResult<StockMovement[]>;
  const signed = (n: number) => (n === 0 ? '0' : `${n > 0 ? '+' : '−'}${f.number(Math.abs(n))}`);
  return (
    <QueryState query={flat} isEmpty={(list) => list.length === 0} empty={t('noMovements')}>
      {(list) => (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{caption}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('when')}</th>
                  <th scope="col">{t('movementReason')}</th>
                  <th scope="col" className="num">
                    {t('onHandChange')}
                  </th>
                  <th scope="col" className="num">
                    {t('reservedChange')}
                  </th>
                  <th scope="col">{t('referenceNote')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((m) => (
                  <tr key={m.id}>
                    <td className="stock-nowrap">{f.dateTime(m.created_at)}</td>
                    <td>
                      <span className={`badge movement-${m.reason}`}>{knownReasons.has(m.reason) ? t(`movement.${m.reason}`) : m.reason}</span>
                    </td>
                    <td className={`num stock-delta${m.on_hand_delta > 0 ? ' stock-delta-up' : m.on_hand_delta < 0 ? ' stock-delta-down' : ''}`}>{signed(m.on_hand_delta)}</td>
                    <td className="num">{m.reserved_delta === 0 ? <span className="muted">0</span> : signed(m.reserved_delta)}</td>
                    <td>
                      {m.reference !== null && <Reference reference={m.reference} />}
                      {m.note !== null && <div>{m.note}</div>}
                      {m.reference === null && m.note === null && <span className="muted">—</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {query.hasNextPage && (
            <div className="pager">
              <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
                {query.isFetchingNextPage ? t('loadingOlder') : t('olderMovements')}
              </button>
            </div>
          )}
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
