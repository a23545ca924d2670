import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { bos, unwrap, type Schemas } from '../../api';
import { isForbidden } from '../../components/NotAllowed';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { Deliveries } from './Deliveries';
import { EnabledBadge, EndpointDialogs, EventSummary, useEndpointActions, WebhooksSection } from './EndpointParts';
import { endpointsQueryKey } from './queryKeys';
import { RotateSecretDialog } from './RotateSecret';
import { NotAllowed } from './shared';

type Endpoint = Schemas['WebhookEndpoint'];

/** One endpoint: what it is, the actions on it, and its deliveries. */
export function EndpointDetail({ endpointId }: { endpointId: string }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const { can } = useSession();
  const canWrite = can('webhooks:write');
  const f = useFormat();
  const [, setParams] = useSearchParams();
  const heading = useRef<HTMLHeadingElement>(null);
  const query = useQuery({
    queryKey: [...endpointsQueryKey, endpointId],
    queryFn: () => unwrap(bos.GET('/v1/webhook-endpoints/{endpoint_id}', { params: { path: { endpoint_id: endpointId } } })),
  });
  const [editing, setEditing] = useState<Endpoint | null>(null);
  const [deleting, setDeleting] = useState<Endpoint | null>(null);
  const [rotating, setRotating] = useState<Endpoint | null>(null);
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
                  <button type="button" onClick={() => setEditing(e)}>
                    {tc('edit')}
                  </button>
                  <button type="button" onClick={() => setRotating(e)}>
                    {t('webhooks.rotate')}
                  </button>
                  <button type="button" onClick={() => setEnabled.mutate({ endpoint: e, enabled: !e.enabled })} disabled={setEnabled.isPending}>
                    {e.enabled ? t('webhooks.disable') : t('webhooks.enable')}
                  </button>
                  <button type="button" className="danger" onClick={() => { remove.reset(); setDeleting(e); }}>
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
                {e.previous_secret_expires_at !== null && (
                  <div className="muted settings-small">
                    {t('webhooks.previousUntil', { date: f.dateTime(e.previous_secret_expires_at) })}
                  </div>
                )}
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
            <RotateSecretDialog endpoint={rotating} onClose={() => setRotating(null)} />
            <EndpointDialogs editing={editing} deleting={deleting} remove={remove} onCloseEdit={() => setEditing(null)} onCloseDelete={() => setDeleting(null)} />
          </>
        )}
      </QueryState>
    </section>
  );
}
