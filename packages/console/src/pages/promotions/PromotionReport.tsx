import { useQuery } from '@tanstack/react-query';
import { BarController, BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, Tooltip } from 'chart.js';
import { useTranslation } from 'react-i18next';
import { Bar } from 'react-chartjs-2';
import { Link, useParams } from 'react-router';
import { bos, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { DateField } from '../../components/DateField';
import { isForbidden, NotAllowed } from '../../components/NotAllowed';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { useUrlState } from '../../urlState';
import { promotionQuery, type Promotion, type Report } from './api';
import { UsageBar } from './Promotions';
import { effectSummary } from './summary';
import './promotions.css';

ChartJS.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

/** One promotion's report: live usage, redemptions per day, the orders behind them, and which wallet source redeems best. */
export default function PromotionReport() {
  const { t } = useTranslation('promotions');
  const { promotionId = '' } = useParams();
  const { can } = useSession();
  const { params, update } = useUrlState('cursor');
  const from = params.get('from') ?? undefined;
  const to = params.get('to') ?? undefined;
  // Usage is live: read it afresh on every visit, not from the editor's copy.
  const promotion = useQuery({ ...promotionQuery(promotionId), enabled: can('promotions:read'), refetchOnMount: 'always' });
  const report = useQuery({
    queryKey: ['promotions', promotionId, 'report', from, to],
    queryFn: () => unwrap(bos.GET('/v1/promotions/{promotion_id}/report', { params: { path: { promotion_id: promotionId }, query: { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) } } })),
    enabled: can('promotions:read'),
  });
  if (!can('promotions:read') || isForbidden(report.error)) return <NotAllowed />;
  return (
    <>
      <PageHeader
        title={t('reportPage.title', { name: promotion.data?.name ?? promotionId })}
        actions={
          <Link className="button" to={`/promotions/${promotionId}`}>
            {t('reportPage.edit')}
          </Link>
        }
      >
        <Link to="/promotions">{t('reportPage.back')}</Link>
      </PageHeader>
      {promotion.data !== undefined && <Usage p={promotion.data} />}
      <QueryState query={report}>
        {(r) => (
          <>
            <div className="toolbar">
              <DateField label={t('reportPage.from')} name="from" value={r.from} max={r.to} onChange={(day) => update({ from: day })} />
              <DateField label={t('reportPage.to')} name="to" value={r.to} min={r.from} onChange={(day) => update({ to: day })} />
            </div>
            <Figures r={r} />
            <DailyChart r={r} />
            <Sources r={r} />
          </>
        )}
      </QueryState>
    </>
  );
}

function Usage({ p }: { p: Promotion }) {
  const { t } = useTranslation('promotions');
  const f = useFormat();
  return (
    <Card title={`${effectSummary(p.effect, p.currency, t, f.money)} · ${t(`statusOf.${p.status}`)}`}>
      <UsageBar label={p.max_redemptions === null ? t('redemptionsCount', { count: p.usage.redemptions, used: f.number(p.usage.redemptions) }) : t('redemptionsOf', { used: f.number(p.usage.redemptions), max: f.number(p.max_redemptions) })} used={p.usage.redemptions} max={p.max_redemptions} />
      <UsageBar label={p.budget_minor === null ? t('spent', { spent: f.money(p.usage.spent_minor, p.currency) }) : t('spentOf', { spent: f.money(p.usage.spent_minor, p.currency), budget: f.money(p.budget_minor, p.currency) })} used={p.usage.spent_minor} max={p.budget_minor} />
    </Card>
  );
}

