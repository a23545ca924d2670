import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { BarController, BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, Tooltip } from 'chart.js';
import { Bar } from 'react-chartjs-2';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap, type Schemas } from '../../api';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { StatusBadge } from '../../components/StatusBadge';
import { useFormat } from '../../format';
import { LifecycleCard } from './LifecycleCard';
import { ChannelsCard, StoresCard, type PeriodKind } from './StoresCard';
import './overview.css';

ChartJS.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

type Overview = Schemas['Overview'];
const periods: readonly PeriodKind[] = ['today', '7d', '30d'];
const statusOrder = ['awaiting_payment', 'paid', 'shipped', 'delivered', 'completed', 'refund_requested', 'awaiting_return', 'disputed', 'refunded', 'closed'] as const;

export default function OverviewPage() {
  const { t } = useTranslation('overview');
  // Days are the shop's: the API counts them in the merchant's time zone (Settings → Store).
  const query = useQuery({
    queryKey: ['overview'],
    queryFn: () => unwrap(bos.GET('/v1/analytics/overview')),
  });
  return (
    <>
      <PageHeader title={t('title')}>{query.data !== undefined && <p className="muted">{t('subtitle', { currency: query.data.currency, timeZone: query.data.time_zone })}</p>}</PageHeader>
      <QueryState query={query}>{(o) => <OverviewBody o={o} />}</QueryState>
    </>
  );
}

function OverviewBody({ o }: { o: Overview }) {
  const { t: tt } = useTranslation('overview');
  const t = tt as (k: string, opts?: Record<string, unknown>) => string;
  const [period, setPeriod] = useState<PeriodKind>('today');
  const f = useFormat();
  const money = (minor: number) => f.money(minor, o.currency);
  const totals = [
    { key: 'today', label: t('today'), total: o.sales.today },
    { key: 'last7', label: t('last7'), total: o.sales.last_7_days },
    { key: 'last30', label: t('last30'), total: o.sales.last_30_days },
  ];
  return (
    <>
      <section className="grid grid-3" aria-label={t('title')}>
        {totals.map(({ key, label, total }) => (
          <div className="stat" key={key} data-testid={`sales-${key}`}>
            <div className="label">{label}</div>
            <div className="value">{money(total.net_minor)}</div>
            <div className="sub">
              {t('ordersCount', { count: total.orders })}
              {total.refunded_minor > 0 && ` · ${t('refunded', { amount: money(total.refunded_minor) })}`}
            </div>
          </div>
        ))}
      </section>
      <div className="ov-period" role="group" aria-label={t('periodLabel')}>
        {periods.map((p) => (
          <button key={p} type="button" aria-pressed={p === period} onClick={() => setPeriod(p)}>
            {t(`period.${p}`)}
          </button>
        ))}
      </div>
      <PlacesSection period={period} />
      {o.lifecycle !== null && <LifecycleSection period={period} />}
      <div className="grid grid-2" style={{ marginTop: '1.25rem' }}>
        <SalesChart o={o} />
        <OrdersByStatus o={o} />
        <TopProducts o={o} />
      </div>
      {o.low_stock !== null && <LowStock alerts={o.low_stock} />}
    </>
  );
}

function PlacesSection({ period }: { period: PeriodKind }) {
  const query = useQuery({ queryKey: ['analytics', 'stores', period], queryFn: () => unwrap(bos.GET('/v1/analytics/stores', { params: { query: { period } } })) });
  return (
    <QueryState query={query}>
      {(r) => (
        <div className="grid ov-places">
          <StoresCard report={r} period={period} />
          <ChannelsCard report={r} period={period} />
        </div>
      )}
    </QueryState>
  );
}

function LifecycleSection({ period }: { period: PeriodKind }) {
  const { t: tt } = useTranslation('overview');
  const t = tt as (k: string) => string;
  const query = useQuery({ queryKey: ['analytics', 'lifecycle', period], queryFn: () => unwrap(bos.GET('/v1/analytics/lifecycle', { params: { query: { period } } })) });
  return <QueryState query={query}>{(r) => <LifecycleCard report={r} periodLabel={t(`period.${period}`)} />}</QueryState>;
}

