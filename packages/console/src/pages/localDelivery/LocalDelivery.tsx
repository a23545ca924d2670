import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { locationsQuery } from '../stock/api';
import { addRider, boardQuery, dispatchRoute, markDelivered, markFailed, planRoutes, type Board, type LocalRoute, type Stop } from './api';
import { RouteMap } from './RouteMap';
// The map's look (grid, legend, labels) is the locations map's.
import '../stock/stock.css';
import './localDelivery.css';

/**
 * A store's local-delivery desk: the packed express orders waiting for a rider (and why the last
 * plan left any), the riders, Plan, and each route's stops in order with their ETA against the
 * promise, on a map; Dispatch when the rider leaves, Delivered or Failed at each door.
 */
export default function LocalDelivery() {
  const { t } = useTranslation('localDelivery');
  const [params, setParams] = useSearchParams();
  const locations = useQuery(locationsQuery);
  const stores = (locations.data ?? []).filter((l) => l.kind === 'store' && l.active);
  const store = params.get('store') ?? stores[0]?.id ?? '';
  const queryClient = useQueryClient();
  const notify = useNotify();
  const plan = useMutation({
    mutationFn: () => planRoutes(store),
    onSuccess: (result) => {
      notify('success', t('planned', { routes: result.routes.length, unplanned: result.unplanned.length }));
      void queryClient.invalidateQueries({ queryKey: ['local-delivery', store] });
    },
    onError: (error) => notify('error', error.message),
  });
  return (
    <>
      <PageHeader
        title={t('title')}
        actions={
          store !== '' && (
            <button type="button" className="primary" disabled={plan.isPending} onClick={() => plan.mutate()}>
              {plan.isPending ? t('planning') : t('plan')}
            </button>
          )
        }
      >
        <p className="muted">{t('intro')}</p>
      </PageHeader>
      <QueryState query={locations} isEmpty={() => stores.length === 0} empty={t('noStores')}>
        {() => (
          <>
            <label className="ld-store">
              {t('store')}{' '}
              <select value={store} onChange={(e) => setParams({ store: e.target.value })}>
                {stores.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
            {store !== '' && <StoreDesk location_id={store} />}
          </>
        )}
      </QueryState>
    </>
  );
}

function StoreDesk({ location_id }: { location_id: string }) {
  const { t } = useTranslation('localDelivery');
  const board = useQuery(boardQuery(location_id));
  return (
    <QueryState query={board}>
      {(b) => (
        <div className="ld-grid">
          <Card title={t('map')} className="ld-map">
            <RouteMap board={b} />
          </Card>
          <Waiting board={b} />
          <Riders board={b} location_id={location_id} />
          <Card title={t('routes')} className="ld-routes">
            {b.routes.length === 0 ? <p className="muted">{t('noRoutes')}</p> : b.routes.map((r) => <RouteCard key={r.id} route={r} location_id={location_id} />)}
          </Card>
        </div>
      )}
    </QueryState>
  );
}

function Waiting({ board }: { board: Board }) {
  const { t } = useTranslation('localDelivery');
  const f = useFormat();
  return (
    <Card title={t('waiting')} className="ld-waiting">
      {board.waiting.length === 0 ? (
        <p className="muted">{t('noneWaiting')}</p>
      ) : (
        <DataTable
          caption={t('waitingCaption')}
          rows={board.waiting}
          rowKey={(w) => w.fulfilment_id}
          testId="ld-waiting"
          columns={[
            { label: t('order'), rowHeader: true, cell: (w) => <Link to={`/orders/${w.order_id}`} className="mono">{w.order_id}</Link> },
            { label: t('promisedBy'), cell: (w) => (w.promised_by === null ? '—' : f.dateTime(w.promised_by)) },
            { label: t('state'), cell: (w) => (w.planned ? t('onRoute') : <span className={w.hold_reason === null ? 'muted' : 'ld-hold'}>{w.hold_reason ?? t('notPlanned')}</span>) },
          ]}
        />
      )}
    </Card>
  );
}

function Riders({ board, location_id }: { board: Board; location_id: string }) {
  const { t } = useTranslation('localDelivery');
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const add = useMutation({
    mutationFn: () => addRider(location_id, name.trim(), phone.trim()),
    onSuccess: (r) => {
      notify('success', t('riderAdded', { name: r.name }));
      setName('');
      setPhone('');
      void queryClient.invalidateQueries({ queryKey: ['local-delivery', location_id] });
    },
    onError: (error) => notify('error', error.message),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <Card title={t('riders')} className="ld-riders">
      {board.riders.length === 0 ? (
        <p className="muted">{t('noRiders')}</p>
      ) : (
        <DataTable
          caption={t('ridersCaption')}
          rows={board.riders}
          rowKey={(r) => r.id}
          columns={[
            { label: t('name'), rowHeader: true, cell: (r) => r.name },
            { label: t('phone'), cell: (r) => <span className="mono">{r.phone}</span> },
            { label: t('state'), cell: (r) => (!r.active ? t('riderOff') : r.out ? t('riderOut') : t('riderFree')) },
          ]}
        />
      )}
      <form className="ld-add-rider" onSubmit={submit}>
        <input aria-label={t('name')} placeholder={t('name')} value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        <input aria-label={t('phone')} placeholder="+86 139 0000 0000" value={phone} onChange={(e) => setPhone(e.target.value)} required maxLength={40} />
        <button type="submit" disabled={add.isPending}>
          {t('addRider')}
        </button>
      </form>
    </Card>
  );
}

function Spare({ stop }: { stop: Stop }) {
  const { t } = useTranslation('localDelivery');
  if (stop.minutes_to_spare === null) return <>—</>;
  return stop.minutes_to_spare >= 0 ? <span className="ld-ok">{t('spareMinutes', { n: stop.minutes_to_spare })}</span> : <span className="ld-late">{t('late', { n: -stop.minutes_to_spare })}</span>;
}

function RouteCard({ route, location_id }: { route: LocalRoute; location_id: string }) {
  const { t } = useTranslation('localDelivery');
  const f = useFormat();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['local-delivery', location_id] });
    void queryClient.invalidateQueries({ queryKey: ['orders'] });
  };
  const act = useMutation({
    mutationFn: (a: { kind: 'dispatch' } | { kind: 'delivered' | 'failed'; fulfilment_id: string; reason?: string }) =>
      a.kind === 'dispatch' ? dispatchRoute(route.id) : a.kind === 'delivered' ? markDelivered(route.id, a.fulfilment_id) : markFailed(route.id, a.fulfilment_id, a.reason ?? ''),
    onSuccess: (_r, a) => {
      notify('success', t(a.kind === 'dispatch' ? 'dispatched' : a.kind === 'delivered' ? 'markedDelivered' : 'markedFailed'));
      refresh();
    },
    onError: (error) => {
      notify('error', error.message);
      refresh();
    },
  });
  const fail = (fulfilment_id: string) => {
    const reason = window.prompt(t('failReason'), t('failDefault'));
    if (reason !== null && reason.trim() !== '') act.mutate({ kind: 'failed', fulfilment_id, reason: reason.trim() });
  };
  return (
    <section className={`ld-route ld-route-${route.status}`} data-testid="ld-route" aria-label={route.rider_name}>
      <header>
        <h3>
          {t('routeTitle', { rider: route.rider_name, km: f.number(Math.round(route.distance_m / 100) / 10), stops: route.stops.length })} <span className={`badge badge-${route.status}`}>{t(`routeStatus.${route.status}`)}</span>
        </h3>
        <span className="muted">{t('departBack', { depart: f.dateTime(route.depart_at), back: f.dateTime(route.back_at) })}</span>
        {route.status === 'planned' && (
          <button type="button" className="primary" disabled={act.isPending} onClick={() => act.mutate({ kind: 'dispatch' })}>
            {t('dispatch')}
          </button>
        )}
      </header>
      <DataTable
        caption={t('stopsCaption', { rider: route.rider_name })}
        rows={route.stops}
        rowKey={(s) => s.fulfilment_id}
        columns={[
          { label: t('seq'), num: true, cell: (s) => s.sequence },
          { label: t('order'), rowHeader: true, cell: (s) => <Link to={`/orders/${s.order_id}`} className="mono">{s.order_id}</Link> },
          { label: t('eta'), cell: (s) => f.dateTime(s.eta) },
          { label: t('promisedBy'), cell: (s) => (s.promised_by === null ? '—' : f.dateTime(s.promised_by)) },
          { label: t('spare'), cell: (s) => <Spare stop={s} /> },
          { label: t('state'), cell: (s) => <>{t(`stopStatus.${s.status}`)}{s.reason === null ? '' : ` · ${s.reason}`}</> },
          {
            label: t('actions'),
            hidden: true,
            cell: (s) =>
              route.status === 'out' && s.status === 'pending' ? (
                <span className="ld-actions">
                  <button type="button" disabled={act.isPending} onClick={() => act.mutate({ kind: 'delivered', fulfilment_id: s.fulfilment_id })}>
                    {t('delivered')}
                  </button>
                  <button type="button" disabled={act.isPending} onClick={() => fail(s.fulfilment_id)}>
                    {t('failed')}
                  </button>
                </span>
              ) : null,
          },
        ]}
      />
    </section>
  );
}
