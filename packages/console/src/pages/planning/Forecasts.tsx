import './locale';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { SelectField } from '../../components/Field';
import { FormError } from '../../components/Form';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { OpenBosError } from '../../api';
import { ForecastChart } from './ForecastChart';
import { demandClasses, fetchLocations, fetchRun, fetchRuns, fetchSeries, fetchSeriesDetail, fetchSummary, planKeys, startRun, type ForecastRun, type Interval, type SeriesDetail, type SeriesRow, type Summary } from './api';
import './planning.css';
import { SubNav } from './SubNav';

const poll_ms = 1_000;
const active = (run: ForecastRun | undefined) => run !== undefined && (run.status === 'queued' || run.status === 'running');
/** No forecast yet answers 404 (or an empty summary): the page then says to run one. */
const missing = (error: unknown) => error instanceof OpenBosError && error.status === 404;

/** "12 (9–15)": a forecast's mean with its prediction interval. */
export function useInterval() {
  const f = useFormat();
  return (i: Interval) => `${f.number(Math.round(i.mean))} (${f.number(Math.round(i.lower))}–${f.number(Math.round(i.upper))})`;
}

/**
 * Demand forecasts (docs/FORECAST.md): "Run forecast" with the run's progress, next week's demand
 * per store, region and chain with its interval, and every series with its chart (history with
 * censored days, the forecast and its band, the model the backtest chose). The charted series is
 * in the address (`?variant=&location=`).
 */
export default function Forecasts() {
  const { t } = useTranslation('forecast');
  return (
    <div className="plan-page">
      <PageHeader title={t('title')}>
        <p className="muted">{t('intro')}</p>
      </PageHeader>
      <SubNav area="forecast" />
      <div className="plan-grid">
        <RunCard />
        <SummaryCard />
        <SeriesCard />
      </div>
    </div>
  );
}

function RunCard() {
  const { t } = useTranslation('forecast');
  const f = useFormat();
  const { can } = useSession();
  const client = useQueryClient();
  const runs = useQuery({ queryKey: planKeys.runs, queryFn: fetchRuns });
  const [runId, setRunId] = useState<string | undefined>(undefined);
  const following = runId ?? runs.data?.[0]?.id;
  const run = useQuery({
    queryKey: planKeys.run(following ?? ''),
    queryFn: () => fetchRun(following!),
    enabled: following !== undefined,
    refetchInterval: (q) => (active(q.state.data) || q.state.data === undefined ? poll_ms : false),
  });
  const finished = run.data !== undefined && !active(run.data);
  useEffect(() => {
    if (!finished) return;
    void client.invalidateQueries({ queryKey: ['forecast'], predicate: (q) => q.queryKey[1] !== 'runs' || q.queryKey.length === 2 });
  }, [finished, run.data?.id, client]);
  const start = useMutation({
    mutationFn: startRun,
    onSuccess: (started) => {
      setRunId(started.id);
      client.setQueryData(planKeys.run(started.id), started);
    },
    // One run at a time: when one is already going, follow it.
    onError: () => void client.invalidateQueries({ queryKey: planKeys.runs }),
  });
  const busy = start.isPending || active(run.data);
  const shown = run.data;
  return (
    <Card title={t('run.title')} className="plan-wide">
      <p className="muted">{t('run.intro')}</p>
      {can('forecast:write') && (
        <p>
          <button type="button" className="primary" onClick={() => start.mutate()} disabled={busy} aria-busy={busy}>
            {busy ? t('run.running') : t('run.start')}
          </button>
        </p>
      )}
      <FormError message={start.error?.message} />
      {shown === undefined ? (
        runs.isSuccess && <p className="empty">{t('run.none')}</p>
      ) : (
        <div className="plan-progress" data-testid="forecast-run" data-run={shown.id} data-status={shown.status}>
          {active(shown) ? (
            <>
              <label>
                {t('run.progress')} <progress max={1} value={shown.progress} aria-valuetext={`${Math.round(shown.progress * 100)}%`} />
              </label>{' '}
              <span role="status">{shown.status === 'queued' ? t('run.queued') : t('run.done', { done: f.number(shown.done), series: f.number(shown.series) })}</span>
            </>
          ) : shown.status === 'failed' ? (
            <p role="alert">{t('run.failed', { error: shown.error ?? '' })}</p>
          ) : (
            <RunOutcome run={shown} />
          )}
        </div>
      )}
    </Card>
  );
}

function RunOutcome({ run }: { run: ForecastRun }) {
  const { t } = useTranslation('forecast');
  const f = useFormat();
  const entries = (counts: Record<string, number>) =>
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
  return (
    <>
      <p role="status">
        {t('run.succeeded', { series: f.number(run.series), fallbacks: f.number(run.fallbacks) })}
        {run.finished_at !== null && ` ${t('run.finishedAt', { at: f.dateTime(run.finished_at) })}`}
      </p>
      <dl className="plan-counts">
        <dt>{t('run.byClass')}</dt>
        <dd>{entries(run.by_class).map(([cls, n]) => `${t(`classes.${cls}`, { defaultValue: cls })} ${f.number(n)}`).join(' · ') || '—'}</dd>
        <dt>{t('run.byModel')}</dt>
        <dd>{entries(run.by_model).map(([model, n]) => `${t(`models.${model}`, { defaultValue: model })} ${f.number(n)}`).join(' · ') || '—'}</dd>
      </dl>
    </>
  );
}

