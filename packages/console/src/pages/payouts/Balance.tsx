import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap } from '../../api';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { RequestPayout } from './RequestPayout';
import { GuardedQueryState, NotAllowed } from './shared';

interface CurrencyBalance {
  currency: string;
  available_minor: number;
  held_minor: number;
  paid_out_minor: number;
}

/** What the platform owes the seller, per currency: available, held in escrow, paid out so far. */
export function BalanceSection() {
  const { t } = useTranslation('payouts');
  const { can } = useSession();
  const allowed = can('payments:read');
  const headingId = useId();
  const query = useQuery({ queryKey: ['balance'], queryFn: () => unwrap(bos.GET('/v1/balance')), enabled: allowed });
  return (
    <section className="payouts-section" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('balance.title')}</h2>
      {allowed ? (
        <GuardedQueryState query={query} isEmpty={(d) => d.data.length === 0} empty={t('balance.empty')}>
          {(d) => d.data.map((b) => <BalanceCards key={b.currency} balance={b} named={d.data.length > 1} />)}
        </GuardedQueryState>
      ) : (
        <NotAllowed />
      )}
    </section>
  );
}

function BalanceCards({ balance: b, named }: { balance: CurrencyBalance; named: boolean }) {
  const { t } = useTranslation('payouts');
  const f = useFormat();
  const cards = [
    { key: 'available', label: t('balance.available'), hint: t('balance.availableHint'), minor: b.available_minor },
    { key: 'held', label: t('balance.held'), hint: t('balance.heldHint'), minor: b.held_minor },
    { key: 'paidOut', label: t('balance.paidOut'), hint: t('balance.paidOutHint'), minor: b.paid_out_minor },
  ];
  return (
    <div className="payouts-balance" role="group" aria-label={t('balance.currency', { currency: b.currency })}>
      {named && <h3>{t('balance.currency', { currency: b.currency })}</h3>}
      <div className="grid grid-3">
        {cards.map((c) => (
          <div key={c.key} className={`stat payouts-stat-${c.key}`}>
            <div className="label">{c.label}</div>
            <div className="value" data-testid={`balance-${c.key}-${b.currency}`}>
              {f.money(c.minor, b.currency)}
            </div>
            <div className="sub">{c.hint}</div>
            {c.key === 'available' && <RequestPayout currency={b.currency} available_minor={b.available_minor} />}
          </div>
        ))}
      </div>
    </div>
  );
}
