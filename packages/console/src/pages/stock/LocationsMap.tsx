import { useId, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../format';
import type { Location } from './api';

/**
 * The merchant's stores and warehouses, drawn from their coordinates alone: no map tiles, so it
 * works offline. An equirectangular projection with longitude scaled by the cosine of the mean
 * latitude keeps distances true enough across a city or a province; a scale bar gives kilometres.
 */
const width = 960;
const pad = 56;
const km_per_degree = 111.195; // one degree of latitude (and of scaled longitude), on a 6371 km sphere
const min_span_degrees = 0.03; // about 3 km, so one location alone is not infinitely zoomed in
const kindColours = { store: '#c2410c', warehouse: '#0969da' } as const;
/**
 * The radius of express delivery around each open store when the page does not give the
 * merchant's own (the platform's default, as the delivery promise uses it).
 */
export const default_express_radius_m = 3_000;

/** Marker colours by stock status; the shape says the kind (circle a store, square a warehouse). */
export const statusColours = { ok: '#1a7f37', low: '#bf8700', out: '#cf222e', none: '#8c959f' } as const;
export type StockStatus = keyof typeof statusColours;

/** What the map says about the stock at one location: a colour and a line under its name. */
export interface LocationStock {
  status: StockStatus;
  line: string;
  /** Said to screen readers with the marker. */
  description: string;
}

interface Point {
  location: Location;
  x: number;
  y: number;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The largest 1, 2 or 5 × 10ⁿ that is at most `value`. */
function niceFloor(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  const m = value / power;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * power;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/** Rough width of a label at 12px: CJK characters are about twice as wide as Latin ones. */
function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u2e80-\u9fff\uff00-\uffef]/.test(ch) ? 12 : 6.6;
  return w;
}

/** The projection of the places; `margin_km` around each keeps circles of that radius inside the drawing. */
export function project(locations: readonly Location[], margin_km = 0) {
  const meanLat = locations.reduce((s, l) => s + l.latitude, 0) / Math.max(locations.length, 1);
  const k = Math.cos((meanLat * Math.PI) / 180);
  const xs = locations.map((l) => l.longitude * k);
  const ys = locations.map((l) => l.latitude);
  const margin = margin_km / km_per_degree;
  const minX = Math.min(...xs) - margin;
  const maxX = Math.max(...xs) + margin;
  const minY = Math.min(...ys) - margin;
  const maxY = Math.max(...ys) + margin;
  const spanX = Math.max(maxX - minX, min_span_degrees);
  const spanY = Math.max(maxY - minY, min_span_degrees);
  const inner = width - 2 * pad;
  // The drawing is as tall as the places need, within limits; both axes share one scale.
  const tiny = maxX - minX < min_span_degrees && maxY - minY < min_span_degrees;
  const height = tiny ? 340 : Math.round(Math.min(Math.max((inner * spanY) / spanX + 2 * pad, 340), 560));
  const scale = Math.min(inner / spanX, (height - 2 * pad) / spanY);
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const toX = (lon: number) => width / 2 + (lon * k - cx) * scale;
  const toY = (lat: number) => height / 2 - (lat - cy) * scale;
  const fromX = (x: number) => ((x - width / 2) / scale + cx) / k;
  const fromY = (y: number) => cy - (y - height / 2) / scale;
  return { height, scale, k, toX, toY, fromX, fromY };
}

/**
 * The map of locations, with the express delivery zone drawn around each open store: a circle of
 * `expressRadiusM` (the merchant's radius; 3 km by default), the area the delivery promise offers
 * express delivery in from that store.
 */
export function LocationsMap({
  locations,
  selected,
  stockAt,
  onSelect,
  expressRadiusM = default_express_radius_m,
}: {
  locations: readonly Location[];
  selected: string;
  stockAt?: (location_id: string) => LocationStock | undefined;
  onSelect: (location_id: string) => void;
  expressRadiusM?: number;
}) {
  const { t } = useTranslation('stock');
  const f = useFormat();
  const titleId = useId();
  const descId = useId();
  if (locations.length === 0) return null;
  const zoneStores = locations.filter((l) => l.kind === 'store' && l.active);
  const showZones = zoneStores.length > 0 && expressRadiusM > 0;
  const { height, scale, toX, toY, fromX, fromY } = project(locations, showZones ? expressRadiusM / 1000 : 0);
  const points: Point[] = locations.map((location) => ({ location, x: toX(location.longitude), y: toY(location.latitude) }));

  // Graticule: a few round lines of latitude and longitude, labelled at the edges.
  const lonSpan = fromX(width) - fromX(0);
  const latSpan = fromY(0) - fromY(height);
  const step = niceFloor(Math.max(lonSpan, latSpan) / 4);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const lons: number[] = [];
  for (let lon = Math.ceil(fromX(0) / step) * step; lon <= fromX(width); lon += step) lons.push(lon);
  const lats: number[] = [];
  for (let lat = Math.ceil(fromY(height) / step) * step; lat <= fromY(0); lat += step) lats.push(lat);
  const showStock = stockAt !== undefined;
  const zoneRowY = locations.some((l) => !l.active) ? 70 : 52;
  const legendHeight = zoneRowY - 4 + (showZones ? 18 : 0) + (showStock ? 72 : 0);
  const legendWidth = showZones ? 180 : 134;
  const legendBottom = 12 + legendHeight;

  // Scale bar: a round number of kilometres, about a fifth of the width.
  const km_per_px = km_per_degree / scale;
  const barKm = niceFloor(km_per_px * (width / 5));
  const barPx = barKm / km_per_px;
  const barLabel = barKm >= 1 ? t('map.km', { value: f.number(barKm) }) : t('map.m', { value: f.number(Math.round(barKm * 1000)) });
  const radiusLabel = expressRadiusM >= 1000 ? t('map.km', { value: f.number(expressRadiusM / 1000) }) : t('map.m', { value: f.number(expressRadiusM) });
  const zone_px = expressRadiusM / 1000 / km_per_px;

  // Labels: to the right of each marker, else left, above or below, whichever collides least.
  const taken: Box[] = points.map((p) => ({ x0: p.x - 9, y0: p.y - 9, x1: p.x + 9, y1: p.y + 9 }));
  taken.push({ x0: 8, y0: 8, x1: 16 + legendWidth, y1: 12 + legendHeight }); // the legend
  taken.push({ x0: width - 24 - barPx, y0: height - 40, x1: width, y1: height }); // the scale bar
  const labels = points.map((p) => {
    const text = p.location.name;
    const stock = stockAt?.(p.location.id);
    // A second, smaller line with the stock there makes the label taller and maybe wider.
    const extra = stock === undefined ? 0 : 14;
    const w = Math.max(textWidth(text), stock === undefined ? 0 : textWidth(stock.line) * 0.92);
    const candidates = [
      { x: p.x + 12, y: p.y + 4, anchor: 'start' as const, box: { x0: p.x + 10, y0: p.y - 9, x1: p.x + 14 + w, y1: p.y + 8 + extra } },
      { x: p.x - 12, y: p.y + 4, anchor: 'end' as const, box: { x0: p.x - 14 - w, y0: p.y - 9, x1: p.x - 10, y1: p.y + 8 + extra } },
      { x: p.x, y: p.y - 14 - extra, anchor: 'middle' as const, box: { x0: p.x - w / 2, y0: p.y - 27 - extra, x1: p.x + w / 2, y1: p.y - 10 } },
      { x: p.x, y: p.y + 24, anchor: 'middle' as const, box: { x0: p.x - w / 2, y0: p.y + 11, x1: p.x + w / 2, y1: p.y + 28 + extra } },
    ];
    const score = (c: (typeof candidates)[number]) => {
      const outside = c.box.x0 < 2 || c.box.x1 > width - 2 || c.box.y0 < 2 || c.box.y1 > height - 2 ? 100 : 0;
      return outside + taken.filter((b, i) => i !== points.indexOf(p) && overlaps(b, c.box)).length;
    };
    const best = candidates.reduce((a, b) => (score(b) < score(a) ? b : a));
    taken.push(best.box);
    return { ...best, text, stock };
  });

  const stores = locations.filter((l) => l.kind === 'store').length;
  const anyClosed = locations.some((l) => !l.active);

  function activate(event: KeyboardEvent, id: string) {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect(id);
    }
  }

  return (
    <figure className="map-figure">
      <svg className="map" viewBox={`0 0 ${width} ${height}`} role="group" aria-labelledby={titleId} aria-describedby={descId}>
        <title id={titleId}>{t('map.title')}</title>
        <desc id={descId}>
          {t('map.summary', { count: locations.length, stores, warehouses: locations.length - stores, scale: barLabel })}
          {showZones && ` ${t('map.zonesSummary', { count: zoneStores.length, radius: radiusLabel })}`}
        </desc>
        <g className="map-grid" aria-hidden="true">
          {lons.map((lon) => (
            <g key={`lon${lon}`}>
              <line x1={toX(lon)} x2={toX(lon)} y1={0} y2={height} />
              {toX(lon) + 70 < width - 24 - barPx && (
                <text x={toX(lon) + 3} y={height - 6}>
                  {t(lon >= 0 ? 'map.east' : 'map.west', { value: Math.abs(lon).toFixed(decimals) })}
                </text>
              )}
            </g>
          ))}
          {lats.map((lat) => (
            <g key={`lat${lat}`}>
              <line x1={0} x2={width} y1={toY(lat)} y2={toY(lat)} />
              {toY(lat) - 14 > legendBottom && toY(lat) < height - 20 && (
                <text x={4} y={toY(lat) - 3}>
                  {t(lat >= 0 ? 'map.north' : 'map.south', { value: Math.abs(lat).toFixed(decimals) })}
                </text>
              )}
            </g>
          ))}
        </g>
        <g aria-hidden="true" className="map-north" transform={`translate(${width - 26}, 30)`}>
          <path d="M0,-16 L7,6 L0,1 L-7,6 Z" />
          <text y={20} textAnchor="middle">
            {t('map.northArrow')}
          </text>
        </g>
        {showZones && (
          <g className="map-zones" aria-hidden="true" data-testid="express-zones" data-radius-m={expressRadiusM}>
            {zoneStores.map((l) => (
              <circle key={l.id} className="map-zone" cx={toX(l.longitude)} cy={toY(l.latitude)} r={zone_px} />
            ))}
          </g>
        )}
        {points.map((p, i) => {
          const l = p.location;
          const stock = labels[i]!.stock;
          const colour = stock === undefined ? kindColours[l.kind] : statusColours[stock.status];
          const isSelected = l.id === selected;
          const title = t('map.markerTitle', { name: l.name, kind: t(`kind.${l.kind}`), city: l.address.city, lat: l.latitude.toFixed(4), lon: l.longitude.toFixed(4) }) + (l.active ? '' : ` (${t('closed')})`) + (stock === undefined ? '' : `. ${stock.description}`);
          return (
            <g
              key={l.id}
              className={`map-marker${isSelected ? ' map-marker-selected' : ''}`}
              role="button"
              tabIndex={0}
              aria-label={t('map.markerAction', { name: l.name }) + (stock === undefined ? '' : ` (${stock.description})`)}
              data-stock-status={stock?.status}
              aria-pressed={isSelected}
              onClick={() => onSelect(l.id)}
              onKeyDown={(e) => activate(e, l.id)}
            >
              <title>{title}</title>
              {isSelected && <circle cx={p.x} cy={p.y} r={14} className="map-ring" />}
              {l.kind === 'store' ? (
                <circle cx={p.x} cy={p.y} r={7.5} fill={l.active ? colour : '#fff'} stroke={l.active ? '#fff' : colour} strokeWidth={2} strokeDasharray={l.active ? undefined : '3 2'} />
              ) : (
                <rect x={p.x - 7} y={p.y - 7} width={14} height={14} rx={2} fill={l.active ? colour : '#fff'} stroke={l.active ? '#fff' : colour} strokeWidth={2} strokeDasharray={l.active ? undefined : '3 2'} />
              )}
              <text className="map-label" x={labels[i]!.x} y={labels[i]!.y} textAnchor={labels[i]!.anchor}>
                {labels[i]!.text}
              </text>
              {stock !== undefined && (
                <text className={`map-stock map-stock-${stock.status}`} x={labels[i]!.x} y={labels[i]!.y + 14} textAnchor={labels[i]!.anchor}>
                  {stock.line}
                </text>
              )}
            </g>
          );
        })}
        <g className="map-legend" aria-hidden="true" transform="translate(12, 12)">
          <rect className="map-legend-box" width={legendWidth} height={legendHeight} rx={6} />
          <circle cx={16} cy={16} r={6} fill={showStock ? statusColours.none : kindColours.store} stroke="#fff" strokeWidth={1.5} />
          <text x={30} y={20}>
            {t('kind.store')}
          </text>
          <rect x={10} y={28} width={12} height={12} rx={2} fill={showStock ? statusColours.none : kindColours.warehouse} stroke="#fff" strokeWidth={1.5} />
          <text x={30} y={38}>
            {t('kind.warehouse')}
          </text>
          {anyClosed && (
            <>
              <circle cx={16} cy={52} r={5.5} fill="#fff" stroke="#57606a" strokeWidth={1.5} strokeDasharray="3 2" />
              <text x={30} y={56}>
                {t('closed')}
              </text>
            </>
          )}
          {showZones && (
            <>
              <circle className="map-zone" cx={16} cy={zoneRowY} r={6.5} />
              <text x={30} y={zoneRowY + 4}>
                {t('map.zone', { radius: radiusLabel })}
              </text>
            </>
          )}
          {showStock &&
            (['ok', 'low', 'out', 'none'] as const).map((status, k) => (
              <g key={status} transform={`translate(0, ${legendHeight - 72 + k * 18})`}>
                <rect x={10} y={6} width={12} height={10} rx={5} fill={statusColours[status]} />
                <text x={30} y={15}>
                  {t(`map.status.${status}`)}
                </text>
              </g>
            ))}
        </g>
        <g className="map-scale" aria-hidden="true" transform={`translate(${width - 16 - barPx}, ${height - 22})`}>
          <rect x={-4} y={-16} width={barPx + 8} height={26} rx={4} className="map-scale-box" />
          <path d={`M0,0 V6 H${barPx} V0`} />
          <text x={barPx / 2} y={-4} textAnchor="middle">
            {barLabel}
          </text>
        </g>
      </svg>
      <figcaption className="hint">{t('map.caption')}</figcaption>
    </figure>
  );
}

/** Latitude and longitude, written out with their hemispheres: ["31.2336° N", "121.4726° E"]. */
export function formatCoordinates(l: Location, t: (key: string, options?: Record<string, unknown>) => string): [string, string] {
  const lat = t(l.latitude >= 0 ? 'map.north' : 'map.south', { value: Math.abs(l.latitude).toFixed(4) });
  const lon = t(l.longitude >= 0 ? 'map.east' : 'map.west', { value: Math.abs(l.longitude).toFixed(4) });
  return [lat, lon];
}