function SummaryCard() {
  const { t } = useTranslation('forecast');
  const f = useFormat();
  const summary = useQuery({ queryKey: planKeys.summary, queryFn: fetchSummary, retry: (count, error) => !missing(error) && count < 2 });
  return (
    <Card title={t('summary.title')} className="plan-wide">
      {summary.isError && missing(summary.error) ? (
        <p className="empty">{t('summary.none')}</p>
      ) : (
        <QueryState query={summary} isEmpty={(s) => s.stores.length === 0} empty={t('summary.none')}>
          {(s) => (
            <>
              <p className="muted" data-testid="forecast-period">
                {t('summary.period', { start: f.day(s.period.start), end: f.day(s.period.end), level: Math.round(s.level * 100) })}
              </p>
              <SummaryTable summary={s} />
            </>
          )}
        </QueryState>
      )}
    </Card>
  );
}

function SummaryTable({ summary }: { summary: Summary }) {
  const { t } = useTranslation('forecast');
  const interval = useInterval();
  const f = useFormat();
  type Row = { key: string; name: string; region: string; mean: number; lower: number; upper: number; kind: 'store' | 'region' };
  const rows: Row[] = [];
  const regions = [...new Set(summary.stores.map((s) => s.region ?? ''))];
  for (const region of regions) {
    for (const s of summary.stores.filter((st) => (st.region ?? '') === region)) rows.push({ key: s.location_id, name: s.name, region: region || '—', mean: s.mean, lower: s.lower, upper: s.upper, kind: 'store' });
    const total = summary.regions.find((r) => (r.region ?? '') === region);
    if (total !== undefined && regions.length > 1) rows.push({ key: `region:${region}`, name: t('summary.regionTotal', { region: region || '—' }), region: region || '—', mean: total.mean, lower: total.lower, upper: total.upper, kind: 'region' });
  }
  return (
    <DataTable
      caption={t('summary.caption')}
      testId="forecast-summary"
      rows={rows}
      rowKey={(r) => r.key}
      rowProps={(r) => ({ className: r.kind === 'region' ? 'plan-subtotal' : undefined, 'data-location': r.kind === 'store' ? r.key : undefined })}
      columns={[
        { label: t('summary.store'), rowHeader: true, cell: (r: Row) => r.name },
        { label: t('summary.region'), cell: (r) => r.region },
        { label: t('summary.mean'), num: true, cell: (r) => f.number(Math.round(r.mean)) },
        { label: t('summary.interval', { level: Math.round(summary.level * 100) }), num: true, cell: (r) => `${f.number(Math.round(r.lower))}–${f.number(Math.round(r.upper))}` },
      ]}
      footer={
        <tr className="plan-total" data-testid="forecast-chain">
          <th scope="row">{t('summary.chain')}</th>
          <td />
          <td className="num">{f.number(Math.round(summary.chain.mean))}</td>
          <td className="num">{interval(summary.chain).replace(/^[^(]*\(|\)$/g, '')}</td>
        </tr>
      }
    />
  );
}

function SeriesCard() {
  const { t } = useTranslation('forecast');
  const interval = useInterval();
  const [params, setParams] = useSearchParams();
  const location = params.get('store') ?? '';
  const cls = params.get('class') ?? '';
  const variant = params.get('variant');
  const chartLocation = params.get('location');
  const locations = useQuery({ queryKey: planKeys.locations, queryFn: fetchLocations });
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const series = useQuery({ queryKey: [...planKeys.series(location, cls), cursor ?? ''], queryFn: () => fetchSeries({ location_id: location, class: cls, ...(cursor === undefined ? {} : { cursor }) }), retry: (count, error) => !missing(error) && count < 2 });

  function set(changes: Record<string, string | null>) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === '') next.delete(key);
      else next.set(key, value);
    }
    setParams(next);
  }

  return (
    <>
      {variant !== null && chartLocation !== null && <ChartCard variant_id={variant} location_id={chartLocation} row={series.data?.data.find((r) => r.variant_id === variant && r.location_id === chartLocation)} onClose={() => set({ variant: null, location: null })} />}
      <Card title={t('series.title')} className="plan-wide">
        <div className="plan-toolbar">
          <SelectField label={t('series.store')} value={location} onChange={(e) => (setCursors([]), set({ store: e.target.value }))} fieldClassName="field plan-inline">
            <option value="">{t('series.allStores')}</option>
            {(locations.data ?? []).map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </SelectField>
          <SelectField label={t('series.class')} value={cls} onChange={(e) => (setCursors([]), set({ class: e.target.value }))} fieldClassName="field plan-inline">
            <option value="">{t('series.allClasses')}</option>
            {demandClasses.map((c) => (
              <option key={c} value={c}>
                {t(`classes.${c}`)}
              </option>
            ))}
          </SelectField>
        </div>
        {series.isError && missing(series.error) ? (
          <p className="empty">{t('summary.none')}</p>
        ) : (
          <QueryState query={series} isEmpty={(p) => p.data.length === 0} empty={t('series.none')}>
            {(page) => (
              <>
                <DataTable
                  caption={t('series.caption')}
                  testId="forecast-series"
                  rows={page.data}
                  rowKey={(r) => `${r.variant_id}:${r.location_id}`}
                  rowProps={(r) => ({ className: r.variant_id === variant && r.location_id === chartLocation ? 'plan-selected' : undefined })}
                  columns={[
                    { label: t('series.product'), rowHeader: true, cell: (r: SeriesRow) => <>{r.title}<div className="muted plan-small">{r.sku}</div></> },
                    { label: t('series.store'), cell: (r) => r.location_name },
                    { label: t('series.class'), cell: (r) => t(`classes.${r.class}`, { defaultValue: r.class }) },
                    { label: t('series.model'), cell: (r) => <><ModelName series={r} />{r.fallback !== null && <div className="plan-fallback plan-small">{t('series.fallback', { reason: r.fallback })}</div>}</> },
                    { label: t('series.next7'), num: true, cell: (r) => interval(r.next_7_days) },
                    {
                      label: t('series.chart'),
                      hidden: true,
                      cell: (r) => (
                        <button type="button" onClick={() => set({ variant: r.variant_id, location: r.location_id })} aria-label={t('series.openChart', { title: r.title, store: r.location_name })}>
                          {t('series.chart')}
                        </button>
                      ),
                    },
                  ]}
                />
                <p className="plan-pager">
                  {cursors.length > 0 && (
                    <button type="button" onClick={() => setCursors(cursors.slice(0, -1))}>
                      {t('series.previous')}
                    </button>
                  )}{' '}
                  {page.next_cursor != null && (
                    <button type="button" onClick={() => setCursors([...cursors, page.next_cursor!])}>
                      {t('series.next')}
                    </button>
                  )}
                </p>
              </>
            )}
          </QueryState>
        )}
      </Card>
    </>
  );
}

