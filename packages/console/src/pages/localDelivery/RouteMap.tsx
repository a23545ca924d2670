import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { Location } from '../stock/api';
import { project } from '../stock/LocationsMap';
import type { Board } from './api';

/**
 * The store and its riders' routes on the same offline projection as the locations map (no
 * tiles): each route a line from the store through its stops in order, numbered; packed orders no
 * route takes yet are hollow markers.
 */
const width = 960;
const routeColours = ['#0969da', '#8250df', '#1a7f37', '#bf3989', '#9a6700', '#cf222e'];

export function RouteMap({ board }: { board: Board }) {
  const { t } = useTranslation('localDelivery');
  const titleId = useId();
  const descId = useId();
  const store = board.location;
  const live = board.routes.filter((r) => r.status !== 'done');
  const loose = board.waiting.filter((w) => !w.planned && w.latitude !== null && w.longitude !== null);
  const points = [store, ...live.flatMap((r) => r.stops), ...loose.map((w) => ({ latitude: w.latitude!, longitude: w.longitude! }))];
  // The projection reads only coordinates; the locations map types them as locations.
  const { height, toX, toY } = project(points as unknown as Location[]);
  const sx = toX(store.longitude);
  const sy = toY(store.latitude);
  return (
    <figure className="map-figure">
      <svg className="map route-map" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={titleId} aria-describedby={descId}>
        <title id={titleId}>{t('mapTitle', { store: store.name })}</title>
        <desc id={descId}>{t('mapSummary', { routes: live.length, waiting: board.waiting.length })}</desc>
        {live.map((r, i) => {
          const colour = routeColours[i % routeColours.length]!;
          const path = [`M${sx},${sy}`, ...r.stops.map((s) => `L${toX(s.longitude)},${toY(s.latitude)}`)].join(' ');
          return (
            <g key={r.id} data-route={r.id}>
              <path d={path} fill="none" stroke={colour} strokeWidth={3} strokeDasharray={r.status === 'planned' ? '8 5' : undefined} />
              {r.stops.map((s) => (
                <g key={s.fulfilment_id}>
                  <title>{`${r.rider_name} #${s.sequence}`}</title>
                  <circle cx={toX(s.longitude)} cy={toY(s.latitude)} r={11} fill={s.status === 'pending' ? colour : '#8c959f'} stroke="#fff" strokeWidth={2} />
                  <text x={toX(s.longitude)} y={toY(s.latitude) + 4} textAnchor="middle" fill="#fff" fontSize={12} fontWeight={600}>
                    {s.sequence}
                  </text>
                </g>
              ))}
              <text x={toX(r.stops.at(-1)?.longitude ?? store.longitude) + 14} y={toY(r.stops.at(-1)?.latitude ?? store.latitude) - 10} fill={colour} fontSize={12}>
                {r.rider_name}
              </text>
            </g>
          );
        })}
        {loose.map((w) => (
          <circle key={w.fulfilment_id} cx={toX(w.longitude!)} cy={toY(w.latitude!)} r={7} fill="#fff" stroke="#cf222e" strokeWidth={2} />
        ))}
        <rect x={sx - 9} y={sy - 9} width={18} height={18} rx={3} fill="#c2410c" stroke="#fff" strokeWidth={2} />
        <text className="map-label" x={sx + 14} y={sy + 4}>
          {store.name}
        </text>
        <g className="map-legend" aria-hidden="true" transform="translate(12, 12)">
          <rect className="map-legend-box" width={190} height={66} rx={6} />
          <rect x={10} y={10} width={12} height={12} rx={2} fill="#c2410c" />
          <text x={30} y={20}>{t('legendStore')}</text>
          <circle cx={16} cy={34} r={6} fill={routeColours[0]} />
          <text x={30} y={38}>{t('legendStop')}</text>
          <circle cx={16} cy={52} r={5} fill="#fff" stroke="#cf222e" strokeWidth={2} />
          <text x={30} y={56}>{t('legendWaiting')}</text>
        </g>
      </svg>
    </figure>
  );
}
