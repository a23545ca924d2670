import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, OpenBosError, unwrap, type Schemas } from '../../api';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { Dialog } from '../../components/Dialog';
import { TextField } from '../../components/Field';
import { useFocusFirstField } from '../../components/focus';
import { FormActions } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import type { OrderDetail } from './OrderActions';
import { ProblemAlert } from './ProblemAlert';

type Shipment = Schemas['Shipment'];
/** Statuses after which the carrier sends nothing more. */
const settled: readonly Shipment['status'][] = ['delivered', 'returned', 'lost', 'cancelled'];

/**
 * The order's parcels shipped by carrier (GET /v1/shipments?order_id=): carrier, tracking number,
 * status, promise, the carrier's tracking timeline and why the router chose that carrier. A paid
 * order not shipped yet can be shipped by carrier from here (POST /v1/orders/{id}/shipments).
 */
export function ShipmentsCard({ order }: { order: OrderDetail }) {
  const { t } = useTranslation('orders');
  const { can } = useSession();
  const [open, setOpen] = useState(false);
  const query = useQuery({
    queryKey: ['order-shipments', order.id],
    queryFn: () => unwrap(bos.GET('/v1/shipments', { params: { query: { order_id: order.id, limit: 10 } } })),
    enabled: can('shipments:read'),
    // The carrier's webhooks move a parcel along on their own: look again while one is on its way.
    refetchInterval: (q) => (q.state.data?.data.some((s) => !settled.includes(s.status)) === true ? 15_000 : false),
  });
  const shipments = query.data?.data ?? [];
  const canShip = order.status === 'paid' && can('shipments:write') && query.isSuccess && shipments.every((s) => s.status === 'cancelled' || s.direction === 'return');
  if (!can('shipments:read')) return null;
  return (
    <Card title={t('shipments.title')} className="order-shipments">
      {query.isError && <ProblemAlert error={query.error} />}
      {query.isSuccess && shipments.length === 0 && <p className="muted">{t('shipments.none')}</p>}
      {shipments.map((s) => (
        <ShipmentView key={s.id} shipment={s} />
      ))}
      {canShip && (
        <p>
          <button type="button" className="primary" aria-haspopup="dialog" onClick={() => setOpen(true)}>
            {t('shipments.ship')}
          </button>
        </p>
      )}
      <Dialog open={open} title={t('shipments.dialog.title')} onClose={() => setOpen(false)}>
        {open && <ShipForm order={order} onDone={() => setOpen(false)} />}
      </Dialog>
    </Card>
  );
}

function ShipmentView({ shipment: s }: { shipment: Shipment }) {
  const { t, i18n } = useTranslation('orders');
  const f = useFormat();
  const percent = new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 0 });
  return (
    <div className="shipment" data-testid="shipment">
      <dl className="facts">
        <dt>{t('shipments.direction')}</dt>
        <dd data-testid="shipment-direction">{s.direction === 'return' ? <span className="badge badge-return">{t('shipments.directionName.return')}</span> : t('shipments.directionName.outbound')}</dd>
        <dt>{t('shipments.carrier')}</dt>
        <dd data-testid="shipment-carrier">{s.carrier}</dd>
        <dt>{t('shipments.trackingNumber')}</dt>
        <dd className="mono">{s.tracking_number ?? <span className="muted">{t('shipments.noTracking')}</span>}</dd>
        <dt>{t('shipments.status')}</dt>
        <dd data-testid="shipment-status">
          <span className={`badge badge-${s.status}`}>{t(`shipments.statusName.${s.status}`)}</span>
          {s.overdue && (
            <>
              {' '}
              <span className="badge badge-overdue">{t('shipments.overdue')}</span>
            </>
          )}
        </dd>
        <dt>{t('shipments.promisedBy')}</dt>
        <dd>{f.dateTime(s.promised_by)}</dd>
        {s.delivered_at !== null && (
          <>
            <dt>{t('shipments.deliveredAt')}</dt>
            <dd>{f.dateTime(s.delivered_at)}</dd>
          </>
        )}
      </dl>
      <h3>{t('shipments.timeline')}</h3>
      {s.timeline.length === 0 ? (
        <p className="muted">{t('shipments.noEvents')}</p>
      ) : (
        <ol className="shipment-timeline" data-testid="shipment-timeline">
          {s.timeline.map((e) => (
            <li key={e.event_id}>
              <strong>{t(`shipments.statusName.${e.status}`)}</strong> <span className="muted">{f.dateTime(e.occurred_at)}</span>
              {e.description !== null && e.description !== '' && <span className="muted"> · {e.description}</span>}
            </li>
          ))}
        </ol>
      )}
      <h3>{t('shipments.routing')}</h3>
      <p data-testid="shipment-reason">{s.routing.reason}</p>
      <DataTable
        caption={t('shipments.candidates')}
        rows={s.routing.candidates}
        rowKey={(c) => c.lane}
        columns={[
          { label: t('shipments.carrier'), cell: (c) => (c.carrier === s.carrier ? <strong>{c.carrier}</strong> : c.carrier) },
          { label: t('shipments.price'), num: true, cell: (c) => f.money(c.price_minor, s.currency) },
          { label: t('shipments.pOnTime'), num: true, cell: (c) => percent.format(c.p_on_time) },
          { label: t('shipments.expectedCost'), num: true, cell: (c) => f.money(Math.round(c.expected_cost_minor), s.currency) },
        ]}
      />
    </div>
  );
}

