import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap, type Schemas } from '../../api';
import { Card } from '../../components/Card';
import { DateField } from '../../components/DateField';
import { isForbidden, NotAllowed } from '../../components/NotAllowed';
import { PageHeader } from '../../components/PageHeader';
import { useSession } from '../../session';

type GeoLift = Schemas['GeoLift'];

/** The geo-time lift report: pick a store and a day, see the stores on a map and the difference-in-differences figures. */
export default function GeoLiftReport() {
  const { t } = useTranslation('analysis');
  const { can } = useSession();
  const locations = useQuery({ queryKey: ['locations', 'stores'], queryFn: () => unwrap(bos.GET('/v1/locations', { params: { query: { limit: 100 } } })), enabled: can('consumers:read') });
  const [location_id, setLocation] = useState('');
  const [event_date, setDate] = useState(new Date().toISOString().slice(0, 10));
  const [radius_km, setRadius] = useState(3);
  const [days_after, setAfter] = useState(3);
  const [days_before, setBefore] = useState(28);
  const lift = useMutation({ mutationFn: () => unwrap(bos.POST('/v1/analysis/geo-lift', { body: { location_id, event_date, radius_km, days_after, days_before } })) });
  if (!can('consumers:read') || isForbidden(locations.error)) return <NotAllowed />;
  const stores = (locations.data?.data ?? []).filter((l) => l.kind === 'store');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    lift.mutate();
  };
  return (
    <>
      <PageHeader title={t('geoTitle')} />
      <form className="toolbar" onSubmit={submit}>
        <label>
          {t('location')}
          <select value={location_id} onChange={(e) => setLocation(e.target.value)} required>
            <option value="" />
            {stores.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <DateField label={t('eventDate')} name="event_date" value={event_date} onChange={setDate} />
        <label>
          {t('radius')}
          <input type="number" min={0.1} max={50} step={0.1} value={radius_km} onChange={(e) => setRadius(Number(e.target.value))} />
        </label>
        <label>
          {t('daysAfter')}
          <input type="number" min={2} max={60} value={days_after} onChange={(e) => setAfter(Number(e.target.value))} />
        </label>
        <label>
          {t('daysBefore')}
          <input type="number" min={2} max={365} value={days_before} onChange={(e) => setBefore(Number(e.target.value))} />
        </label>
        <button type="submit" disabled={location_id === '' || lift.isPending}>
          {t('run')}
        </button>
      </form>
      {lift.isError && <p role="alert">{lift.error.message}</p>}
      {lift.data !== undefined && <Report r={lift.data} />}
    </>
  );
}

function Report({ r }: { r: GeoLift }) {
  const { t } = useTranslation('analysis');
  const m = (minor: number) => `${(minor / 100).toFixed(2)} ${r.currency ?? ''}`;
  const range = (i: { low: number | null; high: number | null }) => (i.low === null || i.high === null ? '–' : `${m(i.low)} … ${m(i.high)}`);
  const a = r.store_area;
  const o = r.online;
  return (
    <>
      <p className="verdict">{r.verdict}</p>
      <div className="cards">
        <Card title={t('map')}>
          <StoreMap r={r} />
        </Card>
        <Card title={t('storeArea')}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">{t('period')}</th>
                <th scope="col">{t('treatedArea')}</th>
                <th scope="col">{t('matchedAreas')}</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">
                  {t('before')} ({r.periods.before.first_day} – {r.periods.before.last_day})
                </th>
                <td>{m(a.treated.before_per_day_minor)}</td>
                <td>{m(a.matched.before_per_day_minor)}</td>
              </tr>
              <tr>
                <th scope="row">
                  {t('after')} ({r.periods.after.first_day} – {r.periods.after.last_day})
                </th>
                <td>{m(a.treated.after_per_day_minor)}</td>
                <td>{m(a.matched.after_per_day_minor)}</td>
              </tr>
            </tbody>
          </table>
          <p>
            {t('estimate')}: {m(a.did_per_day_minor.estimate)} · {t('interval')}: {range(a.did_per_day_minor)}
          </p>
        </Card>
        <Card title={t('online')}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col" />
                <th scope="col">{t('consumers')}</th>
                <th scope="col">{t('before')}</th>
                <th scope="col">{t('after')}</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">{t('seenThere')}</th>
                <td>{o.treated_consumers}</td>
                <td>{m(o.treated.before_minor)}</td>
                <td>{m(o.treated.after_minor)}</td>
              </tr>
              <tr>
                <th scope="row">{t('seenMatched')}</th>
                <td>{o.matched_consumers}</td>
                <td>{m(o.matched.before_minor)}</td>
                <td>{m(o.matched.after_minor)}</td>
              </tr>
            </tbody>
          </table>
          {o.did_per_consumer_minor !== null && (
            <p>
              {t('estimate')}: {m(o.did_per_consumer_minor.estimate)} · {t('interval')}: {range(o.did_per_consumer_minor)}
            </p>
          )}
        </Card>
      </div>
    </>
  );
}

/**
 * The stores on a plain equirectangular projection (longitude scaled by the cosine of the mean
 * latitude, so distances look right at city scale), each area's radius drawn as a circle. No
 * tiles: the console works offline.
 */
function StoreMap({ r }: { r: GeoLift }) {
  const points = [{ id: '@place', name: r.place.name ?? '', latitude: r.place.latitude, longitude: r.place.longitude, kind: 'place' as const }, ...r.matched_stores.map((s) => ({ ...s, kind: 'matched' as const })), ...r.treated_stores.filter((s) => s.id !== r.place.location_id).map((s) => ({ ...s, kind: 'treated' as const }))];
  const meanLat = points.reduce((s, p) => s + p.latitude, 0) / points.length;
  const kx = 111.32 * Math.cos((meanLat * Math.PI) / 180);
  const ky = 110.57;
  const xs = points.map((p) => p.longitude * kx);
  const ys = points.map((p) => -p.latitude * ky);
  const pad = r.radius_km * 1.2;
  const minX = Math.min(...xs) - pad;
  const minY = Math.min(...ys) - pad;
  const w = Math.max(...xs) + pad - minX;
  const h = Math.max(...ys) + pad - minY;
  const size = Math.max(w, h);
  return (
    <svg role="img" viewBox={`${minX} ${minY} ${size} ${size}`} width="100%" style={{ maxHeight: 420 }}>
      {points.map((p, i) => (
        <g key={p.id}>
          {p.kind !== 'treated' && <circle cx={xs[i]} cy={ys[i]} r={r.radius_km} fill={p.kind === 'place' ? 'rgba(220, 38, 38, 0.15)' : 'rgba(37, 99, 235, 0.1)'} stroke={p.kind === 'place' ? '#dc2626' : '#2563eb'} strokeWidth={size / 400} />}
          <circle cx={xs[i]} cy={ys[i]} r={size / 120} fill={p.kind === 'place' ? '#dc2626' : p.kind === 'treated' ? '#f97316' : '#2563eb'} />
          <text x={xs[i]! + size / 80} y={ys[i]} fontSize={size / 40}>
            {p.name}
          </text>
        </g>
      ))}
    </svg>
  );
}
