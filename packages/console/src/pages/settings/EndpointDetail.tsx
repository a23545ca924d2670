import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { bos, unwrap, type Schemas } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable } from '../../components/DataTable';
import { Dialog } from '../../components/Dialog';
import { SelectField } from '../../components/Field';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { deliveryStatuses } from './catalog';
import { EndpointForm } from './EndpointForm';
import { isForbidden, useProblemText } from './problems';
import { deliveriesQueryKey, endpointsQueryKey } from './queryKeys';
import { Badge, NotAllowed, PagedList, RefreshButton, useCursorPages } from './shared';
import { EnabledBadge, EventSummary, useEndpointActions, WebhooksSection } from './EndpointParts';

type Delivery = Schemas['WebhookDelivery'];
type DeliveryStatus = Delivery['status'];

const page_size = 20;

/** One endpoint: what it is, the actions on it, and its deliveries (newest first, filterable by status). */
export function EndpointDetail({ endpointId }: { endpointId: string }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const { can } = useSession();
  const canWrite = can('webhooks:write');
  const f = useFormat();
  const problemText = useProblemText();
  const [, setParams] = useSearchParams();
  const heading = useRef<HTMLHeadingElement>(null);
  const query = useQuery({
    queryKey: [...endpointsQueryKey, endpointId],
    queryFn: () => unwrap(bos.GET('/v1/webhook-endpoints/{endpoint_id}', { params: { path: { endpoint_id: endpointId } } })),
  });
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const { sendTest, setEnabled, remove } = useEndpointActions({ onDeleted: () => setParams({ tab: 'webhooks' }) });
  const loaded = query.data !== undefined;
  useEffect(() => {
    if (loaded) heading.current?.focus();
  }, [loaded, endpointId]);

  const back = (
    <p className="settings-back">
      <Link to={{ search: '?tab=webhooks' }}>← {t('webhooks.allEndpoints')}</Link>
    </p>
  );
  if (isForbidden(query.error)) return <WebhooksSection>{back}<NotAllowed /></WebhooksSection>;
  return (
    <section aria-labelledby="settings-endpoint-heading">
      {back}
      <QueryState query={query}>
        {(e) => (
          <>
            <div className="settings-section-head">
              <div>
                <h2 id="settings-endpoint-heading" ref={heading} tabIndex={-1} className="settings-endpoint-title">
                  <span className="visually-hidden">{t('webhooks.endpoint')}: </span>
                  <span className="mono settings-url">{e.url}</span> <EnabledBadge enabled={e.enabled} />
                </h2>
                {e.description !== '' && <p className="muted">{e.description}</p>}
              </div>
              {canWrite && (
                <div className="page-actions">
                  <button type="button" className="primary" onClick={() => sendTest.mutate(e)} disabled={!e.enabled || sendTest.isPending} aria-describedby={e.enabled ? undefined : 'settings-test-hint'}>
                    {sendTest.isPending ? t('webhooks.sending') : t('webhooks.sendTest')}
                  </button>
                  <button type="button" onClick={() => setEditing(true)}>
                    {tc('edit')}
                  </button>
                  <button type="button" onClick={() => setEnabled.mutate({ endpoint: e, enabled: !e.enabled })} disabled={setEnabled.isPending}>
                    {e.enabled ? t('webhooks.disable') : t('webhooks.enable')}
                  </button>
                  <button type="button" className="danger" onClick={() => { remove.reset(); setDeleting(true); }}>
                    {tc('delete')}
                  </button>
                </div>
              )}
            </div>
            {!e.enabled && (
              <p id="settings-test-hint" className="settings-warning">
                {t('webhooks.disabledExplain')}
              </p>
            )}
            <dl className="facts settings-facts card">
              <dt>{t('webhooks.events')}</dt>
              <dd>
                <EventSummary events={e.events} />
              </dd>
              <dt>{t('webhooks.signingSecret')}</dt>
              <dd>
                <code className="mono">{e.secret_hint}</code> <span className="muted settings-small">{t('webhooks.secretHintNote')}</span>
              </dd>
              <dt>{t('webhooks.id')}</dt>
              <dd className="mono">{e.id}</dd>
              <dt>{t('created')}</dt>
              <dd>
                <time dateTime={e.created_at}>{f.dateTime(e.created_at)}</time>
              </dd>
              <dt>{t('webhooks.updated')}</dt>
              <dd>
                <time dateTime={e.updated_at}>{f.dateTime(e.updated_at)}</time>
              </dd>
            </dl>
            <Deliveries endpointId={e.id} />
            <Dialog open={editing} title={t('webhooks.editTitle')} onClose={() => setEditing(false)}>
              <EndpointForm endpoint={e} onCancel={() => setEditing(false)} onSaved={() => setEditing(false)} />
            </Dialog>
            <ConfirmDialog
              open={deleting}
              title={t('webhooks.deleteTitle')}
              confirmLabel={remove.isPending ? t('webhooks.deleting') : tc('delete')}
              busy={remove.isPending}
              error={remove.isError ? problemText(remove.error) : undefined}
              errorClassName="settings-form-error"
              onConfirm={() => remove.mutate(e)}
              onClose={() => setDeleting(false)}
            >
              <p>{t('webhooks.deleteConfirm', { url: e.url })}</p>
            </ConfirmDialog>
          </>
        )}
      </QueryState>
    </section>
  );
}

function Deliveries({ endpointId }: { endpointId: string }) {
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
