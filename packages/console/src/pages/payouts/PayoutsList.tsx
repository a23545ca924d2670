import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap } from '../../api';
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
    <div className="table-wrap">
      <table className="payouts-table" data-testid="payouts-table">
        <caption>{t('list.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('list.date')}</th>
            <th scope="col" className="num">
              {t('list.amount')}
            </th>
            <th scope="col" className="num">
              {t('list.gross')}
            </th>
            <th scope="col" className="num">
              {t('list.commission')}
            </th>
            <th scope="col" className="num">
              {t('list.refunded')}
            </th>
            <th scope="col">{t('list.statement')}</th>
          </tr>
        </thead>
        <tbody>
          {payouts.map((p) => {
            const date = f.dateTime(p.created_at);
            return (
              <tr key={p.id} data-payout-id={p.id}>
                <th scope="row" className="payouts-row-head">
                  <time dateTime={p.created_at}>{date}</time>
                </th>
                <td className="num">
                  <strong>{f.money(p.amount_minor, p.currency)}</strong>
                </td>
                <td className="num">{f.money(p.gross_minor, p.currency)}</td>
                <td className="num">{f.money(p.commission_minor, p.currency)}</td>
                <td className="num">{f.money(p.refunded_minor, p.currency)}</td>
                <td>
                  <Link to={`/payouts/${encodeURIComponent(p.id)}`} aria-label={t('list.viewStatementOf', { date })}>
                    {t('list.viewStatement')}
                  </Link>{' '}
                  <span className="muted mono">{p.id}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
