import { useTranslation } from 'react-i18next';
import { PageHeader } from '../components/PageHeader';

export default function PayoutsPage() {
  const { t } = useTranslation('payouts');
  return <PageHeader title={t('title')} />;
}