function SalesChart({ o }: { o: Overview }) {
  const { t } = useTranslation('overview');
  const f = useFormat();
  const digits = 10 ** (new Intl.NumberFormat('en', { style: 'currency', currency: o.currency }).resolvedOptions().maximumFractionDigits ?? 2);
  const best = o.sales.daily.reduce((a, b) => (b.gross_minor > a.gross_minor ? b : a), o.sales.daily[0]!);
  const soldDays = o.sales.daily.filter((d) => d.orders > 0);
  // A chart of one bar among 29 empty days says less than the figure itself.
  if (soldDays.length < 2)
    return (
      <Card title={t('salesChart')} headingId="sales-chart">
        {soldDays.length === 0 ? (
          <p className="muted">{t('noSales')}</p>
        ) : (
          <div className="ov-single" data-testid="sales-single-day">
            <div className="value">{f.money(soldDays[0]!.gross_minor - soldDays[0]!.refunded_minor, o.currency)}</div>
            <p className="muted">{t('onlyDay', { day: f.day(soldDays[0]!.day), count: soldDays[0]!.orders })}</p>
          </div>
        )}
      </Card>
    );
  return (
    <Card title={t('salesChart')} headingId="sales-chart">
      <div className="chart-box">
        <Bar
          role="img"
          aria-labelledby="sales-chart"
          aria-describedby="sales-chart-summary"
          data={{
            labels: o.sales.daily.map((d) => f.day(d.day)),
            datasets: [
              { label: t('gross'), data: o.sales.daily.map((d) => d.gross_minor / digits), backgroundColor: '#c2410c' },
              { label: t('refunds'), data: o.sales.daily.map((d) => -d.refunded_minor / digits), backgroundColor: '#94a3b8' },
            ],
          }}
          options={{
            maintainAspectRatio: false,
            animation: false,
            scales: { x: { stacked: true, ticks: { maxTicksLimit: 10 } }, y: { stacked: true } },
            plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${f.money(Math.round(Math.abs(Number(item.raw)) * digits), o.currency)}` } } },
          }}
        />
      </div>
      <p id="sales-chart-summary" className="visually-hidden">
        {t('salesChartSummary', { amount: f.money(o.sales.last_30_days.net_minor, o.currency), day: f.day(best.day), best: f.money(best.gross_minor, o.currency) })}
      </p>
    </Card>
  );
}

function OrdersByStatus({ o }: { o: Overview }) {
  const { t } = useTranslation('overview');
  const f = useFormat();
  return (
    <Card title={t('ordersByStatus')}>
      <table>
        <tbody>
          {statusOrder.map((status) => (
            <tr key={status}>
              <td>
                <Link to={`/orders?status=${status}`} aria-label={`${t('viewOrders')}: ${status}`}>
                  <StatusBadge status={status} />
                </Link>
              </td>
              <td className="num" data-testid={`status-count-${status}`}>
                {f.number(o.orders_by_status[status] ?? 0)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function TopProducts({ o }: { o: Overview }) {
  const { t } = useTranslation('overview');
  const f = useFormat();
  return (
    <Card title={t('topProducts')}>
      {o.top_products.length === 0 ? (
        <p className="muted">{t('noSales')}</p>
      ) : (
        <DataTable
          bare
          rows={o.top_products}
          rowKey={(p) => p.product_id}
          columns={[
            { label: t('product'), cell: (p) => <Link to={`/catalog/${p.product_id}`}>{p.title}</Link> },
            { label: t('units'), num: true, cell: (p) => f.number(p.units) },
            { label: t('revenue'), num: true, cell: (p) => f.money(p.revenue_minor, o.currency) },
          ]}
        />
      )}
    </Card>
  );
}

function LowStock({ alerts }: { alerts: Overview['low_stock'] & object }) {
  const { t } = useTranslation('overview');
  const f = useFormat();
  return (
    <Card title={t('lowStock')}>
      {alerts.length === 0 ? (
        <p className="muted">{t('noLowStock')}</p>
      ) : (
        <DataTable
          bare
          rows={alerts}
          rowKey={(a) => `${a.variant_id}|${a.location_id}`}
          columns={[
            {
              label: t('product'),
              cell: (a) => (
                <>
                  <Link to={`/stock?variant_id=${a.variant_id}`}>{a.title ?? a.sku ?? a.variant_id}</Link> <span className="muted mono">{a.sku}</span>
                </>
              ),
            },
            { label: t('location'), cell: (a) => a.location_name ?? a.location_id },
            { label: t('available'), num: true, cell: (a) => f.number(a.available) },
            { label: t('threshold'), num: true, cell: (a) => f.number(a.low_stock_threshold) },
          ]}
        />
      )}
    </Card>
  );
}
