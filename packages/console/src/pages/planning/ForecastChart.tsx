import { useTranslation } from 'react-i18next';
import { useFormat } from '../../format';
import type { SeriesDetail } from './api';

const width = 760;
const height = 260;
const margin = { top: 12, right: 12, bottom: 28, left: 44 };
const history_days_shown = 56;

/** A round step for about five ticks up to `max`. */
function step(max: number): number {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw);
}

/**
 * One series as SVG: the recent history (units sold per day; censored days, when the product was
 * out of stock and demand is unknown, marked and left out of the line), then the forecast's mean
 * with its prediction interval as a band.
 */
export function ForecastChart({ detail, labelId }: { detail: SeriesDetail; labelId: string }) {
  const { t } = useTranslation('forecast');
  const f = useFormat();
  const history = detail.history.slice(-history_days_shown);
  const days = [...history.map((h) => h.date), ...detail.forecast.map((p) => p.date)];
  const n = Math.max(days.length, 2);
  const top = Math.max(1, ...history.map((h) => h.units), ...detail.forecast.map((p) => p.upper));
  const tick = step(top);
  const max = Math.ceil(top / tick) * tick;
  const x = (i: number) => margin.left + (i * (width - margin.left - margin.right)) / (n - 1);
  const y = (v: number) => height - margin.bottom - (v * (height - margin.top - margin.bottom)) / max;
  const offset = history.length;

  // The history line breaks at censored days: what sold then says nothing about demand.
  const segments: string[] = [];
  let current: string[] = [];
  history.forEach((h, i) => {
    if (h.censored) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
    } else current.push(`${x(i).toFixed(1)},${y(h.units).toFixed(1)}`);
  });
  if (current.length > 0) segments.push(current.join(' '));

  const band = [...detail.forecast.map((p, i) => `${x(offset + i).toFixed(1)},${y(p.upper).toFixed(1)}`), ...[...detail.forecast].reverse().map((p, i) => `${x(offset + detail.forecast.length - 1 - i).toFixed(1)},${y(p.lower).toFixed(1)}`)].join(' ');
  const mean = detail.forecast.map((p, i) => `${x(offset + i).toFixed(1)},${y(p.mean).toFixed(1)}`).join(' ');
  const ticks = Array.from({ length: Math.round(max / tick) + 1 }, (_, i) => i * tick);
  const censored = history.filter((h) => h.censored).length;
  const labelled = [0, offset - 1, offset, n - 1].filter((i, k, all) => i >= 0 && i < days.length && all.indexOf(i) === k && (k === 0 || i - (all[k - 1] ?? -10) > 4));
  const total = detail.forecast.reduce((sum, p) => sum + p.mean, 0);

  return (
    <figure className="plan-chart">
      <svg role="img" aria-labelledby={labelId} aria-describedby={`${labelId}-summary`} viewBox={`0 0 ${width} ${height}`} width="100%" data-testid="forecast-chart">
        {ticks.map((v) => (
          <g key={v}>
            <line x1={margin.left} x2={width - margin.right} y1={y(v)} y2={y(v)} className="plan-gridline" />
            <text x={margin.left - 6} y={y(v) + 4} textAnchor="end" className="plan-axis">
              {f.number(v)}
            </text>
          </g>
        ))}
        {history.map((h, i) =>
          h.censored ? <rect key={h.date} x={x(i) - 3} y={margin.top} width={6} height={height - margin.top - margin.bottom} className="plan-censored" data-testid="censored-day" /> : null,
        )}
        {detail.forecast.length > 0 && <polygon points={band} className="plan-band" data-testid="forecast-band" />}
        {segments.map((points) => (
          <polyline key={points} points={points} className="plan-history" />
        ))}
        {history.map((h, i) => (h.censored ? null : <circle key={h.date} cx={x(i)} cy={y(h.units)} r={2} className="plan-history-dot" />))}
        {detail.forecast.length > 0 && <polyline points={mean} className="plan-mean" />}
        {offset > 0 && detail.forecast.length > 0 && <line x1={x(offset - 0.5)} x2={x(offset - 0.5)} y1={margin.top} y2={height - margin.bottom} className="plan-today" />}
        {labelled.map((i) => (
          <text key={i} x={x(i)} y={height - 8} textAnchor={i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle'} className="plan-axis">
            {f.day(days[i]!)}
          </text>
        ))}
      </svg>
      <figcaption id={`${labelId}-summary`} className="muted">
        {t('chart.summary', { days: history.length, censored, horizon: detail.forecast.length, total: f.number(Math.round(total)), level: Math.round(detail.level * 100) })}
      </figcaption>
      <ul className="plan-legend" aria-hidden="true">
        <li>
          <span className="plan-key plan-key-history" /> {t('chart.history')}
        </li>
        <li>
          <span className="plan-key plan-key-mean" /> {t('chart.mean')}
        </li>
        <li>
          <span className="plan-key plan-key-band" /> {t('chart.band', { level: Math.round(detail.level * 100) })}
        </li>
        <li>
          <span className="plan-key plan-key-censored" /> {t('chart.censored')}
        </li>
      </ul>
    </figure>
  );
}