/** Destination and weight of the parcel; the destination starts at the delivery address's coordinates. */
function ShipForm({ order, onDone }: { order: OrderDetail; onDone: () => void }) {
  const { t } = useTranslation('orders');
  const queryClient = useQueryClient();
  const notify = useNotify();
  const formRef = useFocusFirstField();
  const address = order.delivery?.address ?? null;
  const [latitude, setLatitude] = useState(address?.latitude?.toString() ?? '');
  const [longitude, setLongitude] = useState(address?.longitude?.toString() ?? '');
  const [weight, setWeight] = useState('1000');
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [key] = useState(idempotencyKey);
  const mutation = useMutation({
    mutationFn: (body: { destination: { latitude: number; longitude: number }; weight_g: number }) => unwrap(bos.POST('/v1/orders/{order_id}/shipments', { params: { path: { order_id: order.id } }, body, headers: key })),
    onSuccess: (shipment) => {
      void queryClient.invalidateQueries({ queryKey: ['order-shipments', order.id] });
      void queryClient.invalidateQueries({ queryKey: ['order', order.id] });
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      notify('success', t('shipments.done', { carrier: shipment.carrier }));
      onDone();
    },
  });
  const serverFields = mutation.error instanceof OpenBosError ? mutation.error.fieldErrors() : {};

  function submit(event: FormEvent) {
    event.preventDefault();
    const problems: Record<string, string> = {};
    const lat = Number(latitude.trim());
    const lng = Number(longitude.trim());
    const grams = Number(weight.trim());
    if (latitude.trim() === '' || !Number.isFinite(lat) || lat < -90 || lat > 90) problems.latitude = t('shipments.dialog.latitudeInvalid');
    if (longitude.trim() === '' || !Number.isFinite(lng) || lng < -180 || lng > 180) problems.longitude = t('shipments.dialog.longitudeInvalid');
    if (!Number.isInteger(grams) || grams < 1 || grams > 70_000) problems.weight = t('shipments.dialog.weightInvalid');
    setInvalid(problems);
    if (Object.keys(problems).length === 0) mutation.mutate({ destination: { latitude: lat, longitude: lng }, weight_g: grams });
  }

  return (
    <form ref={formRef} onSubmit={submit} noValidate>
      <p>{t('shipments.dialog.body')}</p>
      <TextField label={t('shipments.dialog.latitude')} hint={address?.latitude != null ? t('shipments.dialog.fromAddress') : undefined} name="latitude" inputMode="decimal" autoComplete="off" required value={latitude} error={invalid.latitude ?? serverFields['destination.latitude']} onChange={(e) => setLatitude(e.target.value)} />
      <TextField label={t('shipments.dialog.longitude')} name="longitude" inputMode="decimal" autoComplete="off" required value={longitude} error={invalid.longitude ?? serverFields['destination.longitude']} onChange={(e) => setLongitude(e.target.value)} />
      <TextField label={t('shipments.dialog.weight')} name="weight_g" inputMode="numeric" autoComplete="off" required value={weight} error={invalid.weight ?? serverFields.weight_g} onChange={(e) => setWeight(e.target.value)} />
      <ProblemAlert error={mutation.error} />
      <FormActions onCancel={onDone} busy={mutation.isPending} busyLabel={t('working')} submitLabel={t('shipments.dialog.submit')} />
    </form>
  );
}
