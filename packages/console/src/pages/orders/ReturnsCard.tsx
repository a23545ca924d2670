import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, unwrap, type Schemas } from '../../api';
import { Card } from '../../components/Card';
import { useNotify } from '../../components/Notices';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import type { OrderDetail } from './OrderActions';
import { ProblemAlert } from './ProblemAlert';

type Return = Schemas['Return'];

/**
 * The goods coming back for a refund (GET /v1/orders/{id}/returns): where each return goes, its
 * return shipment (tracked in the shipments card), and, while it is on its way, the store's
 * 'Receive return' (POST /v1/returns/{id}/receive, everything that left): the goods go back on
 * the shelf, and once all are in the order is refunded.
 */
export function ReturnsCard({ order }: { order: OrderDetail }) {
  const { t } = useTranslation('orders');
  const { can } = useSession();
  const query = useQuery({
    queryKey: ['order-returns', order.id],
    queryFn: () => unwrap(bos.GET('/v1/orders/{order_id}/returns', { params: { path: { order_id: order.id } } })),
    enabled: can('orders:read'),
  });
  const returns = query.data?.data ?? [];
  if (!can('orders:read') || (query.isSuccess && returns.length === 0)) return null;
  return (
    <Card title={t('returns.title')} className="order-returns">
      {query.isError && <ProblemAlert error={query.error} />}
      {returns.map((r) => (
        <ReturnView key={r.id} order={order} ret={r} />
      ))}
    </Card>
  );
}

function ReturnView({ order, ret: r }: { order: OrderDetail; ret: Return }) {
  const { t } = useTranslation('orders');
  const f = useFormat();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const mutation = useMutation({
    mutationFn: () => unwrap(bos.POST('/v1/returns/{return_id}/receive', { params: { path: { return_id: r.id } }, body: {}, headers: idempotencyKey() })),
    onSuccess: (received) => {
      for (const key of ['order-returns', 'order', 'order-payments', 'order-shipments']) void queryClient.invalidateQueries({ queryKey: [key, order.id] });
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      notify('success', `${t('returns.received')} ${t(`returns.outcome.${received.order_outcome}`)}`);
    },
  });
  return (
    <div className="return" data-testid="return">
      <dl className="facts">
        <dt>{t('returns.status')}</dt>
        <dd data-testid="return-status">
          <span className={`badge badge-${r.status}`}>{t(`returns.statusName.${r.status}`)}</span>
        </dd>
        <dt>{t('returns.location')}</dt>
        <dd className="mono">{r.location_id}</dd>
        <dt>{t('returns.shipment')}</dt>
        <dd>{r.shipment_id !== null ? <span className="mono">{r.shipment_id}</span> : <span className="muted">{t('returns.noShipment')}</span>}</dd>
        <dt>{t('returns.lines')}</dt>
        <dd>{r.lines.map((l) => `${l.sku} × ${l.returned_quantity ?? l.fulfilled_quantity}`).join(', ')}</dd>
        {r.received_at !== null && (
          <>
            <dt>{t('returns.receivedAt')}</dt>
            <dd>{f.dateTime(r.received_at)}</dd>
          </>
        )}
      </dl>
      {r.status === 'awaiting' && can('fulfilments:write') && (
        <p>
          <button type="button" className="primary" disabled={mutation.isPending} onClick={() => mutation.mutate()}>
            {mutation.isPending ? t('working') : t('returns.receive')}
          </button>
        </p>
      )}
      {mutation.isError && <ProblemAlert error={mutation.error} />}
    </div>
  );
}
