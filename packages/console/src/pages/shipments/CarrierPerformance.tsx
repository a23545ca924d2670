import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { BarController, BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, Tooltip } from 'chart.js';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar } from 'react-chartjs-2';
import { bos, unwrap, type Schemas } from '../../api';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { SelectField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useUrlState } from '../../urlState';
import { ShipmentsNav } from './ShipmentsNav';
import './shipments.css';

ChartJS.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

type Performance = Schemas['CarrierPerformance'];
type LaneFigures = Performance['data'][number];

const windows = ['7', '30', '90'] as const;
type Window = (typeof windows)[number];
/** Lanes in the lane chart: the busiest; the table below lists them all. */
const lanes_charted_max = 12;
const colours = { onTime: '#1a7f37', late: '#bf8700', overdue: '#cf222e', inFlight: '#94a3b8', bar: '#c2410c' };

/**
 * Carrier performance from real tracking (GET /v1/logistics/performance): on-time rate, cost per
 * parcel and volume per carrier, parcels per lane, and the figures per carrier and lane, for the
 * shipments created in the last 7, 30 or 90 days. Charts use the console's chart library
 * (chart.js, as the overview); each has a sentence for screen readers with the same figures.
 */
export default function CarrierPerformancePage() {
  const { t } = useTranslation('shipments');
  const { params, update } = useUrlState('cursor');
  const window: Window = windows.find((w) => w === params.get('days')) ?? '30';
  const query = useQuery({
    queryKey: ['logistics', 'performance', window],
    // The window ends now, rounded to the minute so that the query key stays one while the page is open.
    queryFn: () => {
      const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 60_000);
      const from = new Date(to.getTime() - Number(window) * 86_400_000);
      return unwrap(bos.GET('/v1/logistics/performance', { params: { query: { from: from.toISOString(), to: to.toISOString() } } }));
    },
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
  return (
    <>
      <PageHeader title={t('performance.title')}>
        <p className="muted">{t('performance.subtitle')}</p>
      </PageHeader>
      <ShipmentsNav />
      <div className="toolbar performance-window">
        <SelectField label={t('performance.window')} name="days" value={window} onChange={(e) => update({ days: e.target.value === '30' ? undefined : e.target.value })}>
          {windows.map((w) => (
            <option key={w} value={w}>
              {t(`performance.days.${w}`)}
            </option>
          ))}
        </SelectField>
      </div>
      <QueryState query={query} isEmpty={(p) => p.data.length === 0} empty={t('performance.empty')}>
        {(p) => <PerformanceView performance={p} />}
      </QueryState>
    </>
  );
}

function PerformanceView({ performance: p }: { performance: Performance }) {
  const { t, i18n } = useTranslation('shipments');
  const f = useFormat();
  const percent = new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 0 });
  const currencyOf = (carrier: string) => p.data.find((l) => l.carrier === carrier)?.currency ?? 'CNY';
  const carriers = [...p.carriers].sort((a, b) => b.parcels - a.parcels);
  const byCarrier = (pick: (l: LaneFigures) => number) => carriers.map((c) => p.data.filter((l) => l.carrier === c.carrier).reduce((a, l) => a + pick(l), 0));
  const busiest = [...p.data].sort((a, b) => b.parcels - a.parcels).slice(0, lanes_charted_max);
  const laneName = (l: LaneFigures) => `${l.carrier} ${l.lane.slice(l.lane.indexOf(':') + 1).replace('>', ' → ')}`;
  const list = (items: string[]) => items.join(i18n.language.startsWith('zh') ? '；' : '; ');
  const digits = (currency: string) => 10 ** (new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2);

  return (
    <>
      <div className="performance-charts">
        <ChartCard
          title={t('performance.onTimeChart')}
          testId="chart-on-time"
          summary={t('performance.onTimeSummary', { list: list(carriers.map((c) => `${c.carrier} ${c.on_time_rate === null ? t('performance.undecided') : percent.format(c.on_time_rate)}`)) })}
          data={{ labels: carriers.map((c) => c.carrier), datasets: [{ label: t('performance.onTime'), data: carriers.map((c) => (c.on_time_rate === null ? 0 : c.on_time_rate * 100)), backgroundColor: colours.onTime }] }}
          options={{ scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${String(v)}%` } } }, plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => percent.format(Number(item.raw) / 100) } } } }}
        />
        <ChartCard
          title={t('performance.costChart')}
          testId="chart-cost"
          summary={t('performance.costSummary', { list: list(carriers.map((c) => `${c.carrier} ${f.money(c.cost_per_parcel_minor, currencyOf(c.carrier))}`)) })}
          data={{ labels: carriers.map((c) => c.carrier), datasets: [{ label: t('performance.columns.costPerParcel'), data: carriers.map((c) => c.cost_per_parcel_minor / digits(currencyOf(c.carrier))), backgroundColor: colours.bar }] }}
          options={{ plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => f.money(carriers[item.dataIndex]!.cost_per_parcel_minor, currencyOf(carriers[item.dataIndex]!.carrier)) } } } }}
        />
        <ChartCard
          title={t('performance.volumeChart')}
          testId="chart-volume"
          summary={t('performance.volumeSummary', { list: list(carriers.map((c) => `${c.carrier} ${f.number(c.parcels)}`)) })}
          data={{
            labels: carriers.map((c) => c.carrier),
            datasets: [
              { label: t('performance.onTime'), data: byCarrier((l) => l.on_time), backgroundColor: colours.onTime },
              { label: t('performance.late'), data: byCarrier((l) => l.late), backgroundColor: colours.late },
              { label: t('performance.overdue'), data: byCarrier((l) => l.overdue), backgroundColor: colours.overdue },
              { label: t('performance.inFlight'), data: byCarrier((l) => l.in_flight), backgroundColor: colours.inFlight },
            ],
          }}
          options={{ scales: { x: { stacked: true }, y: { stacked: true, ticks: { precision: 0 } } } }}
        />
        <ChartCard
          title={t('performance.laneChart', { count: busiest.length })}
          testId="chart-lanes"
          summary={t('performance.laneSummary', { list: list(busiest.map((l) => `${laneName(l)} ${f.number(l.parcels)}`)) })}
          data={{
            labels: busiest.map(laneName),
            datasets: [
              { label: t('performance.onTime'), data: busiest.map((l) => l.on_time), backgroundColor: colours.onTime },
              { label: t('performance.late'), data: busiest.map((l) => l.late), backgroundColor: colours.late },
              { label: t('performance.overdue'), data: busiest.map((l) => l.overdue), backgroundColor: colours.overdue },
              { label: t('performance.inFlight'), data: busiest.map((l) => l.in_flight), backgroundColor: colours.inFlight },
            ],
          }}
          options={{ indexAxis: 'y', scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true } } }}
        />
      </div>
      <DataTable
        caption={t('performance.lanesCaption')}
        captionVisible
        testId="performance-lanes"
        rows={p.data}
        rowKey={(l) => `${l.lane}|${l.currency}`}
        columns={[
          { label: t('performance.columns.carrier'), cell: (l) => l.carrier },
          { label: t('performance.columns.lane'), rowHeader: true, cell: (l) => laneName(l) },
          { label: t('performance.columns.parcels'), num: true, cell: (l) => f.number(l.parcels) },
          { label: t('performance.columns.delivered'), num: true, cell: (l) => f.number(l.delivered) },
          { label: t('performance.columns.onTime'), num: true, cell: (l) => f.number(l.on_time) },
          { label: t('performance.columns.late'), num: true, cell: (l) => f.number(l.late) },
          { label: t('performance.columns.overdue'), num: true, cell: (l) => f.number(l.overdue) },
          { label: t('performance.columns.lost'), num: true, cell: (l) => f.number(l.lost) },
          { label: t('performance.columns.onTimeRate'), num: true, cell: (l) => (l.on_time_rate === null ? '—' : percent.format(l.on_time_rate)) },
          { label: t('performance.columns.costPerParcel'), num: true, cell: (l) => f.money(l.cost_per_parcel_minor, l.currency) },
          { label: t('performance.columns.medianTransit'), num: true, cell: (l) => (l.median_transit_h === null ? '—' : t('performance.hours', { hours: l.median_transit_h.toFixed(1) })) },
        ]}
      />
      <p className="muted">{t('performance.note')}</p>
    </>
  );
}

function ChartCard({ title, summary, testId, data, options }: { title: string; summary: string; testId: string; data: Parameters<typeof Bar>[0]['data']; options: Parameters<typeof Bar>[0]['options'] }) {
  const headingId = useId();
  const summaryId = useId();
  return (
    <Card title={title} headingId={headingId}>
      <div className="chart-box" data-testid={testId}>
        <Bar role="img" aria-labelledby={headingId} aria-describedby={summaryId} data={data} options={{ maintainAspectRatio: false, animation: false, ...options }} />
      </div>
      <p id={summaryId} className="visually-hidden">
        {summary}
      </p>
    </Card>
  );
}