function Figures({ r }: { r: Report }) {
  const { t } = useTranslation('promotions');
  const f = useFormat();
  const money = (minor: number) => f.money(minor, r.currency);
  return (
    <div className="grid grid-3" style={{ marginBottom: '1.25rem' }}>
      <div className="stat" data-testid="report-redemptions">
        <div className="label">{t('reportPage.redemptions')}</div>
        <div className="value">{f.number(r.redemptions.total)}</div>
        <div className="sub">{t('reportPage.held', { count: r.redemptions.held, released: r.redemptions.released })}</div>
        <div className="sub">{t('reportPage.via', { code: r.redemptions.by_code, wallet: r.redemptions.by_wallet, automatic: r.redemptions.automatic })}</div>
      </div>
      <div className="stat" data-testid="report-discount">
        <div className="label">{t('reportPage.discount')}</div>
        <div className="value">{money(r.redemptions.discount_minor)}</div>
        <div className="sub">{t('reportPage.netOfReleased', { amount: money(r.redemptions.net_discount_minor) })}</div>
      </div>
      <div className="stat" data-testid="report-orders">
        <div className="label">{t('reportPage.orders')}</div>
        <div className="value">{f.number(r.orders.orders)}</div>
        <div className="sub">{t('reportPage.closedOrders', { count: r.orders.closed })}</div>
      </div>
      <div className="stat" data-testid="report-revenue">
        <div className="label">{t('reportPage.revenue')}</div>
        <div className="value">{money(r.orders.revenue_minor)}</div>
        <div className="sub">{t('reportPage.keptRevenue', { amount: money(r.orders.kept_revenue_minor) })}</div>
      </div>
    </div>
  );
}

function DailyChart({ r }: { r: Report }) {
  const { t } = useTranslation('promotions');
  const f = useFormat();
  return (
    <Card title={t('reportPage.chart')} headingId="promo-daily-chart">
      {r.redemptions.total === 0 ? (
        <p className="muted">{t('reportPage.noRedemptions')}</p>
      ) : (
        <>
          <div className="chart-box">
            <Bar
              role="img"
              aria-labelledby="promo-daily-chart"
              aria-describedby="promo-daily-summary"
              data={{
                labels: r.daily.map((d) => f.day(d.day)),
                datasets: [
                  { label: t('reportPage.redeemedSeries'), data: r.daily.map((d) => d.redemptions - d.released), backgroundColor: '#c2410c' },
                  { label: t('reportPage.releasedSeries'), data: r.daily.map((d) => d.released), backgroundColor: '#94a3b8' },
                ],
              }}
              options={{ maintainAspectRatio: false, animation: false, scales: { x: { stacked: true, ticks: { maxTicksLimit: 10 } }, y: { stacked: true, ticks: { precision: 0 } } } }}
            />
          </div>
          <p id="promo-daily-summary" className="visually-hidden">
            {t('reportPage.chartSummary', { count: r.redemptions.total, from: f.day(r.from), to: f.day(r.to), discount: f.money(r.redemptions.discount_minor, r.currency) })}
          </p>
        </>
      )}
    </Card>
  );
}

function Sources({ r }: { r: Report }) {
  const { t } = useTranslation('promotions');
  const f = useFormat();
  const percent = (rate: number | null) => (rate === null ? '—' : new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 }).format(rate));
  return (
    <Card title={t('reportPage.sources')} className="promo-sources">
      <DataTable
        caption={t('reportPage.sourcesCaption')}
        rows={r.wallet}
        rowKey={(s) => s.source}
        columns={[
          { label: t('reportPage.source'), rowHeader: true, cell: (s) => t(`reportPage.sourceOf.${s.source}`) },
          { label: t('reportPage.issued'), num: true, cell: (s) => f.number(s.issued) },
          { label: t('reportPage.available'), num: true, cell: (s) => f.number(s.available) },
          { label: t('reportPage.redeemed'), num: true, cell: (s) => f.number(s.redeemed) },
          { label: t('reportPage.expired'), num: true, cell: (s) => f.number(s.expired) },
          { label: t('reportPage.rate'), num: true, cell: (s) => <span className="rate">{percent(s.redemption_rate)}</span> },
        ]}
      />
    </Card>
  );
}
