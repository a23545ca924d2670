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
import { fetchFigures, storeKeys, type Figures } from './api';

ChartJS.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

const periods = [7, 30, 90] as const;
const pct = (rate: number | null, f: ReturnType<typeof useFormat>) => (rate === null ? '—' : `${f.number(Math.round(rate * 1000) / 10)}%`);

/** The store's figures for a period: visits, sales, basket, conversion, top products, traffic by hour, and the chain's other stores beside it. */
export function FiguresTab({ location_id }: { location_id: string }) {
  const { t } = useTranslation('stores');
  const [days, setDays] = useState<number>(7);
  const query = useQuery({ queryKey: storeKeys.figures(location_id, days), queryFn: () => fetchFigures(location_id, days) });
  return (
    <>
      <div className="st-toolbar">
        <SelectField label={t('period')} value={String(days)} onChange={(e) => setDays(Number(e.target.value))} fieldClassName="field st-inline">
          {periods.map((d) => (
            <option key={d} value={d}>
              {t('days', { count: d })}
            </option>
          ))}
        </SelectField>
      </div>
      <QueryState query={query}>{(figures) => <FiguresView figures={figures} />}</QueryState>
    </>
  );
}

function FiguresView({ figures: x }: { figures: Figures }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const s = x.store;
  const tiles = [
    { key: 'visits', label: t('figuresVisits'), value: s.visits === null ? '—' : f.number(s.visits) },
    { key: 'sales', label: t('figuresSales'), value: f.money(s.net_minor, x.currency) },
    { key: 'orders', label: t('figuresOrders'), value: f.number(s.orders) },
    { key: 'basket', label: t('averageBasket'), value: s.orders === 0 ? '—' : f.money(s.average_basket_minor, x.currency) },
    { key: 'conversion', label: t('conversion'), value: pct(s.conversion, f) },
  ];
  return (
    <div className="st-grid">
      <p className="muted st-wide">{t('figuresDays', { from: f.day(s.first_day), to: f.day(s.last_day), zone: x.time_zone })}</p>
      <dl className="st-tiles st-wide" data-testid="store-figures">
        {tiles.map((tile) => (
          <div key={tile.key} className="card">
            <dt className="muted">{tile.label}</dt>
            <dd data-testid={`figure-${tile.key}`}>{tile.value}</dd>
          </div>
        ))}
      </dl>
      <Traffic figures={x} />
      <Card title={t('topProducts')}>
        <DataTable
          bare
          caption={t('topProductsCaption')}
          rows={x.top_products}
          rowKey={(p) => p.product_id}
          emptyRow={t('noSales')}
          columns={[
            { label: t('product'), rowHeader: true, cell: (p) => p.title },
            { label: t('units'), num: true, cell: (p) => f.number(p.units) },
            { label: t('figuresSales'), num: true, cell: (p) => f.money(p.revenue_minor, x.currency) },
          ]}
        />
      </Card>
      <Card title={t('chain')} className="st-wide">
        <DataTable
          bare
          caption={t('chainCaption')}
          testId="store-chain"
          rows={x.chain}
          rowKey={(c) => c.location_id}
          rowProps={(c) => ({ className: c.this_store ? 'st-selected' : undefined })}
          columns={[
            { label: t('rank'), num: true, cell: (c) => `#${c.rank}` },
            { label: t('store'), rowHeader: true, cell: (c) => (c.this_store ? `${c.name} (${t('thisStore')})` : c.name) },
            { label: t('figuresVisits'), num: true, cell: (c) => (c.visits === null ? '—' : f.number(c.visits)) },
            { label: t('figuresOrders'), num: true, cell: (c) => f.number(c.orders) },
            { label: t('figuresSales'), num: true, cell: (c) => f.money(c.net_minor, x.currency) },
            { label: t('averageBasket'), num: true, cell: (c) => (c.orders === 0 ? '—' : f.money(c.average_basket_minor, x.currency)) },
            { label: t('conversion'), num: true, cell: (c) => pct(c.conversion, f) },
          ]}
        />
      </Card>
    </div>
  );
}

/** Visitors (when known) and orders per local hour of the day. */
function Traffic({ figures }: { figures: Figures }) {
  const { t } = useTranslation('stores');
  const row = (hour: number) => figures.by_hour.find((h) => h.hour === hour);
  const hours = Array.from({ length: 24 }, (_, hour) => hour);
  const visitors = hours.map((h) => row(h)?.visitors ?? null);
  const orders = hours.map((h) => row(h)?.orders ?? 0);
  const knowVisits = visitors.some((v) => v !== null);
  const measure = knowVisits ? visitors.map((v) => v ?? 0) : orders;
  const busiest = measure.reduce((best, v, h) => (v > measure[best]! ? h : best), 0);
  const total = measure.reduce((a, b) => a + b, 0);
  return (
    <Card title={t('trafficByHour')} headingId="store-traffic">
      {total === 0 ? (
        <p className="muted">{t('noTraffic')}</p>
      ) : (
        <>
          <div className="chart-box">
            <Bar
              role="img"
              aria-labelledby="store-traffic"
              aria-describedby="store-traffic-summary"
              data={{
                labels: hours.map((h) => String(h).padStart(2, '0')),
                datasets: [...(knowVisits ? [{ label: t('figuresVisits'), data: visitors.map((v) => v ?? 0), backgroundColor: '#c2410c' }] : []), { label: t('figuresOrders'), data: orders, backgroundColor: '#94a3b8' }],
              }}
              options={{ maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }}
            />
          </div>
          <p id="store-traffic-summary" className="muted">
            {t(knowVisits ? 'trafficSummary' : 'trafficSummaryOrders', { hour: String(busiest).padStart(2, '0'), count: measure[busiest] })}
          </p>
        </>
      )}
    </Card>
  );
}
