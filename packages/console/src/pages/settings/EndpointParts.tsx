import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, unwrap, type Schemas } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { useNotify } from '../../components/Notices';
import { allEvents } from './catalog';
import { EndpointForm, useAfterEndpointChange } from './EndpointForm';
import { useProblemText } from './problems';
import { deliveriesQueryKey } from './queryKeys';
import { Badge, ChipList, SettingsSection } from './shared';

type Endpoint = Schemas['WebhookEndpoint'];

/** The webhooks tab's section, around the list and around one endpoint. */
export function WebhooksSection({ children, action }: { children: ReactNode; action?: ReactNode }) {
  const { t } = useTranslation('settings');
  return (
    <SettingsSection id="webhooks" title={t('webhooks.title')} intro={t('webhooks.intro')} action={action}>
      {children}
    </SettingsSection>
  );
}

/** The actions on one endpoint, shared by the list and the detail view. */
export function useEndpointActions({ onDeleted }: { onDeleted?: () => void } = {}) {
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

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  const { t } = useTranslation('settings');
  return enabled ? <Badge tone="enabled">{t('webhooks.enabled')}</Badge> : <Badge tone="disabled">{t('webhooks.disabled')}</Badge>;
}

export function EventSummary({ events }: { events: string[] }) {
  const { t } = useTranslation('settings');
  if (events.includes(allEvents)) return <Badge tone="full">{t('webhooks.allEvents')}</Badge>;
  return <ChipList items={events} label={t('webhooks.eventCount', { count: events.length })} more={(count) => t('webhooks.moreEvents', { count })} />;
}

/** Changing an endpoint and confirming its deletion: the same dialogs from the list and from one endpoint. */
export function EndpointDialogs({ editing, deleting, remove, onCloseEdit, onCloseDelete }: { editing: Endpoint | null; deleting: Endpoint | null; remove: ReturnType<typeof useEndpointActions>['remove']; onCloseEdit: () => void; onCloseDelete: () => void }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const problemText = useProblemText();
  return (
    <>
      <Dialog open={editing !== null} title={t('webhooks.editTitle')} onClose={onCloseEdit}>
        {editing !== null && <EndpointForm endpoint={editing} onCancel={onCloseEdit} onSaved={onCloseEdit} />}
      </Dialog>
      <ConfirmDialog
        open={deleting !== null}
        title={t('webhooks.deleteTitle')}
        confirmLabel={remove.isPending ? t('webhooks.deleting') : tc('delete')}
        busy={remove.isPending}
        error={remove.isError ? problemText(remove.error) : undefined}
        errorClassName="settings-form-error"
        onConfirm={() => deleting !== null && remove.mutate(deleting)}
        onClose={onCloseDelete}
      >
        <p>{t('webhooks.deleteConfirm', { url: deleting?.url ?? '' })}</p>
      </ConfirmDialog>
    </>
  );
}
