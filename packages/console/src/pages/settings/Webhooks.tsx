import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { bos, idempotencyKey, unwrap, type Schemas } from '../../api';
import { Dialog } from '../../components/Dialog';
import { SelectField, TextAreaField, TextField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { allEvents, deliveryStatuses, eventGroups, isEventType, type EventSelector, type EventType } from './catalog';
import { Badge, ConfirmDialog, fieldError, FormError, isForbidden, NotAllowed, Pager, RadioOption, SecretReveal, useAutoFocus, useCursorPages, useProblemText } from './shared';

type Endpoint = Schemas['WebhookEndpoint'];
type CreatedEndpoint = Schemas['CreatedWebhookEndpoint'];
type Delivery = Schemas['WebhookDelivery'];
type DeliveryStatus = Delivery['status'];

export const endpointsQueryKey = ['webhook-endpoints'] as const;
const deliveriesQueryKey = (endpoint_id: string) => ['webhook-deliveries', endpoint_id] as const;
const page_size = 20;
const url_length_max = 2048;
const description_length_max = 500;

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

function WebhooksSection({ children, action }: { children: ReactNode; action?: ReactNode }) {
  const { t } = useTranslation('settings');
  return (
    <section aria-labelledby="settings-webhooks-heading">
      <div className="settings-section-head">
        <div>
          <h2 id="settings-webhooks-heading">{t('webhooks.title')}</h2>
          <p className="muted">{t('webhooks.intro')}</p>
        </div>
        {action}
      </div>
      {children}
    </section>
  );
}

/** Invalidates what a change to an endpoint affects: the endpoint lists, the endpoint itself and the audit trail. */
function useAfterEndpointChange() {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: endpointsQueryKey });
    await queryClient.invalidateQueries({ queryKey: ['audit-events'] });
  };
}

/** The actions on one endpoint, shared by the list and the detail view. */
function useEndpointActions({ onDeleted }: { onDeleted?: () => void } = {}) {
  const { t } = useTranslation('settings');
  const notify = useNotify();
  const problemText = useProblemText();
  const queryClient = useQueryClient();
  const after = useAfterEndpointChange();
  const sendTest = useMutation({
    mutationFn: (e: Endpoint) => unwrap(bos.POST('/v1/webhook-endpoints/{endpoint_id}/test', { params: { path: { endpoint_id: e.id } }, headers: idempotencyKey() })),
    onSuccess: async (delivery) => {
      notify('success', t('webhooks.testQueued'));
      await queryClient.invalidateQueries({ queryKey: deliveriesQueryKey(delivery.endpoint_id) });
    },
    onError: (error) => notify('error', problemText(error)),
  });
  const setEnabled = useMutation({
    mutationFn: ({ endpoint, enabled }: { endpoint: Endpoint; enabled: boolean }) =>
      unwrap(bos.PATCH('/v1/webhook-endpoints/{endpoint_id}', { params: { path: { endpoint_id: endpoint.id } }, body: { enabled }, headers: idempotencyKey() })),
    onSuccess: async (endpoint) => {
      notify('success', endpoint.enabled ? t('webhooks.enabledNotice') : t('webhooks.disabledNotice'));
      await after();
    },
    onError: (error) => notify('error', problemText(error)),
  });
  const remove = useMutation({
    mutationFn: (e: Endpoint) => unwrap(bos.DELETE('/v1/webhook-endpoints/{endpoint_id}', { params: { path: { endpoint_id: e.id } }, headers: idempotencyKey() })),
    onSuccess: async (result) => {
      // The lists are fresh before the view changes, so the deleted endpoint never flashes back.
      await after();
      queryClient.removeQueries({ queryKey: deliveriesQueryKey(result.id) });
      notify('success', t('webhooks.deleted'));
      onDeleted?.();
    },
  });
  return { sendTest, setEnabled, remove };
}

