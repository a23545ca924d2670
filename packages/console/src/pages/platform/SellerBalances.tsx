import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap, type Schemas } from '../../api';
import { DataTable } from '../../components/DataTable';
import { LoadMore } from '../../components/LoadMore';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';

type SellerBalance = Schemas['SellerBalance'];
const page_size = 50;

/** The totals per currency from the ledger's seller accounts, then every seller's balance, page by page. */
export function SellerBalancesSection() {
  const { t } = useTranslation('platform');
  const f = useFormat();
  const headingId = useId();
  const totals = useQuery({ queryKey: ['platform-balance-totals'], queryFn: () => unwrap(bos.GET('/v1/platform/balance-totals')) });
  const sellers = useInfiniteQuery({
    queryKey: ['platform-balances'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => unwrap(bos.GET('/v1/platform/balances', { params: { query: { limit: page_size, ...(pageParam === undefined ? {} : { cursor: pageParam }) } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = sellers.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section className="platform-section" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('balances.title')}</h2>
      <QueryState query={totals} isEmpty={(d) => d.data.length === 0} empty={t('balances.empty')}>
        {(d) => (
          <div className="grid grid-3 platform-totals">
            {d.data.map((total) => (
              <div key={total.currency} className="stat" data-testid={`platform-total-${total.currency}`}>
                <div className="label">{t('balances.totalIn', { currency: total.currency, count: total.sellers })}</div>
                <div className="value">{f.money(total.available_minor, total.currency)}</div>
                <div className="sub">{t('balances.totalsLine', { held: f.money(total.held_minor, total.currency), paidOut: f.money(total.paid_out_minor, total.currency) })}</div>
              </div>
            ))}
          </div>
        )}
      </QueryState>
      <QueryState query={sellers} isEmpty={() => rows.length === 0} empty={t('balances.empty')}>
        {() => (
          <>
            <DataTable<SellerBalance>
              caption={t('balances.caption')}
              rows={rows}
              rowKey={(r) => `${r.seller.id}|${r.currency}`}
              rowProps={(r) => ({ 'data-seller': r.seller.handle })}
              testId="platform-balances"
              columns={[
                { label: t('balances.seller'), rowHeader: true, cell: (r) => <><strong>{r.seller.name}</strong> <span className="muted mono">{r.seller.handle}</span></> },
                { label: t('balances.currency'), cell: (r) => r.currency },
                { label: t('balances.available'), num: true, cell: (r) => f.money(r.available_minor, r.currency) },
                { label: t('balances.held'), num: true, cell: (r) => f.money(r.held_minor, r.currency) },
                { label: t('balances.paidOut'), num: true, cell: (r) => f.money(r.paid_out_minor, r.currency) },
              ]}
            />
            <LoadMore more={sellers.hasNextPage} loading={sellers.isFetchingNextPage} label={t('balances.more')} loadingLabel={t('loadingMore')} onMore={() => void sellers.fetchNextPage()} />
          </>
        )}
      </QueryState>
    </section>
  );
}
