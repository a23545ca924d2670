import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { bos, unwrap } from '../../api';
import { statuses, type Status } from './OrdersFilters';

/**
 * Tabs over the orders list, one per state with how many orders are in it (one request,
 * `GET /v1/orders/counts`). A tab is a link-like button that sets the state filter.
 */
export function OrdersTabs({ current, onSelect }: { current: Status | undefined; onSelect: (status: Status | undefined) => void }) {
  const { t } = useTranslation('orders');
  const { t: tc } = useTranslation();
  const counts = useQuery({ queryKey: ['orders', 'counts'], queryFn: () => unwrap(bos.GET('/v1/orders/counts')) });
  const count = (n: number | undefined) => (n === undefined ? '' : ` (${n})`);
  const tabs: { status: Status | undefined; label: string; n: number | undefined }[] = [
    { status: undefined, label: t('tabs.all'), n: counts.data?.all },
    ...statuses.map((s) => ({ status: s, label: tc(`status.${s}`), n: counts.data?.by_status[s] })),
  ];
  return (
    <nav className="orders-tabs" aria-label={t('tabs.label')}>
      {tabs.map((tab) => (
        <button key={tab.status ?? 'all'} type="button" className="orders-tab" aria-current={tab.status === current ? 'page' : undefined} onClick={() => onSelect(tab.status)}>
          {tab.label}
          <span className="orders-tab-count">{count(tab.n)}</span>
        </button>
      ))}
    </nav>
  );
}
