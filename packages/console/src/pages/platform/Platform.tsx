import { useTranslation } from 'react-i18next';
import { PageHeader } from '../../components/PageHeader';
import { NotAllowed } from '../../components/NotAllowed';
import { useSession } from '../../session';
import { DisputesSection } from './Disputes';
import { SellerBalancesSection } from './SellerBalances';
import './platform.css';

/**
 * The platform operator's desk: the disputes waiting for a decision, and what the platform owes
 * every seller. Only people of the operator's own account hold `platform:read`; the navigation
 * shows this page to no one else, and the server refuses everyone else anyway.
 */
export default function PlatformPage() {
  const { t } = useTranslation('platform');
  const { can } = useSession();
  return (
    <>
      <PageHeader title={t('title')}>
        <p className="muted">{t('subtitle')}</p>
      </PageHeader>
      {can('platform:read') ? (
        <>
          <DisputesSection />
          <SellerBalancesSection />
        </>
      ) : (
        <NotAllowed />
      )}
    </>
  );
}
