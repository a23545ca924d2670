import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap, type Schemas } from '../../api';
import { DataTable } from '../../components/DataTable';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import './stores.css';

type Store = Schemas['StoresReport']['stores'][number];

export const storesTodayQuery = { queryKey: ['analytics', 'stores', 'today'], queryFn: () => unwrap(bos.GET('/v1/analytics/stores', { params: { query: { period: 'today' } } })) };

/** The merchant's physical stores with today's headline figures (each on its own local day); a row opens the store. */
export default function Stores() {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const query = useQuery(storesTodayQuery);
  return (
    <div className="stores-page">
      <PageHeader title={t('title')}>
        <p className="muted">{t('intro')}</p>
      </PageHeader>
      <QueryState query={query} isEmpty={(r) => r.stores.every((s) => s.kind !== 'store')} empty={t('noStores')}>
        {(report) => {
          const rows = report.stores.filter((s) => s.kind === 'store').sort((a, b) => a.name.localeCompare(b.name));
          const sales = (s: Store) => s.current.sales.find((x) => x.currency === report.currency);
          return (
            <DataTable
              caption={t('listCaption')}
              testId="stores-list"
              rows={rows}
              rowKey={(s) => s.location_id}
              columns={[
                {
                  label: t('store'),
                  rowHeader: true,
                  cell: (s: Store) => (
                    <>
                      <Link to={`/stores/${s.location_id}`}>{s.name}</Link>
                      <div className="muted st-small">
                        {s.time_zone} · {f.day(s.today)}
                      </div>
                    </>
                  ),
                },
                { label: t('sales'), num: true, cell: (s: Store) => f.money(s.current.net_minor, report.currency) },
                { label: t('orders'), num: true, cell: (s: Store) => f.number(s.current.orders) },
                { label: t('averageOrder'), num: true, cell: (s: Store) => (sales(s) === undefined ? '—' : f.money(sales(s)!.average_order_minor, report.currency)) },
                { label: t('visits'), num: true, cell: (s: Store) => (s.current.visits === null ? '—' : f.number(s.current.visits)) },
                { label: t('conversion'), num: true, cell: (s: Store) => (s.current.conversion_rate === null ? '—' : `${f.number(Math.round(s.current.conversion_rate * 1000) / 10)}%`) },
              ]}
            />
          );
        }}
      </QueryState>
    </div>
  );
}
