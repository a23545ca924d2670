import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap, type Schemas } from '../../api';
import { DataTable } from '../../components/DataTable';
import { SelectField } from '../../components/Field';
import { useFormat } from '../../format';
import { deliveryStatuses } from './catalog';
import { deliveriesQueryKey } from './queryKeys';
import { Badge, PagedList, RefreshButton, useCursorPages } from './shared';

type Delivery = Schemas['WebhookDelivery'];
type DeliveryStatus = Delivery['status'];

const page_size = 20;

/** One endpoint's deliveries, newest first, filterable by status; pending ones are watched until they settle. */
export function Deliveries({ endpointId }: { endpointId: string }) {
  const { t } = useTranslation('settings');
  const pages = useCursorPages();
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const query = useQuery({
    queryKey: [...deliveriesQueryKey(endpointId), { status, cursor: pages.cursor ?? null }],
    queryFn: () =>
      unwrap(bos.GET('/v1/webhook-endpoints/{endpoint_id}/deliveries', { params: { path: { endpoint_id: endpointId }, query: { limit: page_size, cursor: pages.cursor, status: status === '' ? undefined : status } } })),
    placeholderData: keepPreviousData,
    // A delivery not yet tried goes out within seconds; watch it until it settles.
    refetchInterval: (q) => (q.state.data?.data.some((d) => d.status === 'pending') === true ? 1_500 : false),
  });
  return (
    <section aria-labelledby="settings-deliveries-heading" className="settings-deliveries">
      <div className="settings-section-head">
        <h3 id="settings-deliveries-heading">{t('webhooks.deliveries')}</h3>
        <div className="toolbar settings-toolbar">
          <SelectField
            label={t('webhooks.filterStatus')}
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as DeliveryStatus | '');
              pages.reset();
            }}
          >
            <option value="">{t('webhooks.anyStatus')}</option>
            {deliveryStatuses.map((s) => (
              <option key={s} value={s}>
                {t(`webhooks.status.${s}`)}
              </option>
            ))}
          </SelectField>
          <RefreshButton query={query} />
        </div>
      </div>
      <PagedList query={query} pages={pages} empty={status === '' ? t('webhooks.noDeliveries') : t('webhooks.noDeliveriesWithStatus')} label={t('webhooks.deliveriesPagination')}>
        {(deliveries) => (
          <DataTable
            caption={t('webhooks.deliveries')}
            rows={deliveries}
            rowKey={(d) => d.id}
            stale={query.isPlaceholderData}
            columns={[
              {
                label: t('webhooks.eventType'),
                rowHeader: true,
                className: 'settings-row-head',
                cell: (d) => (
                  <>
                    <span className="mono">{d.event_type}</span>
                    <div className="muted mono settings-small settings-normal">{d.event_id}</div>
                  </>
                ),
              },
              { label: t('statusColumn'), cell: (d) => <Badge tone={d.status}>{t(`webhooks.status.${d.status}`)}</Badge> },
              { label: t('webhooks.attempts'), num: true, cell: (d) => d.attempts },
              { label: t('webhooks.lastResponse'), cell: (d) => <LastResponse d={d} /> },
              { label: t('webhooks.time'), cell: (d) => <DeliveryTimes d={d} /> },
            ]}
          />
        )}
      </PagedList>
    </section>
  );
}

function DeliveryTimes({ d }: { d: Delivery }) {
  const { t } = useTranslation('settings');
  const f = useFormat();
  return (
    <>
      <time dateTime={d.created_at}>{f.dateTime(d.created_at)}</time>
      {d.delivered_at !== null && (
        <div className="muted settings-small">
          {t('webhooks.deliveredAt')} <time dateTime={d.delivered_at}>{f.dateTime(d.delivered_at)}</time>
        </div>
      )}
      {d.next_attempt_at !== null && d.status === 'failed' && (
        <div className="muted settings-small">
          {t('webhooks.nextAttempt')} <time dateTime={d.next_attempt_at}>{f.dateTime(d.next_attempt_at)}</time>
        </div>
      )}
    </>
  );
}

function LastResponse({ d }: { d: Delivery }) {
  const { t } = useTranslation('settings');
  if (d.last_response_status === null && d.last_error === null) return <span className="muted">{d.attempts === 0 ? t('webhooks.notTried') : '—'}</span>;
  const ok = d.last_response_status !== null && d.last_response_status >= 200 && d.last_response_status < 300;
  return (
    <>
      {d.last_response_status !== null && <span className={`mono ${ok ? 'settings-http-ok' : 'settings-http-bad'}`}>HTTP {d.last_response_status}</span>}
      {d.last_error !== null && <div className="settings-small settings-error-text">{d.last_error}</div>}
    </>
  );
}
