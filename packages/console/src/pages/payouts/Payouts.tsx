import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/PageHeader';
import { BalanceSection } from './Balance';
import { PaymentsSection } from './PaymentsList';
import { PayoutsSection } from './PayoutsList';
import './payouts.css';

/**
 * The seller's money: the balance per currency (available, held in escrow, paid out), the
 * payouts with their statements, and the buyers' latest payments. Each section asks for its own
 * scope, so a role that may see payments but not payouts still sees what it may.
 */
export default function PayoutsPage() {
  const { t } = useTranslation('payouts');
  return (
    <>
      <PageHeader title={t('title')}>
        <p className="muted">{t('subtitle')}</p>
      </PageHeader>
      <p className="payouts-escrow" data-testid="escrow-explain">
        {t('escrowExplain')}
      </p>
      <BalanceSection />
      <PayoutsSection />
      <PaymentsSection />
    </>
  );
}