function ChartCard({ variant_id, location_id, row, onClose }: { variant_id: string; location_id: string; row: SeriesRow | undefined; onClose: () => void }) {
  const { t } = useTranslation('forecast');
  const detail = useQuery({ queryKey: planKeys.detail(variant_id, location_id), queryFn: () => fetchSeriesDetail(variant_id, location_id) });
  return (
    <Card title={row === undefined ? t('chart.title') : t('chart.titleOf', { title: row.title, store: row.location_name })} headingId="forecast-chart-title" className="plan-wide">
      <QueryState query={detail}>{(d) => <ChartBody detail={d} />}</QueryState>
      <p>
        <button type="button" onClick={onClose}>
          {t('chart.close')}
        </button>
      </p>
    </Card>
  );
}

/** The model's name, or "Average of A and B" for a forecast that averages two models. */
function ModelName({ series }: { series: { model: string; combined_with: string | null } }) {
  const { t } = useTranslation('forecast');
  const name = (model: string) => t(`models.${model}`, { defaultValue: model });
  return <>{!series.combined_with ? name(series.model) : t('series.combined', { first: name(series.model), second: name(series.combined_with) })}</>;
}

function ChartBody({ detail }: { detail: SeriesDetail }) {
  const { t } = useTranslation('forecast');
  const f = useFormat();
  const scores = Object.entries(detail.backtest).sort((a, b) => a[1] - b[1]);
  return (
    <div data-testid="forecast-detail">
      <dl className="plan-facts">
        <dt>{t('series.class')}</dt>
        <dd data-testid="forecast-class">{t(`classes.${detail.class}`, { defaultValue: detail.class })}</dd>
        <dt>{t('series.model')}</dt>
        <dd data-testid="forecast-model"><ModelName series={detail} /></dd>
        {detail.fallback !== null && (
          <>
            <dt>{t('chart.fallback')}</dt>
            <dd className="plan-fallback" data-testid="forecast-fallback">
              {detail.fallback}
            </dd>
          </>
        )}
        {scores.length > 0 && (
          <>
            <dt>{t('chart.backtest')}</dt>
            <dd>{scores.map(([model, mase]) => `${t(`models.${model}`, { defaultValue: model })} ${f.number(Math.round(mase * 100) / 100)}`).join(' · ')}</dd>
          </>
        )}
      </dl>
      <ForecastChart detail={detail} labelId="forecast-chart-title" />
      <details>
        <summary>{t('chart.showTable')}</summary>
        <DataTable
          caption={t('chart.caption')}
          rows={detail.forecast}
          rowKey={(p) => p.date}
          columns={[
            { label: t('chart.day'), rowHeader: true, cell: (p) => f.day(p.date) },
            { label: t('summary.mean'), num: true, cell: (p) => f.number(Math.round(p.mean * 10) / 10) },
            { label: t('summary.interval', { level: Math.round(detail.level * 100) }), num: true, cell: (p) => `${f.number(Math.round(p.lower * 10) / 10)}–${f.number(Math.round(p.upper * 10) / 10)}` },
          ]}
        />
      </details>
    </div>
  );
}
