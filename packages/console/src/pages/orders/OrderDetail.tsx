import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { bos, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { StatusBadge } from '../../components/StatusBadge';
import { localTitle, useFormat } from '../../format';
import { useSession } from '../../session';
import { EscrowCard } from './EscrowCard';
import { OrderActions, type OrderDetail } from './OrderActions';
import { OrderTimeline } from './OrderTimeline';
import { FulfilmentsCard } from './FulfilmentsCard';
import { ReturnsCard } from './ReturnsCard';
import { ShipmentsCard } from './ShipmentsCard';
import './orders.css';

export default function OrderDetailPage() {
  const { t } = useTranslation('orders');
  const { orderId = '' } = useParams();
  const { can } = useSession();
  const f = useFormat();
  const query = useQuery({
    queryKey: ['order', orderId],
    queryFn: (): Promise<OrderDetail> => unwrap(bos.GET('/v1/orders/{order_id}', { params: { path: { order_id: orderId } } })),
  });
  const order = query.data;
  return (
    <>
      <p className="order-back">
        <Link to="/orders">{t('detail.back')}</Link>
      </p>
      <PageHeader title={order === undefined ? t('detail.title', { id: orderId }) : t('detail.titleNumbered', { number: order.number })} actions={order !== undefined && can('orders:write') ? <OrderActions order={order} /> : undefined}>
        {order !== undefined && (
          <p className="order-summary-line">
            <StatusBadge status={order.status} />
            <span className="mono muted" data-testid="order-id">{order.id}</span>
            <span className="muted">{t('detail.placedAt', { time: f.dateTime(order.created_at) })}</span>
          </p>
        )}
      </PageHeader>
      <QueryState query={query}>{(o) => <OrderBody order={o} />}</QueryState>
    </>
  );
}

function OrderBody({ order }: { order: OrderDetail }) {
  const { can } = useSession();
  return (
    <div className="order-layout">
      <div className="order-main">
        <OrderLines order={order} />
        <FulfilmentsCard order={order} />
        <ShipmentsCard order={order} />
        <ReturnsCard order={order} />
        <OrderTimeline order={order} />
      </div>
      <div className="order-side">
        {can('payments:read') && <EscrowCard order={order} />}
        <BuyerCard order={order} />
        <FulfilmentCard order={order} />
      </div>
    </div>
  );
}

function OrderLines({ order }: { order: OrderDetail }) {
  const { t, i18n } = useTranslation('orders');
  const f = useFormat();
  const money = (minor: number) => f.money(minor, order.currency);
  return (
    <Card title={t('detail.lines')}>
      <DataTable
        rows={order.lines}
        rowKey={(l) => String(l.line_no)}
        columns={[
          { label: t('detail.product'), cell: (l) => <Link to={`/catalog/${l.product_id}`}>{localTitle(l, i18n.language)}</Link> },
          { label: t('detail.sku'), className: 'mono order-lines-sku', cell: (l) => l.sku },
          { label: t('detail.quantity'), num: true, cell: (l) => f.number(l.quantity) },
          { label: t('detail.unitPrice'), num: true, cell: (l) => money(l.unit_price_minor) },
          { label: t('detail.lineTotal'), num: true, cell: (l) => money(l.total_minor) },
        ]}
        footer={<OrderTotals order={order} />}
      />
    </Card>
  );
}

/** Subtotal, adjustments, total and any refund, under the order's lines. */
function OrderTotals({ order }: { order: OrderDetail }) {
  const { t } = useTranslation('orders');
  const f = useFormat();
  const money = (minor: number) => f.money(minor, order.currency);
  const refundOpen = order.status === 'refund_requested' || order.status === 'awaiting_return' || order.status === 'disputed';
  const row = (label: string, amount: string, testId?: string, className?: string) => (
    <tr className={className}>
      <th scope="row" colSpan={4}>
        {label}
      </th>
      <td className="num" data-testid={testId}>
        {amount}
      </td>
    </tr>
  );
  return (
    <tfoot className="order-totals">
      {row(t('detail.subtotal'), money(order.subtotal_minor))}
      {order.delivery_minor > 0 && row(t('detail.deliveryCharge'), money(order.delivery_minor), 'order-delivery-charge')}
      {order.total_minor !== order.subtotal_minor + order.delivery_minor && row(t('detail.adjustments'), money(order.total_minor - order.subtotal_minor - order.delivery_minor))}
      {row(t('detail.total'), money(order.total_minor), 'order-total', 'order-total')}
      {order.refund_amount_minor !== null &&
        (order.status === 'refunded' || refundOpen) &&
        row(order.status === 'refunded' ? t('detail.refunded') : t('detail.refundRequested'), order.status === 'refunded' ? `−${money(order.refund_amount_minor)}` : money(order.refund_amount_minor), 'order-refund')}
    </tfoot>
  );
}

function BuyerCard({ order }: { order: OrderDetail }) {
  const { t } = useTranslation('orders');
  return (
    <Card title={t('detail.buyer')}>
      <dl className="facts">
        <dt>{t('detail.buyerEmail')}</dt>
        <dd>{order.buyer_email === null ? <span className="muted">{t('detail.noBuyerEmail')}</span> : <a href={`mailto:${order.buyer_email}`}>{order.buyer_email}</a>}</dd>
        <dt>{t('detail.checkout')}</dt>
        <dd className="mono">{order.checkout_id}</dd>
      </dl>
    </Card>
  );
}

function FulfilmentCard({ order }: { order: OrderDetail }) {
  const { t } = useTranslation('orders');
  const f = useFormat();
  const { can } = useSession();
  const location = useQuery({
    queryKey: ['order-location', order.location_id],
    queryFn: () => unwrap(bos.GET('/v1/locations/{location_id}', { params: { path: { location_id: order.location_id } } })),
    enabled: can('locations:read'),
    staleTime: 5 * 60_000,
  });
  const place = location.data;
  return (
    <Card title={t('detail.fulfilment')}>
      <dl className="facts">
        <dt>{t('detail.location')}</dt>
        <dd>
          {place === undefined ? (
            <span className="mono">{location.isPending && location.fetchStatus !== 'idle' ? t('detail.locationLoading') : order.location_id}</span>
          ) : (
            <>
              {place.name} <span className="muted">({t(`detail.locationKind.${place.kind}`)})</span>
              <br />
              <span className="muted">{[place.address.line1, place.address.city, place.address.country].filter((x) => x !== '').join(', ')}</span>
            </>
          )}
        </dd>
        <dt>{t('detail.tracking')}</dt>
        <dd>{order.tracking_number === null ? <span className="muted">{order.shipped_at === null ? t('detail.notShipped') : t('detail.noTracking')}</span> : <span className="mono" data-testid="tracking-number">{order.tracking_number}</span>}</dd>
        {order.shipped_at !== null && (
          <>
            <dt>{t('detail.shippedAt')}</dt>
            <dd>{f.dateTime(order.shipped_at)}</dd>
          </>
        )}
        {order.status === 'awaiting_payment' && order.expires_at !== null && (
          <>
            <dt>{t('detail.expiresAt')}</dt>
            <dd>{f.dateTime(order.expires_at)}</dd>
          </>
        )}
        {order.delivery !== null && <DeliveryFacts order={order} delivery={order.delivery} />}
      </dl>
    </Card>
  );
}

/** The delivery chosen at checkout, with the recipient and address only the seller sees. */
function DeliveryFacts({ order, delivery }: { order: OrderDetail; delivery: NonNullable<OrderDetail['delivery']> }) {
  const { t } = useTranslation('orders');
  const f = useFormat();
  const promised = delivery.window_to ?? delivery.ready_by ?? delivery.deliver_by;
  const address = delivery.address;
  return (
    <>
      <dt>{t('detail.delivery')}</dt>
      <dd data-testid="delivery-kind">
        {t(`detail.deliveryKind.${delivery.kind}`)}
        {delivery.carrier !== null && <span className="muted"> · {delivery.carrier}</span>}
      </dd>
      {promised !== null && (
        <>
          <dt>{delivery.kind === 'pickup' ? t('detail.deliveryReadyBy') : t('detail.deliveryPromise')}</dt>
          <dd>{f.dateTime(promised)}</dd>
        </>
      )}
      <dt>{t('detail.deliveryPrice')}</dt>
      <dd>
        {f.money(delivery.price_minor, order.currency)}
        {delivery.price_minor > 0 && order.delivery_minor === 0 && <span className="muted"> ({t('detail.deliveryNotCharged')})</span>}
      </dd>
      <dt>{t('detail.recipient')}</dt>
      <dd data-testid="delivery-recipient">
        {delivery.erased ? (
          <span className="muted">{t('detail.recipientErased')}</span>
        ) : (
          <>
            {delivery.recipient.name}
            <br />
            <a href={`tel:${delivery.recipient.phone.replace(/[^+0-9]/g, '')}`}>{delivery.recipient.phone}</a>
          </>
        )}
      </dd>
      {address !== null && !delivery.erased && (
        <>
          <dt>{t('detail.deliveryAddress')}</dt>
          <dd>{[address.line1, address.city, address.postal_code, address.country].filter((x) => x !== null && x !== '').join(', ')}</dd>
        </>
      )}
    </>
  );
}
