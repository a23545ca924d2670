import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap } from '../../api';
import { DataTable } from '../../components/DataTable';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { GuardedQueryState, newestFirst, NotAllowed, type Payout } from './shared';

/** The most the API gives in one answer; the list has no pages beyond it. */
const payouts_max = 100;

/** Every settlement paid to the seller, newest first, each with a link to its statement. */
export function PayoutsSection() {
  const { t } = useTranslation('payouts');
  const { can } = useSession();
  const allowed = can('payouts:read');
  const headingId = useId();
  const query = useQuery({
    queryKey: ['payouts', payouts_max],
    queryFn: () => unwrap(bos.GET('/v1/payouts', { params: { query: { limit: payouts_max } } })),
    enabled: allowed,
  });
  return (
    <section className="payouts-section" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('list.title')}</h2>
      {allowed ? (
        <GuardedQueryState query={query} isEmpty={(d) => d.data.length === 0} empty={t('list.empty')}>
          {(d) => (
            <>
              <PayoutsTable payouts={newestFirst(d.data)} />
              {d.data.length >= payouts_max && <p className="muted">{t('list.limited', { count: payouts_max })}</p>}
            </>
          )}
        </GuardedQueryState>
      ) : (
        <NotAllowed />
      )}
    </section>
  );
}

function PayoutsTable({ payouts }: { payouts: Payout[] }) {
  const { t } = useTranslation('payouts');
  const f = useFormat();
  return (
    <DataTable
      caption={t('list.caption')}
      captionVisible
      rows={payouts}
      rowKey={(p) => p.id}
      rowProps={(p) => ({ 'data-payout-id': p.id })}
      tableClassName="payouts-table"
      testId="payouts-table"
      columns={[
        { label: t('list.date'), rowHeader: true, className: 'payouts-row-head', cell: (p) => <time dateTime={p.created_at}>{f.dateTime(p.created_at)}</time> },
        { label: t('list.amount'), num: true, cell: (p) => <strong>{f.money(p.amount_minor, p.currency)}</strong> },
        { label: t('list.gross'), num: true, cell: (p) => f.money(p.gross_minor, p.currency) },
        { label: t('list.commission'), num: true, cell: (p) => f.money(p.commission_minor, p.currency) },
        { label: t('list.refunded'), num: true, cell: (p) => f.money(p.refunded_minor, p.currency) },
        {
          label: t('list.statement'),
          cell: (p) => (
            <>
              <Link to={`/payouts/${encodeURIComponent(p.id)}`} aria-label={t('list.viewStatementOf', { date: f.dateTime(p.created_at) })}>
                {t('list.viewStatement')}
              </Link>{' '}
              <span className="muted mono">{p.id}</span>
            </>
          ),
        },
      ]}
    />
  );

}
