import { useQuery } from '@tanstack/react-query';
import { BarController, BarElement, CategoryScale, Chart as ChartJS, LinearScale, Tooltip } from 'chart.js';
import { useState } from 'react';
import { Bar } from 'react-chartjs-2';
import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { SelectField } from '../../components/Field';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { fetchFigures, storeKeys, type Figures } from './api';

ChartJS.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

const periods = [1, 7, 30] as const;
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
      <QueryState query={query}>{(figures) => <FiguresView figures={figures} location_id={location_id} />}</QueryState>
    </>
  );
}

function FiguresView({ figures: x, location_id }: { figures: Figures; location_id: string }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const tiles = [
    { key: 'visits', label: t('figuresVisits'), value: f.number(x.visits) },
    { key: 'sales', label: t('figuresSales'), value: f.money(x.sales_minor, x.currency) },
    { key: 'orders', label: t('figuresOrders'), value: f.number(x.orders) },
    { key: 'basket', label: t('basketSize'), value: f.number(Math.round(x.basket_size * 10) / 10) },
    { key: 'average', label: t('averageBasket'), value: x.average_basket_minor === undefined ? (x.orders === 0 ? '—' : f.money(Math.floor(x.sales_minor / x.orders), x.currency)) : f.money(x.average_basket_minor, x.currency) },
    { key: 'conversion', label: t('conversion'), value: pct(x.conversion_rate, f) },
  ];
  return (
    <div className="st-grid">
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
          rowKey={(p) => p.variant_id}
          emptyRow={t('noTraffic')}
          columns={[
            { label: t('product'), rowHeader: true, cell: (p) => p.title },
            { label: t('units'), num: true, cell: (p) => f.number(p.units) },
            { label: t('figuresSales'), num: true, cell: (p) => f.money(p.sales_minor, x.currency) },
          ]}
        />
      </Card>
      <Card title={t('chain')} className="st-wide">
        <DataTable
          bare
          caption={t('chainCaption')}
          testId="store-chain"
          rows={x.chain}
          rowKey={(s) => s.location_id}
          rowProps={(s) => ({ className: s.location_id === location_id ? 'st-selected' : undefined })}
          columns={[
            { label: t('store'), rowHeader: true, cell: (s) => (s.location_id === location_id ? `${s.name} (${t('thisStore')})` : s.name) },
            { label: t('figuresVisits'), num: true, cell: (s) => f.number(s.visits) },
            { label: t('figuresOrders'), num: true, cell: (s) => f.number(s.orders) },
            { label: t('figuresSales'), num: true, cell: (s) => f.money(s.sales_minor, x.currency) },
            { label: t('conversion'), num: true, cell: (s) => pct(s.conversion_rate, f) },
          ]}
        />
      </Card>
    </div>
  );
}

function Traffic({ figures }: { figures: Figures }) {
  const { t } = useTranslation('stores');
  const hours = Array.from({ length: 24 }, (_, hour) => figures.traffic_by_hour.find((h) => h.hour === hour)?.visits ?? 0);
  const busiest = hours.reduce((best, v, h) => (v > hours[best]! ? h : best), 0);
  const total = hours.reduce((a, b) => a + b, 0);
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
              data={{ labels: hours.map((_, h) => String(h).padStart(2, '0')), datasets: [{ label: t('figuresVisits'), data: hours, backgroundColor: '#c2410c' }] }}
              options={{ maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }}
            />
          </div>
          <p id="store-traffic-summary" className="muted">
            {t('trafficSummary', { hour: String(busiest).padStart(2, '0'), visits: hours[busiest] })}
          </p>
        </>
      )}
    </Card>
  );
}
