import { useQuery } from '@tanstack/react-query';
import { BarController, BarElement, CategoryScale, Chart as ChartJS, Legend, LinearScale, Tooltip } from 'chart.js';
import { useState } from 'react';
import { Bar } from 'react-chartjs-2';
import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { SelectField } from '../../components/Field';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { fetchDaily, recsKeys, type DailyReport } from './api';

ChartJS.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

const periods = [7, 30, 90] as const;
const refresh_ms = 30_000;
const colours = { recommendation: '#c2410c', search: '#94a3b8' } as const;

/** `days` calendar days ending today in the merchant's time zone (the browser's when unknown), as the API's `from` and `to`. */
export function lastDays(days: number, timeZone: string | undefined, now = new Date()): { from: string; to: string } {
  const to = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', ...(timeZone === undefined ? {} : { timeZone }) }).format(now);
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}

interface Day {
  day: string;
  recClicks: number;
  searchClicks: number;
  recSales: number;
  searchSales: number;
}

/** One row per day of the period (the API answers every day; a missing one counts as zeros). */
export function byDay(report: DailyReport): Day[] {
  const days: Day[] = [];
  for (let d = new Date(`${report.from}T00:00:00Z`); d.toISOString().slice(0, 10) <= report.to; d = new Date(d.getTime() + 86_400_000)) {
    days.push({ day: d.toISOString().slice(0, 10), recClicks: 0, searchClicks: 0, recSales: 0, searchSales: 0 });
  }
  const index = new Map(days.map((d) => [d.day, d]));
  for (const row of report.data) {
    const day = index.get(row.day.slice(0, 10));
    if (day === undefined) continue;
    day.recClicks = row.recommendation.clicks;
    day.recSales = row.recommendation.sales_minor;
    day.searchClicks = row.search.clicks;
    day.searchSales = row.search.sales_minor;
  }
  return days;
}

/** Per day, traffic and sales brought by recommendations against those brought by search: the headline figure. */
export function TrafficTab() {
  const { t } = useTranslation('recs');
  const [days, setDays] = useState<number>(30);
  const timeZone = useSession().session?.merchant.time_zone;
  const { from, to } = lastDays(days, timeZone);
  const query = useQuery({ queryKey: recsKeys.daily(from, to), queryFn: () => fetchDaily(from, to), refetchInterval: refresh_ms });
  return (
    <>
      <div className="recs-toolbar">
        <SelectField label={t('traffic.period')} value={String(days)} onChange={(e) => setDays(Number(e.target.value))} fieldClassName="field recs-inline">
          {periods.map((d) => (
            <option key={d} value={d}>
              {t('traffic.days', { count: d })}
            </option>
          ))}
        </SelectField>
      </div>
      <QueryState query={query}>{(report) => <Traffic report={report} />}</QueryState>
    </>
  );
}

function Traffic({ report }: { report: DailyReport }) {
  const { t } = useTranslation('recs');
  const f = useFormat();
  const days = byDay(report);
  const totals = { recClicks: report.totals.recommendation.clicks, searchClicks: report.totals.search.clicks, recSales: report.totals.recommendation.sales_minor, searchSales: report.totals.search.sales_minor };
  const labels = days.map((d) => f.day(d.day));
  const unit = 10 ** (new Intl.NumberFormat('en', { style: 'currency', currency: report.currency }).resolvedOptions().maximumFractionDigits ?? 2);
  const chart = (id: string, title: string, rec: number[], search: number[], money: boolean) => (
    <Card title={title} headingId={id} className="recs-wide">
      <div className="chart-box">
        <Bar
          role="img"
          aria-labelledby={id}
          aria-describedby="recs-traffic-summary"
          data={{
            labels,
            datasets: [
              { label: t('traffic.recommendation'), data: money ? rec.map((v) => v / unit) : rec, backgroundColor: colours.recommendation },
              { label: t('traffic.search'), data: money ? search.map((v) => v / unit) : search, backgroundColor: colours.search },
            ],
          }}
          options={{ maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true, ...(money ? {} : { ticks: { precision: 0 } }) } } }}
        />
      </div>
    </Card>
  );
  const nothing = totals.recClicks + totals.searchClicks + totals.recSales + totals.searchSales === 0;
  return (
    <div className="recs-grid" data-testid="traffic-chart">
      <p id="recs-traffic-summary" className="recs-wide" data-testid="traffic-summary">
        {nothing
          ? t('traffic.none')
          : `${t('traffic.summary', { recs: f.number(totals.recClicks), recsSales: f.money(totals.recSales, report.currency), search: f.number(totals.searchClicks), searchSales: f.money(totals.searchSales, report.currency) })} ${totals.recClicks === totals.searchClicks ? '' : t(totals.recClicks > totals.searchClicks ? 'traffic.ahead' : 'traffic.behind')}`}
      </p>
      {chart('recs-traffic-clicks', t('traffic.clicksTitle'), days.map((d) => d.recClicks), days.map((d) => d.searchClicks), false)}
      {chart('recs-traffic-sales', t('traffic.salesTitle'), days.map((d) => d.recSales), days.map((d) => d.searchSales), true)}
      <details className="recs-wide">
        <summary>{t('traffic.showTable')}</summary>
        <DataTable
          caption={t('traffic.caption')}
          testId="traffic-table"
          rows={[...days].reverse()}
          rowKey={(d) => d.day}
          columns={[
            { label: t('traffic.day'), rowHeader: true, cell: (d: Day) => f.day(d.day) },
            { label: t('traffic.recClicks'), num: true, cell: (d) => f.number(d.recClicks) },
            { label: t('traffic.searchClicks'), num: true, cell: (d) => f.number(d.searchClicks) },
            { label: t('traffic.recSales'), num: true, cell: (d) => f.money(d.recSales, report.currency) },
            { label: t('traffic.searchSales'), num: true, cell: (d) => f.money(d.searchSales, report.currency) },
          ]}
        />
      </details>
    </div>
  );
}
