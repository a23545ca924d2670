import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Schemas } from '../../api';
import { DataTable } from '../../components/DataTable';
import { StatusBadge } from '../../components/StatusBadge';
import { localTitle, useFormat } from '../../format';

type Order = Schemas['OrderListItem'];

/**
 * One page of orders: each links to its detail, with its readable number beside its ID, the
 * store it ships from and its channel. With `selection`, a first column of checkboxes chooses
 * orders for the bulk action bar. The table scrolls sideways inside its frame on narrow screens
 * instead of clipping columns (orders.css).
 */
export function OrdersTable({ orders, busy, selection }: { orders: Order[]; busy: boolean; selection?: { selected: ReadonlySet<string>; toggle: (ids: string[], on: boolean) => void } }) {
  const { t } = useTranslation('orders');
  const f = useFormat();
  const allSelected = selection !== undefined && orders.length > 0 && orders.every((o) => selection.selected.has(o.id));
  return (
    <DataTable
      caption={t('table.caption')}
      rows={orders}
      rowKey={(o) => o.id}
      busy={busy}
      className="orders-table-wrap"
      tableClassName="orders-table"
      rowProps={(o) => ({ 'data-selected': selection?.selected.has(o.id) === true ? 'true' : undefined })}
      columns={[
        selection !== undefined && {
          label: (
            <input type="checkbox" aria-label={t('bulk.selectPage')} checked={allSelected} onChange={(e) => selection.toggle(orders.map((o) => o.id), e.target.checked)} />
          ),
          className: 'orders-select',
          cell: (o) => <input type="checkbox" aria-label={t('bulk.selectOne', { number: o.number })} checked={selection.selected.has(o.id)} onChange={(e) => selection.toggle([o.id], e.target.checked)} />,
        },
        {
          label: t('table.order'),
          rowHeader: true,
          className: 'orders-id',
          cell: (o) => (
            <>
              <span className="orders-number">#{o.number}</span>{' '}
              <Link to={`/orders/${o.id}`} className="mono orders-id-link">
                {o.id}
              </Link>
            </>
          ),
        },
        { label: t('table.placed'), className: 'orders-placed', cell: (o) => <time dateTime={o.created_at}>{f.dateTime(o.created_at)}</time> },
        { label: t('table.buyer'), className: 'orders-buyer', cell: (o) => o.buyer_email ?? <span className="muted">{t('table.noBuyerEmail')}</span> },
        { label: t('table.items'), className: 'orders-items-cell', cell: (o) => <ItemsSummary lines={o.lines} /> },
        { label: t('table.store'), className: 'orders-store', cell: (o) => (o.location === null ? <span className="muted">{t('table.noStore')}</span> : <span title={o.location.code}>{o.location.name}</span>) },
        { label: t('table.channel'), className: 'orders-channel', cell: (o) => t(`channel.${o.channel}`) },
        { label: t('table.total'), num: true, cell: (o) => f.money(o.total_minor, o.currency) },
        { label: t('table.status'), cell: (o) => <StatusBadge status={o.status} /> },
      ]}
    />
  );
}

function ItemsSummary({ lines }: { lines: Order['lines'] }) {
  const { t, i18n } = useTranslation('orders');
  const shown = lines.slice(0, 2);
  const more = lines.length - shown.length;
  const units = lines.reduce((sum, l) => sum + l.quantity, 0);
  return (
    <span className="orders-items">
      {shown.map((l) => t('table.itemLine', { quantity: l.quantity, title: localTitle(l, i18n.language) })).join(', ')}
      {more > 0 && <span className="muted"> {t('table.moreLines', { count: more })}</span>}
      <span className="muted orders-units"> · {t('table.units', { count: units })}</span>
    </span>
  );
}