function EndpointList() {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const { can } = useSession();
  const canWrite = can('webhooks:write');
  const f = useFormat();
  const problemText = useProblemText();
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
      {isForbidden(query.error) ? (
        <NotAllowed />
      ) : (
        <QueryState query={query} isEmpty={(p) => p.data.length === 0 && pages.page === 1} empty={t('webhooks.empty')}>
          {(p) => (
            <>
              <div className={`table-wrap${query.isPlaceholderData ? ' settings-stale' : ''}`} aria-busy={query.isPlaceholderData}>
                <table>
                  <caption className="visually-hidden">{t('webhooks.title')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('webhooks.url')}</th>
                      <th scope="col">{t('webhooks.events')}</th>
                      <th scope="col">{t('statusColumn')}</th>
                      <th scope="col">{t('created')}</th>
                      <th scope="col">
                        <span className="visually-hidden">{tc('actions')}</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.data.map((e) => (
                      <tr key={e.id}>
                        <th scope="row" className="settings-row-head">
                          <Link to={{ search: `?tab=webhooks&endpoint=${encodeURIComponent(e.id)}` }} className="mono settings-url settings-normal">
                            {e.url}
                          </Link>
                          {e.description !== '' && <div className="muted settings-small settings-normal">{e.description}</div>}
                        </th>
                        <td>
                          <EventSummary events={e.events} />
                        </td>
                        <td>
                          <EnabledBadge enabled={e.enabled} />
                        </td>
                        <td>
                          <time dateTime={e.created_at}>{f.dateTime(e.created_at)}</time>
                        </td>
                        <td className="settings-actions">
                          <Link className="button" to={{ search: `?tab=webhooks&endpoint=${encodeURIComponent(e.id)}` }} aria-label={t('webhooks.deliveriesOf', { url: e.url })}>
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
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager pages={pages} nextCursor={p.next_cursor} label={t('webhooks.pagination')} />
            </>
          )}
        </QueryState>
      )}
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
      <Dialog open={editing !== null} title={t('webhooks.editTitle')} onClose={() => setEditing(null)}>
        {editing !== null && <EndpointForm endpoint={editing} onCancel={() => setEditing(null)} onSaved={() => setEditing(null)} />}
      </Dialog>
      <Dialog open={created !== null} title={t('webhooks.createdTitle')} onClose={() => setCreated(null)}>
        {created !== null && <CreatedEndpointView created={created} onDone={() => setCreated(null)} />}
      </Dialog>
      <ConfirmDialog
        open={deleting !== null}
        title={t('webhooks.deleteTitle')}
        confirmLabel={remove.isPending ? t('webhooks.deleting') : tc('delete')}
        busy={remove.isPending}
        error={remove.isError ? problemText(remove.error) : undefined}
        onConfirm={() => deleting !== null && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      >
        <p>{t('webhooks.deleteConfirm', { url: deleting?.url ?? '' })}</p>
      </ConfirmDialog>
    </WebhooksSection>
  );
}

function EnabledBadge({ enabled }: { enabled: boolean }) {
  const { t } = useTranslation('settings');
  return enabled ? <Badge tone="enabled">{t('webhooks.enabled')}</Badge> : <Badge tone="disabled">{t('webhooks.disabled')}</Badge>;
}

function EventSummary({ events }: { events: string[] }) {
  const { t } = useTranslation('settings');
  if (events.includes(allEvents)) return <Badge tone="full">{t('webhooks.allEvents')}</Badge>;
  const shown = events.slice(0, 3);
  const rest = events.slice(3);
  return (
    <div className="settings-scope-list">
      <ul className="settings-chips" aria-label={t('webhooks.eventCount', { count: events.length })}>
        {shown.map((e) => (
          <li key={e} className="mono">
            {e}
          </li>
        ))}
      </ul>
      {rest.length > 0 && (
        <details>
          <summary>{t('webhooks.moreEvents', { count: rest.length })}</summary>
          <ul className="settings-chips">
            {rest.map((e) => (
              <li key={e} className="mono">
                {e}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function validUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Creates an endpoint, or changes one when `endpoint` is given. */
function EndpointForm({ endpoint, onSaved, onCancel }: { endpoint?: Endpoint; onSaved: (endpoint: Endpoint | CreatedEndpoint) => void; onCancel: () => void }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const notify = useNotify();
  const problemText = useProblemText();
  const after = useAfterEndpointChange();
  const form = useRef<HTMLFormElement>(null);
  useAutoFocus(form);
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const [everything, setEverything] = useState(endpoint === undefined ? false : endpoint.events.includes(allEvents));
  const [selected, setSelected] = useState<Set<EventType>>(() => new Set((endpoint?.events ?? []).filter(isEventType)));
  const [enabled, setEnabled] = useState(endpoint?.enabled ?? true);
  const eventModeName = useId();
  const [urlError, setUrlError] = useState<string | undefined>();
  const [eventsError, setEventsError] = useState<string | undefined>();

  const save = useMutation({
    mutationFn: (body: { url: string; description: string; events: EventSelector[]; enabled: boolean }) => {
      if (endpoint === undefined) {
        const { enabled: _enabled, ...create } = body;
        return unwrap(bos.POST('/v1/webhook-endpoints', { body: create, headers: idempotencyKey() }));
      }
      return unwrap(bos.PATCH('/v1/webhook-endpoints/{endpoint_id}', { params: { path: { endpoint_id: endpoint.id } }, body, headers: idempotencyKey() }));
    },
    onSuccess: async (saved) => {
      notify('success', endpoint === undefined ? t('webhooks.createdNotice') : tc('saved'));
      onSaved(saved);
      await after();
    },
  });

  function toggle(type: EventType, on: boolean) {
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(type);
      else next.delete(type);
      return next;
    });
    setEventsError(undefined);
  }

  function setGroup(types: readonly EventType[], on: boolean) {
    setSelected((current) => {
      const next = new Set(current);
      for (const type of types) if (on) next.add(type);
      else next.delete(type);
      return next;
    });
    setEventsError(undefined);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = url.trim();
    const events: EventSelector[] = everything ? [allEvents] : eventGroups.flatMap((g) => g.types).filter((type) => selected.has(type));
    const badUrl = trimmed === '' ? t('webhooks.urlRequired') : trimmed.length > url_length_max || !validUrl(trimmed) ? t('webhooks.urlInvalid') : undefined;
    setUrlError(badUrl);
    setEventsError(events.length === 0 ? t('webhooks.eventsRequired') : undefined);
    if (badUrl !== undefined || events.length === 0) return;
    save.mutate({ url: trimmed, description: description.trim(), events, enabled });
  }

  const serverUrlError = fieldError(save.error, 'url');
  const serverEventsError = fieldError(save.error, 'events');
  const serverDescriptionError = fieldError(save.error, 'description');
  const knownFieldError = serverUrlError !== undefined || serverEventsError !== undefined || serverDescriptionError !== undefined;

  return (
    <form ref={form} onSubmit={submit} noValidate className="settings-form settings-wide">
      <TextField
        label={t('webhooks.url')}
        hint={t('webhooks.urlHint')}
        type="url"
        inputMode="url"
        required
        maxLength={url_length_max}
        autoComplete="off"
        spellCheck={false}
        placeholder="https://example.com/openbos/webhooks"
        value={url}
        onChange={(e) => { setUrl(e.target.value); setUrlError(undefined); }}
        error={urlError ?? serverUrlError}
        data-autofocus
      />
      <TextAreaField label={t('webhooks.description')} maxLength={description_length_max} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} error={serverDescriptionError} />
      <fieldset className={eventsError ?? serverEventsError ? 'field-invalid' : undefined} aria-describedby={eventsError ?? serverEventsError ? 'settings-events-error' : undefined}>
        <legend>{t('webhooks.events')}</legend>
        <div className="settings-radios">
          <RadioOption name={eventModeName} checked={everything} onChange={() => { setEverything(true); setEventsError(undefined); }} label={t('webhooks.allEvents')} hint={t('webhooks.allEventsHint')} />
          <RadioOption name={eventModeName} checked={!everything} onChange={() => setEverything(false)} label={t('webhooks.someEvents')} hint={t('webhooks.someEventsHint', { count: selected.size })} />
        </div>
        {!everything && (
          <div className="settings-event-groups">
            {eventGroups.map((group) => (
              <fieldset key={group.key} className="settings-event-group">
                <legend>{t(`webhooks.groups.${group.key}`)}</legend>
                {group.types.length > 1 && (
                  <div className="settings-group-buttons">
                    <button type="button" className="settings-link-button" onClick={() => setGroup(group.types, true)} aria-label={t('selectAllOf', { group: t(`webhooks.groups.${group.key}`) })}>
                      {t('selectAll')}
                    </button>
                    <button type="button" className="settings-link-button" onClick={() => setGroup(group.types, false)} aria-label={t('selectNoneOf', { group: t(`webhooks.groups.${group.key}`) })}>
                      {t('selectNone')}
                    </button>
                  </div>
                )}
                <ul className="settings-check-list">
                  {group.types.map((type) => (
                    <li key={type}>
                      <label className="settings-check">
                        <input type="checkbox" checked={selected.has(type)} onChange={(e) => toggle(type, e.target.checked)} />
                        <span className="mono">{type}</span>
                      </label>
                    </li>
                  ))}
                </ul>
              </fieldset>
            ))}
          </div>
        )}
        {(eventsError ?? serverEventsError) !== undefined && (
          <p id="settings-events-error" className="field-error" role="alert">
            {eventsError ?? serverEventsError}
          </p>
        )}
      </fieldset>
      {endpoint !== undefined && (
        <div className="field">
          <label className="settings-check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} aria-describedby="settings-enabled-hint" />
            <span>{t('webhooks.enabledLabel')}</span>
          </label>
          <small id="settings-enabled-hint" className="hint">
            {t('webhooks.enabledHint')}
          </small>
        </div>
      )}
      <FormError message={save.isError && !knownFieldError ? problemText(save.error) : undefined} />
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          {tc('cancel')}
        </button>
        <button type="submit" className="primary" disabled={save.isPending} aria-busy={save.isPending}>
          {save.isPending ? tc('saving') : endpoint === undefined ? t('webhooks.create') : tc('save')}
        </button>
      </div>
    </form>
  );
}

function CreatedEndpointView({ created, onDone }: { created: CreatedEndpoint; onDone: () => void }) {
  const { t } = useTranslation('settings');
  const ref = useRef<HTMLDivElement>(null);
  useAutoFocus(ref);
  return (
    <div ref={ref}>
      <SecretReveal label={t('webhooks.signingSecret')} value={created.secret} warning={t('webhooks.secretWarning')}>
        <p className="hint">
          <Trans t={t} i18nKey="webhooks.secretUse" components={{ code: <code className="mono" /> }} />
        </p>
      </SecretReveal>
      <div className="dialog-actions">
        <Link className="button" to={{ search: `?tab=webhooks&endpoint=${encodeURIComponent(created.id)}` }} onClick={onDone}>
          {t('webhooks.openEndpoint')}
        </Link>
        <button type="button" className="primary" onClick={onDone}>
          {t('keys.done')}
        </button>
      </div>
    </div>
  );
}

const verifySample = `import { createHmac, timingSafeEqual } from 'node:crypto';

function verify(secret, header, rawBody, tolerance_s = 300) {
  const parts = header.split(',').map((p) => p.split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > tolerance_s) return false;
  const expected = createHmac('sha256', secret).update(\`\${t}.\${rawBody}\`).digest();
  return parts.some(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/.test(v)
    && timingSafeEqual(Buffer.from(v, 'hex'), expected));
}`;

/** How a receiver checks that a delivery came from OpenBOS (as docs/WEBHOOKS.md explains). */
function SignatureHelp() {
  const { t } = useTranslation('settings');
  const code = <code className="mono" />;
  return (
    <details className="card settings-help">
      <summary>
        <strong>{t('webhooks.verifyTitle')}</strong>
      </summary>
      <p>
        <Trans t={t} i18nKey="webhooks.verifyIntro" components={{ code }} />
      </p>
      <ol>
        <li>
          <Trans t={t} i18nKey="webhooks.verifyStep1" components={{ code }} />
        </li>
        <li>
          <Trans t={t} i18nKey="webhooks.verifyStep2" components={{ code }} />
        </li>
        <li>
          <Trans t={t} i18nKey="webhooks.verifyStep3" components={{ code }} />
        </li>
        <li>
          <Trans t={t} i18nKey="webhooks.verifyStep4" components={{ code }} />
        </li>
      </ol>
      <p className="hint">{t('webhooks.verifySample')}</p>
      <pre className="settings-code" tabIndex={0} aria-label={t('webhooks.verifySample')}>
        <code>{verifySample}</code>
      </pre>
    </details>
  );
}

function EndpointDetail({ endpointId }: { endpointId: string }) {
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
  const f = useFormat();
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
          <button type="button" onClick={() => void query.refetch()} disabled={query.isFetching} aria-busy={query.isFetching}>
            {query.isFetching ? t('refreshing') : t('refresh')}
          </button>
        </div>
      </div>
      <QueryState query={query} isEmpty={(p) => p.data.length === 0 && pages.page === 1} empty={status === '' ? t('webhooks.noDeliveries') : t('webhooks.noDeliveriesWithStatus')}>
        {(p) => (
          <>
            <div className={`table-wrap${query.isPlaceholderData ? ' settings-stale' : ''}`} aria-busy={query.isPlaceholderData}>
              <table>
                <caption className="visually-hidden">{t('webhooks.deliveries')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('webhooks.eventType')}</th>
                    <th scope="col">{t('statusColumn')}</th>
                    <th scope="col" className="num">
                      {t('webhooks.attempts')}
                    </th>
                    <th scope="col">{t('webhooks.lastResponse')}</th>
                    <th scope="col">{t('webhooks.time')}</th>
                  </tr>
                </thead>
                <tbody>
                  {p.data.map((d) => (
                    <tr key={d.id}>
                      <th scope="row" className="settings-row-head">
                        <span className="mono">{d.event_type}</span>
                        <div className="muted mono settings-small settings-normal">{d.event_id}</div>
                      </th>
                      <td>
                        <Badge tone={d.status}>{t(`webhooks.status.${d.status}`)}</Badge>
                      </td>
                      <td className="num">{d.attempts}</td>
                      <td>
                        <LastResponse d={d} />
                      </td>
                      <td>
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
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager pages={pages} nextCursor={p.next_cursor} label={t('webhooks.deliveriesPagination')} />
          </>
        )}
      </QueryState>
    </section>
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
