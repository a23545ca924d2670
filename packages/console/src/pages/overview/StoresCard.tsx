import { useTranslation } from 'react-i18next';
import type { Schemas } from '../../api';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { useFormat } from '../../format';
import { useAgo } from './ago';

type Report = Schemas['StoresReport'];
type Store = Report['stores'][number];
type Channel = Report['channels'][number];
type Figures = Store['current'];
type Change = Store['change'];

/** The period's words: "today" reads differently from "7 days". */
export type PeriodKind = 'today' | '7d' | '30d';

/** The change against the period before; "new" when only this period sold, a dash when neither did. */
function ChangeBadge({ change, sold }: { change: number | null; sold: boolean }) {
  const { t } = useTranslation('overview');
  const f = useFormat();
  if (change === null) return <span className="muted">{sold ? t('changeNew') : '—'}</span>;
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  return <span className={change > 0 ? 'ov-up' : change < 0 ? 'ov-down' : 'muted'}>{`${sign}${f.number(Math.abs(change))}%`}</span>;
}

/** Sales cell: the amount with a bar of its share, or, when nothing sold, when the last sale was. */
function SalesCell({ figures, share, lastSaleAt, currency, period }: { figures: Figures; share: number | null; lastSaleAt: string | null; currency: string; period: PeriodKind }) {
  const { t } = useTranslation('overview');
  const f = useFormat();
  const ago = useAgo();
  if (figures.orders === 0) {
    const none = period === 'today' ? t('noSalesToday') : t('noSalesPeriod');
    return <span className="muted">{lastSaleAt === null ? none : t('noSalesSince', { none, ago: ago(lastSaleAt) })}</span>;
  }
  const others = figures.sales.filter((s) => s.currency !== currency);
  return (
    <div className="ov-sales-cell">
      <div>{f.money(figures.net_minor, currency)}</div>
      {share !== null && (
        <div className="ov-share" title={t('shareOf', { share: f.number(Math.round(share * 1000) / 10) })}>
          <span style={{ width: `${Math.max(2, share * 100)}%` }} />
        </div>
      )}
      {others.map((s) => (
        <div key={s.currency} className="muted">
          + {f.money(s.net_minor, s.currency)}
        </div>
      ))}
    </div>
  );
}

function figureColumns<T extends { current: Figures; change: Change; share: number | null; last_sale_at: string | null }>(currency: string, period: PeriodKind, t: (k: string) => string, f: ReturnType<typeof useFormat>) {
  const average = (x: T) => x.current.sales.find((s) => s.currency === currency);
  return [
    { label: t('sales'), cell: (x: T) => <SalesCell figures={x.current} share={x.share} lastSaleAt={x.last_sale_at} currency={currency} period={period} /> },
    { label: t('orders'), num: true, cell: (x: T) => f.number(x.current.orders) },
    { label: t('averageOrder'), num: true, cell: (x: T) => (average(x) === undefined ? '—' : f.money(average(x)!.average_order_minor, currency)) },
    { label: t('visits'), num: true, cell: (x: T) => (x.current.visits === null ? '—' : f.number(x.current.visits)) },
    { label: t('conversion'), num: true, cell: (x: T) => (x.current.conversion_rate === null ? '—' : `${f.number(Math.round(x.current.conversion_rate * 1000) / 10)}%`) },
    { label: t('change'), num: true, cell: (x: T) => <ChangeBadge change={x.change.net_pct ?? x.change.orders_pct} sold={x.current.orders > 0} /> },
  ];
}

/** The stores side by side, each on its own local day, with the chain's total under them. */
export function StoresCard({ report, period }: { report: Report; period: PeriodKind }) {
  const { t: tt } = useTranslation('overview');
  const t = tt as (k: string, o?: Record<string, unknown>) => string;
  const f = useFormat();
  const ago = useAgo();
  const currency = report.currency;
  const rows = [...report.stores].sort((a, b) => a.rank - b.rank);
  const total = report.total.current;
  return (
    <Card title={t(`storesTitle.${period}`)} className="ov-wide" headingId="stores-heading">
      {rows.length === 0 ? (
        <p className="muted">{t('noStores')}</p>
      ) : (
        <DataTable
          bare
          tableClassName="ov-table"
          caption={t(`storesTitle.${period}`)}
          testId="stores-table"
          rows={rows}
          rowKey={(s) => s.location_id}
          columns={[
            { label: t('rank'), num: true, cell: (s: Store) => (s.share === null ? '—' : `#${s.rank}`) },
            {
              label: t('store'),
              rowHeader: true,
              cell: (s: Store) => (
                <>
                  {s.name}
                  <div className="muted ov-small">
                    {t(`kind.${s.kind}`)} · {s.time_zone} · {period === 'today' ? t('localDay', { day: f.day(s.today) }) : t('localDays', { from: f.day(s.first_day), to: f.day(s.last_day) })}
                  </div>
                </>
              ),
            },
            ...figureColumns<Store>(currency, period, t, f),
          ]}
          footer={
            <tr className="ov-total">
              <td />
              <th scope="row">
                {t('chainTotal')}
                <div className="muted ov-small">{t('chainTotalNote')}</div>
              </th>
              <td>{total.orders === 0 ? <span className="muted">{report.total.last_sale_at === null ? t('noSalesYet') : t('lastSaleAgo', { ago: ago(report.total.last_sale_at) })}</span> : f.money(total.net_minor, currency)}</td>
              <td className="num">{f.number(total.orders)}</td>
              <td className="num">{total.sales[0] === undefined ? '—' : f.money(total.sales[0].average_order_minor, total.sales[0].currency)}</td>
              <td className="num">{total.visits === null ? '—' : f.number(total.visits)}</td>
              <td className="num">{total.conversion_rate === null ? '—' : `${f.number(Math.round(total.conversion_rate * 1000) / 10)}%`}</td>
              <td className="num">
                <ChangeBadge change={report.total.change.net_pct ?? report.total.change.orders_pct} sold={total.orders > 0} />
              </td>
            </tr>
          }
        />
      )}
    </Card>
  );
}

/** Sales per channel: the shop's own storefront, and partners' shelves that sell its products. */
export function ChannelsCard({ report, period }: { report: Report; period: PeriodKind }) {
  const { t: tt } = useTranslation('overview');
  const t = tt as (k: string, o?: Record<string, unknown>) => string;
  const f = useFormat();
  const rows = [...report.channels].sort((a, b) => a.rank - b.rank);
  return (
    <Card title={t('channelsTitle')} className="ov-wide">
      <DataTable
        bare
        tableClassName="ov-table"
        caption={t('channelsTitle')}
        testId="channels-table"
        rows={rows}
        rowKey={(c) => c.channel_merchant_id}
        columns={[
          {
            label: t('channel'),
            rowHeader: true,
            cell: (c: Channel) => (
              <>
                {c.own ? t('ownStorefront') : c.name}
                <div className="muted ov-small">{c.own ? c.name : t('partnerShelf')}</div>
              </>
            ),
          },
          ...figureColumns<Channel>(report.currency, period, t, f),
        ]}
      />
    </Card>
  );
}
