import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { bos, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import type { OrderDetail } from './OrderActions';
import { ProblemAlert } from './ProblemAlert';

/** Statuses after which a fulfilment moves no more by itself. */
const settled = ['delivered', 'picked_up', 'cancelled', 'lost', 'returned'];

/**
 * The order's fulfilments (GET /v1/orders/{id}/fulfilments): one per serving location, with how
 * it reaches the buyer, its state, what was picked of each line, the promise and its timeline.
 */
export function FulfilmentsCard({ order }: { order: OrderDetail }) {
  const { t } = useTranslation('orders');
  const f = useFormat();
  const { can } = useSession();
  const query = useQuery({
    queryKey: ['order-fulfilments', order.id],
    queryFn: () => unwrap(bos.GET('/v1/orders/{order_id}/fulfilments', { params: { path: { order_id: order.id } } })),
    enabled: can('fulfilments:read'),
    refetchInterval: (q) => (q.state.data?.data.some((x) => !settled.includes(x.status)) === true ? 15_000 : false),
  });
  if (!can('fulfilments:read')) return null;
  const list = query.data?.data ?? [];
  return (
    <Card title={t('fulfilments.title')} className="order-fulfilments">
      {query.isError && <ProblemAlert error={query.error} />}
      {query.isSuccess && list.length === 0 && <p className="muted">{t('fulfilments.none')}</p>}
      {list.map((x) => (
        <div key={x.id} className="fulfilment" data-testid="fulfilment">
          <dl className="facts">
            <dt>{t('fulfilments.method')}</dt>
            <dd>{t(`fulfilments.methodName.${x.method}`)}</dd>
            <dt>{t('fulfilments.status')}</dt>
            <dd data-testid="fulfilment-status">
              <span className={`badge badge-${x.status}`}>{t(`fulfilments.statusName.${x.status}`)}</span>
            </dd>
            {x.promised_by !== null && (
              <>
                <dt>{t('fulfilments.promisedBy')}</dt>
                <dd>{f.dateTime(x.promised_by)}</dd>
              </>
            )}
            {x.rerouted_from !== null && (
              <>
                <dt>{t('fulfilments.reroutedFrom')}</dt>
                <dd className="mono">{x.rerouted_from}</dd>
              </>
            )}
          </dl>
          <table className="data-table compact">
            <thead>
              <tr>
                <th>{t('fulfilments.sku')}</th>
                <th>{t('fulfilments.item')}</th>
                <th className="num">{t('fulfilments.ordered')}</th>
                <th className="num">{t('fulfilments.picked')}</th>
              </tr>
            </thead>
            <tbody>
              {x.lines.map((l) => (
                <tr key={l.line_no}>
                  <td className="mono">{l.sku}</td>
                  <td>{l.title}</td>
                  <td className="num">{l.quantity}</td>
                  <td className={`num${l.picked_quantity !== null && l.picked_quantity < l.quantity ? ' short' : ''}`}>{l.picked_quantity ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <ol className="timeline compact">
            {x.transitions.map((tr) => (
              <li key={tr.id}>
                <span className="muted">{f.dateTime(tr.occurred_at)}</span> {t(`fulfilments.statusName.${tr.to_status}`, { defaultValue: tr.to_status })}
                {tr.reason !== null && <span className="muted"> — {tr.reason}</span>}
              </li>
            ))}
          </ol>
        </div>
      ))}
    </Card>
  );
}
