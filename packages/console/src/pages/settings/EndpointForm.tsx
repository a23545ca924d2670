import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, unwrap, type Schemas } from '../../api';
import { TextAreaField, TextField } from '../../components/Field';
import { useFocusWithin } from '../../components/focus';
import { FormActions, FormError } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { allEvents, type EventSelector, type EventType } from './catalog';
import { QueryState } from '../../components/QueryState';
import { useWebhookEventTypes, type EventGroup } from './registry';
import { fieldError, useProblemText } from './problems';
import { auditQueryKey, endpointsQueryKey } from './queryKeys';
import { GroupButtons, RadioOption, useSelection } from './shared';

type Endpoint = Schemas['WebhookEndpoint'];
type CreatedEndpoint = Schemas['CreatedWebhookEndpoint'];

const url_length_max = 2048;
const description_length_max = 500;

/** Invalidates what a change to an endpoint affects: the endpoint lists, the endpoint itself and the audit trail. */
export function useAfterEndpointChange() {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: endpointsQueryKey });
    await queryClient.invalidateQueries({ queryKey: auditQueryKey });
  };
}

function validUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

interface EndpointFormProps {
  endpoint?: Endpoint;
  onSaved: (endpoint: Endpoint | CreatedEndpoint) => void;
  onCancel: () => void;
}

/** Creates an endpoint, or changes one when `endpoint` is given; waits for the event types the server offers (GET /v1/webhook-event-types). */
export function EndpointForm(props: EndpointFormProps) {
  const eventTypes = useWebhookEventTypes();
  return <QueryState query={eventTypes}>{(groups) => <EndpointFields {...props} eventGroups={groups} />}</QueryState>;
}

function EndpointFields({ endpoint, onSaved, onCancel, eventGroups }: EndpointFormProps & { eventGroups: readonly EventGroup[] }) {
  const { t } = useTranslation('settings');
  const isEventType = (value: string) => eventGroups.some((g) => g.types.includes(value));
  const { t: tc } = useTranslation();
  const notify = useNotify();
  const problemText = useProblemText();
  const after = useAfterEndpointChange();
  const form = useRef<HTMLFormElement>(null);
  useFocusWithin(form);
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const [everything, setEverything] = useState(endpoint === undefined ? false : endpoint.events.includes(allEvents));
  const [enabled, setEnabled] = useState(endpoint?.enabled ?? true);
  const eventModeName = useId();
  const [urlError, setUrlError] = useState<string | undefined>();
  const [eventsError, setEventsError] = useState<string | undefined>();
  const { selected, set } = useSelection<EventType>(() => new Set((endpoint?.events ?? []).filter(isEventType)), () => setEventsError(undefined));

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
              <fieldset key={group.module} className="settings-event-group">
                <legend>{t(`webhooks.groups.${group.module}`, { defaultValue: group.module })}</legend>
                {group.types.length > 1 && <GroupButtons group={t(`webhooks.groups.${group.module}`, { defaultValue: group.module })} onSet={(on) => set(group.types, on)} />}
                <ul className="settings-check-list">
                  {group.types.map((type) => (
                    <li key={type}>
                      <label className="settings-check">
                        <input type="checkbox" checked={selected.has(type)} onChange={(e) => set([type], e.target.checked)} />
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
      <FormError message={save.isError && !knownFieldError ? problemText(save.error) : undefined} className="settings-form-error" />
      <FormActions onCancel={onCancel} busy={save.isPending} submitLabel={endpoint === undefined ? t('webhooks.create') : tc('save')} />
    </form>
  );
}
