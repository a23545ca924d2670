import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Schemas } from '../../api';
import { DataTable } from '../../components/DataTable';
import { StatusBadge } from '../../components/StatusBadge';
import { useFormat } from '../../format';

type Order = Schemas['Order'];

/** One page of orders: each links to its detail. */
export function OrdersTable({ orders, busy }: { orders: Order[]; busy: boolean }) {
  const { t } = useTranslation('orders');
  const f = useFormat();
  return (
    <DataTable
      caption={t('table.caption')}
      rows={orders}
      rowKey={(o) => o.id}
      busy={busy}
      className="orders-table-wrap"
      tableClassName="orders-table"
      columns={[
        {
          label: t('table.order'),
          rowHeader: true,
          className: 'orders-id',
          cell: (o) => (
            <Link to={`/orders/${o.id}`} className="mono">
              {o.id}
            </Link>
          ),
        },
        { label: t('table.placed'), cell: (o) => <time dateTime={o.created_at}>{f.dateTime(o.created_at)}</time> },
        { label: t('table.buyer'), cell: (o) => o.buyer_email ?? <span className="muted">{t('table.noBuyerEmail')}</span> },
        { label: t('table.items'), cell: (o) => <ItemsSummary lines={o.lines} /> },
        { label: t('table.total'), num: true, cell: (o) => f.money(o.total_minor, o.currency) },
        { label: t('table.status'), cell: (o) => <StatusBadge status={o.status} /> },
      ]}
    />
  );
}

function ItemsSummary({ lines }: { lines: Order['lines'] }) {
  const { t } = useTranslation('orders');
  const shown = lines.slice(0, 2);
  const more = lines.length - shown.length;
  const units = lines.reduce((sum, l) => sum + l.quantity, 0);
  return (
    <span className="orders-items">
      {shown.map((l) => t('table.itemLine', { quantity: l.quantity, title: l.title })).join(', ')}
      {more > 0 && <span className="muted"> {t('table.moreLines', { count: more })}</span>}
      <span className="muted orders-units"> · {t('table.units', { count: units })}</span>
    </span>
  );
}
