import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { bos, unwrap, type Schemas } from '../../api';
import { DataTable } from '../../components/DataTable';
import { Dialog } from '../../components/Dialog';
import { useFocusWithin } from '../../components/focus';
import { DoneActions } from '../../components/Form';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { EndpointDetail } from './EndpointDetail';
import { EndpointForm } from './EndpointForm';
import { EnabledBadge, EndpointDialogs, EventSummary, useEndpointActions, WebhooksSection } from './EndpointParts';
import { endpointsQueryKey } from './queryKeys';
import { SecretReveal } from './secrets';
import { NotAllowed, PagedList, useCursorPages } from './shared';
import { SignatureHelp } from './SignatureHelp';

type Endpoint = Schemas['WebhookEndpoint'];
type CreatedEndpoint = Schemas['CreatedWebhookEndpoint'];

const page_size = 20;

/** Where one endpoint and its deliveries show: this tab, with the endpoint in the address. */
const endpointLink = (id: string) => ({ search: `?tab=webhooks&endpoint=${encodeURIComponent(id)}` });

/** The webhooks tab: the list of endpoints, or one endpoint and its deliveries (`?endpoint=`). */
export function WebhooksTab() {
  const [params] = useSearchParams();
  const { can } = useSession();
  const endpointId = params.get('endpoint');
  if (!can('webhooks:read')) return (
      <WebhooksSection>
        <NotAllowed />
      </WebhooksSection>
    );
  if (endpointId !== null && endpointId !== '') return <EndpointDetail endpointId={endpointId} />;
  return <EndpointList />;
}

function EndpointList() {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const { can } = useSession();
  const canWrite = can('webhooks:write');
  const f = useFormat();
  const pages = useCursorPages();
  const query = useQuery({
    queryKey: [...endpointsQueryKey, { cursor: pages.cursor ?? null }],
    queryFn: () => unwrap(bos.GET('/v1/webhook-endpoints', { params: { query: { limit: page_size, cursor: pages.cursor } } })),
    placeholderData: keepPreviousData,
  });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedEndpoint | null>(null);
  const [editing, setEditing] = useState<Endpoint | null>(null);
  const [deleting, setDeleting] = useState<Endpoint | null>(null);
  const { remove } = useEndpointActions({ onDeleted: () => setDeleting(null) });

  return (
    <WebhooksSection
      action={
        canWrite && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            {t('webhooks.create')}
          </button>
        )
      }
    >
      <PagedList query={query} pages={pages} empty={t('webhooks.empty')} label={t('webhooks.pagination')}>
        {(endpoints) => (
          <DataTable
            caption={t('webhooks.title')}
            rows={endpoints}
            rowKey={(e) => e.id}
            stale={query.isPlaceholderData}
            columns={[
              {
                label: t('webhooks.url'),
                rowHeader: true,
                className: 'settings-row-head',
                cell: (e) => (
                  <>
                    <Link to={endpointLink(e.id)} className="mono settings-url settings-normal">
                      {e.url}
                    </Link>
                    {e.description !== '' && <div className="muted settings-small settings-normal">{e.description}</div>}
                  </>
                ),
              },
              { label: t('webhooks.events'), cell: (e) => <EventSummary events={e.events} /> },
              { label: t('statusColumn'), cell: (e) => <EnabledBadge enabled={e.enabled} /> },
              { label: t('created'), cell: (e) => <time dateTime={e.created_at}>{f.dateTime(e.created_at)}</time> },
              {
                label: tc('actions'),
                hidden: true,
                className: 'settings-actions',
                cell: (e) => (
                  <>
                    <Link className="button" to={endpointLink(e.id)} aria-label={t('webhooks.deliveriesOf', { url: e.url })}>
                      {t('webhooks.deliveries')}
                    </Link>
                    {canWrite && (
                      <>
                        <button type="button" onClick={() => setEditing(e)} aria-label={t('webhooks.editNamed', { url: e.url })}>
                          {tc('edit')}
                        </button>
                        <button type="button" className="danger" onClick={() => { remove.reset(); setDeleting(e); }} aria-label={t('webhooks.deleteNamed', { url: e.url })}>
                          {tc('delete')}
                        </button>
                      </>
                    )}
                  </>
                ),
              },
            ]}
          />
        )}
      </PagedList>
      <SignatureHelp />

      <Dialog open={creating} title={t('webhooks.createTitle')} onClose={() => setCreating(false)}>
        <EndpointForm
          onCancel={() => setCreating(false)}
          onSaved={(endpoint) => {
            setCreating(false);
            if ('secret' in endpoint) setCreated(endpoint);
          }}
        />
      </Dialog>
      <Dialog open={created !== null} title={t('webhooks.createdTitle')} onClose={() => setCreated(null)}>
        {created !== null && <CreatedEndpointView created={created} onDone={() => setCreated(null)} />}
      </Dialog>
      <EndpointDialogs editing={editing} deleting={deleting} remove={remove} onCloseEdit={() => setEditing(null)} onCloseDelete={() => setDeleting(null)} />
    </WebhooksSection>
  );
}

function CreatedEndpointView({ created, onDone }: { created: CreatedEndpoint; onDone: () => void }) {
  const { t } = useTranslation('settings');
  const ref = useRef<HTMLDivElement>(null);
  useFocusWithin(ref);
  return (
    <div ref={ref}>
      <SecretReveal label={t('webhooks.signingSecret')} value={created.secret} warning={t('webhooks.secretWarning')}>
        <p className="hint">
          <Trans t={t} i18nKey="webhooks.secretUse" components={{ code: <code className="mono" /> }} />
        </p>
      </SecretReveal>
      <DoneActions label={t('keys.done')} onDone={onDone}>
        <Link className="button" to={endpointLink(created.id)} onClick={onDone}>
          {t('webhooks.openEndpoint')}
        </Link>
      </DoneActions>
    </div>
  );
}
