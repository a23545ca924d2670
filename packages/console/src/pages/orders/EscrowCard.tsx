import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap, type Schemas } from '../../api';
import { Card } from '../../components/Card';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import type { OrderDetail } from './OrderActions';

type Payment = Schemas['Payment'];
const poll_ms = 1_500;
const polls_max = 40;

/** The payment that counts: the newest one that did not fail (a buyer may have retried a declined card). */
function primaryPayment(payments: readonly Payment[]): Payment | undefined {
  return payments.find((p) => p.status !== 'failed');
}

/**
 * Whether the money is still on its way to where the order says it should be: a payment the
 * provider has not confirmed, or an order completed or refunded whose escrow the server settles
 * a moment later. While it is, the card asks again every second and a half.
 */
function settling(order: OrderDetail, payments: readonly Payment[] | undefined): boolean {
  const payment = payments === undefined ? undefined : primaryPayment(payments);
  if (payment === undefined) return false;
  if (payment.status === 'processing' || payment.status === 'authorized') return true;
  if (payment.status === 'captured' && order.status === 'awaiting_payment') return true;
  return payment.status === 'captured' && (order.status === 'completed' || order.status === 'refunded');
}

/** Where the buyer's money is: held in escrow, released to the seller, or back with the buyer. */
export function EscrowCard({ order }: { order: OrderDetail }) {
  const { t } = useTranslation('orders');
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ['order-payments', order.id],
    queryFn: () => unwrap(bos.GET('/v1/payments', { params: { query: { order_id: order.id, limit: 20 } } })),
    refetchInterval: (q) => (settling(order, q.state.data?.data) && q.state.dataUpdateCount < polls_max ? poll_ms : false),
  });
  const primary = query.data === undefined ? undefined : primaryPayment(query.data.data);

  // The payment was captured but the order on screen is still unpaid: the order moved on too.
  const captured = primary?.status === 'captured' || primary?.status === 'released';
  useEffect(() => {
    if (captured && order.status === 'awaiting_payment') void queryClient.invalidateQueries({ queryKey: ['order', order.id] });
  }, [captured, order.status, order.id, queryClient]);

  return (
    <Card title={t('escrow.title')} className="escrow">
      <QueryState query={query}>{(data) => <EscrowBody order={order} payments={data.data} settling={settling(order, data.data)} />}</QueryState>
    </Card>
  );
}

function EscrowBody({ order, payments, settling }: { order: OrderDetail; payments: Payment[]; settling: boolean }) {
  const { t } = useTranslation('orders');
  const f = useFormat();
  const payment = primaryPayment(payments);
  const failed = payments.filter((p) => p.status === 'failed');
  const money = (minor: number) => f.money(minor, payment?.currency ?? order.currency);

  return (
    <>
      {payment === undefined ? (
        <p>{order.status === 'awaiting_payment' ? t('escrow.none') : order.status === 'closed' ? t('escrow.noneClosed') : t('escrow.noRecord')}</p>
      ) : (
        <>
          <p className="escrow-explain" data-testid="escrow-explain">
            {explain(order, payment, money, t)}
          </p>
          {settling && (
            <p className="muted" role="status">
              {t('escrow.settling')}
            </p>
          )}
          <dl className="facts">
            <dt>{t('escrow.status')}</dt>
            <dd>
              <span className={`badge escrow-badge escrow-badge-${payment.status}`}>{t(`escrow.paymentStatus.${payment.status}`, { defaultValue: payment.status })}</span>
            </dd>
            <dt>{t('escrow.paid')}</dt>
            <dd className="num-cell">{money(payment.amount_minor)}</dd>
            <dt>{t('escrow.held')}</dt>
            <dd className="num-cell" data-testid="escrow-held">
              {money(payment.status === 'captured' ? payment.amount_minor : 0)}
            </dd>
            <dt>{t('escrow.refunded')}</dt>
            <dd className="num-cell" data-testid="escrow-refunded">
              {money(payment.refund_amount_minor ?? 0)}
            </dd>
            <dt>{t('escrow.payout')}</dt>
            <dd>{payment.payout_id === null ? <span className="muted">{t('escrow.noPayout')}</span> : <span className="mono">{payment.payout_id}</span>}</dd>
            <dt>{t('escrow.payment')}</dt>
            <dd>
              <span className="mono">{payment.id}</span>
              <br />
              <span className="muted">{f.dateTime(payment.created_at)}</span>
            </dd>
          </dl>
        </>
      )}
      {failed.length > 0 && (
        <details className="escrow-attempts">
          <summary>{t('escrow.failedAttempts', { count: failed.length })}</summary>
          <ul>
            {failed.map((p) => (
              <li key={p.id}>
                <span className="mono">{p.id}</span> · {f.dateTime(p.created_at)} · {money(p.amount_minor)} · {p.failure_code ?? t('escrow.paymentStatus.failed')}
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

function explain(order: OrderDetail, payment: Payment, money: (minor: number) => string, t: (key: string, options?: Record<string, unknown>) => string): string {
  switch (payment.status) {
    case 'processing':
    case 'authorized':
      return t('escrow.explain.processing');
    case 'captured':
      if (order.status === 'refund_requested') return t('escrow.explain.heldRefundOpen');
      if (order.status === 'awaiting_return') return t('escrow.explain.heldAwaitingReturn');
      if (order.status === 'disputed') return t('escrow.explain.heldDisputed');
      if (order.status === 'completed' || order.status === 'refunded') return t('escrow.explain.heldSettling');
      return t('escrow.explain.held', { amount: money(payment.amount_minor), commission: money(payment.commission_minor), rate: `${payment.commission_bps / 100}%` });
    case 'released':
      return payment.payout_id === null ? t('escrow.explain.released') : t('escrow.explain.releasedPaidOut', { payout: payment.payout_id });
    case 'refunded':
      return payment.failure_code === 'order_closed_before_capture' ? t('escrow.explain.refundedLate') : t('escrow.explain.refunded', { amount: money(payment.refund_amount_minor ?? payment.amount_minor) });
    case 'partially_refunded':
      return t('escrow.explain.partiallyRefunded', { refunded: money(payment.refund_amount_minor ?? 0), kept: money(payment.amount_minor - (payment.refund_amount_minor ?? 0)) });
    default:
      return t('escrow.explain.other', { status: payment.status });
  }
}
