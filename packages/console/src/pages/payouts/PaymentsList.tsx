import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap } from '../../api';
import { DataTable } from '../../components/DataTable';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { GuardedQueryState, NotAllowed, PaymentBadge, type Payment } from './shared';

/** The API answers at most 100 payments, newest first; "Show more" widens the window in steps. */
const limits = [25, 50, 100] as const;

/** The buyers' latest payments: where each one's money is, and in which payout it went out. */
export function PaymentsSection() {
  const { t } = useTranslation('payouts');
  const { can } = useSession();
  const allowed = can('payments:read');
  const headingId = useId();
  const [step, setStep] = useState(0);
  const limit = limits[step] ?? limits[0];
  const query = useQuery({
    queryKey: ['payments', { limit }],
    queryFn: () => unwrap(bos.GET('/v1/payments', { params: { query: { limit } } })),
    enabled: allowed,
    placeholderData: keepPreviousData,
  });
  return (
    <section className="payouts-section" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('payments.title')}</h2>
      {allowed ? (
        <GuardedQueryState query={query} isEmpty={(d) => d.data.length === 0} empty={t('payments.empty')}>
          {(d) => (
            <>
              <PaymentsTable payments={d.data} busy={query.isPlaceholderData} />
              <div className="payouts-more">
                <p className="muted" role="status">
                  {query.isPlaceholderData ? t('payments.loadingMore') : t('payments.shown', { count: d.data.length })}
                </p>
                {d.data.length >= limit && step < limits.length - 1 && (
                  <button type="button" onClick={() => setStep((s) => s + 1)} disabled={query.isPlaceholderData}>
                    {t('payments.showMore')}
                  </button>
                )}
              </div>
            </>
          )}
        </GuardedQueryState>
      ) : (
        <NotAllowed />
      )}
    </section>
  );
}

function PaymentsTable({ payments, busy }: { payments: Payment[]; busy: boolean }) {
  const { t } = useTranslation('payouts');
  const f = useFormat();
  const { can } = useSession();
  const canSeePayouts = can('payouts:read');
  return (
    <DataTable
      caption={t('payments.caption')}
      captionVisible
      rows={payments}
      rowKey={(p) => p.id}
      rowProps={(p) => ({ 'data-payment-id': p.id })}
      busy={busy}
      className="payouts-table-wrap"
      tableClassName="payouts-table"
      testId="payments-table"
      columns={[
        { label: t('payments.date'), cell: (p) => <time dateTime={p.created_at}>{f.dateTime(p.created_at)}</time> },
        {
          label: t('payments.orderAndPayment'),
          cell: (p) => (
            <>
              <Link to={`/orders/${encodeURIComponent(p.order_id)}`} className="mono">
                {p.order_id}
              </Link>
              <br />
              <span className="mono muted payouts-payment-id" aria-hidden="true">
                {p.id}
              </span>
              <span className="visually-hidden">{t('payments.paymentIs', { id: p.id })}</span>
            </>
          ),
        },
        { label: t('payments.amount'), num: true, cell: (p) => f.money(p.amount_minor, p.currency) },
        { label: t('payments.status'), cell: (p) => <PaymentBadge status={p.status} /> },
        { label: t('payments.refunded'), num: true, cell: (p) => (p.refund_amount_minor !== null && p.refund_amount_minor > 0 ? f.money(p.refund_amount_minor, p.currency) : <Nothing />) },
        { label: t('payments.payout'), cell: (p) => <PayoutCell payment={p} linked={canSeePayouts} /> },
      ]}
    />
  );

}

/** The payout a payment went out in, or why it has none yet. */
function PayoutCell({ payment: p, linked }: { payment: Payment; linked: boolean }) {
  const { t } = useTranslation('payouts');
  if (p.payout_id !== null) {
    return linked ? (
      <Link to={`/payouts/${encodeURIComponent(p.payout_id)}`} className="mono">
        {p.payout_id}
      </Link>
    ) : (
      <span className="mono">{p.payout_id}</span>
    );
  }
  switch (p.status) {
    case 'released':
    case 'partially_refunded':
      return <span className="muted">{t('payments.notYetPaidOut')}</span>;
    case 'processing':
    case 'authorized':
    case 'captured':
      return <span className="muted">{t('payments.inEscrow')}</span>;
    default:
      return <Nothing />;
  }
}

/** An empty cell that a screen reader still reads as "none". */
function Nothing() {
  const { t } = useTranslation('payouts');
  return (
    <>
      <span className="muted" aria-hidden="true">
        —
      </span>
      <span className="visually-hidden">{t('payments.none')}</span>
    </>
  );
}
