import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, unwrap, type Schemas } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable } from '../../components/DataTable';
import { Dialog } from '../../components/Dialog';
import { useFocusWithin } from '../../components/focus';
import { DoneActions } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { CreateKeyForm } from './ApiKeyForm';
import type { KeyKind } from './catalog';
import { useScopes } from './registry';
import { useProblemText } from './problems';
import { apiKeysQueryKey, auditQueryKey } from './queryKeys';
import { SecretReveal } from './secrets';
import { Badge, ChipList, PagedList, SettingsSection, useCursorPages } from './shared';
import { EditOriginsForm, OriginsSummary } from './KeyOrigins';

type ApiKey = Schemas['ApiKey'];
type CreatedApiKey = Schemas['CreatedApiKey'];

const page_size = 20;

export function ApiKeysTab() {
  const { t } = useTranslation('settings');
  const { can } = useSession();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const problemText = useProblemText();
  const pages = useCursorPages();
  const canRead = can('keys:read');
  const canWrite = can('keys:write');
  const query = useQuery({
    queryKey: [...apiKeysQueryKey, { cursor: pages.cursor ?? null }],
    queryFn: () => unwrap(bos.GET('/v1/api-keys', { params: { query: { limit: page_size, cursor: pages.cursor } } })),
    enabled: canRead,
    placeholderData: keepPreviousData,
  });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [editingOrigins, setEditingOrigins] = useState<ApiKey | null>(null);
  const revoke = useMutation({
    mutationFn: (key: ApiKey) => unwrap(bos.DELETE('/v1/api-keys/{key_id}', { params: { path: { key_id: key.id } }, headers: idempotencyKey() })),
    onSuccess: async (key) => {
      setRevoking(null);
      notify('success', t('keys.revoked', { name: key.name }));
      await queryClient.invalidateQueries({ queryKey: apiKeysQueryKey });
      await queryClient.invalidateQueries({ queryKey: auditQueryKey });
    },
  });

  const createButton = canWrite && (
    <button type="button" className="primary" onClick={() => setCreating(true)}>
      {t('keys.create')}
    </button>
  );
  return (
    <SettingsSection id="keys" title={t('keys.title')} intro={t('keys.intro')} action={createButton}>
      <PagedList query={query} pages={pages} allowed={canRead} empty={t('keys.empty')} label={t('keys.pagination')}>
        {(keys) => <KeysTable keys={keys} stale={query.isPlaceholderData} canWrite={canWrite} onRevoke={(key) => { revoke.reset(); setRevoking(key); }} onEditOrigins={setEditingOrigins} />}
      </PagedList>

      <Dialog open={creating} title={t('keys.createTitle')} onClose={() => setCreating(false)}>
        <CreateKeyForm
          onCancel={() => setCreating(false)}
          onCreated={(key) => {
            setCreating(false);
            setCreated(key);
          }}
        />
      </Dialog>

      <Dialog open={editingOrigins !== null} title={t('keys.editOriginsTitle')} onClose={() => setEditingOrigins(null)}>
        {editingOrigins !== null && (
          <EditOriginsForm
            apiKey={editingOrigins}
            onCancel={() => setEditingOrigins(null)}
            onSaved={(key) => {
              setEditingOrigins(null);
              notify('success', t('keys.originsSaved', { name: key.name }));
              void queryClient.invalidateQueries({ queryKey: apiKeysQueryKey });
              void queryClient.invalidateQueries({ queryKey: auditQueryKey });
            }}
          />
        )}
      </Dialog>

      <Dialog open={created !== null} title={t('keys.createdTitle')} onClose={() => setCreated(null)}>
        {created !== null && <CreatedKey created={created} onDone={() => setCreated(null)} />}
      </Dialog>

      <ConfirmDialog
        open={revoking !== null}
        title={t('keys.revokeTitle')}
        confirmLabel={revoke.isPending ? t('keys.revoking') : t('keys.revoke')}
        busy={revoke.isPending}
        error={revoke.isError ? problemText(revoke.error) : undefined}
        errorClassName="settings-form-error"
        onConfirm={() => revoking !== null && revoke.mutate(revoking)}
        onClose={() => setRevoking(null)}
      >
        <p>{t('keys.revokeConfirm', { name: revoking?.name ?? '', hint: revoking?.token_hint ?? '' })}</p>
      </ConfirmDialog>
    </SettingsSection>
  );
}

function KeysTable({ keys, stale, canWrite, onRevoke, onEditOrigins }: { keys: ApiKey[]; stale: boolean; canWrite: boolean; onRevoke: (key: ApiKey) => void; onEditOrigins: (key: ApiKey) => void }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const f = useFormat();
  return (
    <DataTable
      caption={t('keys.title')}
      rows={keys}
      rowKey={(key) => key.id}
      rowProps={(key) => ({ className: key.revoked_at === null ? undefined : 'settings-row-muted' })}
      stale={stale}
      columns={[
        { label: t('keys.name'), rowHeader: true, className: 'settings-row-head', cell: (key) => key.name },
        { label: t('keys.kind'), cell: (key) => <Badge tone={`kind-${key.kind}`}>{t(`keys.kinds.${key.kind}`)}</Badge> },
        { label: t('keys.scopes'), cell: (key) => <ScopeSummary kind={key.kind} scopes={key.scopes} /> },
        { label: t('keys.origins'), cell: (key) => <OriginsSummary apiKey={key} /> },
        { label: t('keys.token'), cell: (key) => <code className="mono">{key.token_hint}</code> },
        { label: t('created'), cell: (key) => <time dateTime={key.created_at}>{f.dateTime(key.created_at)}</time> },
        {
          label: t('statusColumn'),
          cell: (key) =>
            key.revoked_at === null ? (
              <Badge tone="active">{t('keys.active')}</Badge>
            ) : (
              <>
                <Badge tone="revoked">{t('keys.revokedBadge')}</Badge>
                <div className="muted settings-small">
                  <time dateTime={key.revoked_at}>{f.dateTime(key.revoked_at)}</time>
                </div>
              </>
            ),
        },
        canWrite && {
          label: tc('actions'),
          hidden: true,
          className: 'settings-actions',
          cell: (key) =>
            key.revoked_at === null && (
              <>
                {key.kind === 'publishable' && (
                  <button type="button" onClick={() => onEditOrigins(key)} aria-label={t('keys.editOriginsNamed', { name: key.name })}>
                    {t('keys.editOrigins')}
                  </button>
                )}
                <button type="button" className="danger" onClick={() => onRevoke(key)} aria-label={t('keys.revokeNamed', { name: key.name })}>
                  {t('keys.revoke')}
                </button>
              </>
            ),
        },
      ]}
    />
  );
}

/** A key's scopes: "Full access" when it holds all of its kind's default scopes, otherwise the list. */
export function ScopeSummary({ kind, scopes }: { kind: KeyKind; scopes: string[] }) {
  const { t } = useTranslation('settings');
  const all = useScopes().data?.defaults(kind);
  const full = all !== undefined && all.every((s) => scopes.includes(s));
  const extra = scopes.filter((s) => all?.includes(s) !== true);
  if (full && extra.length === 0) return <Badge tone="full">{kind === 'secret' ? t('keys.fullAccess') : t('keys.allPublishable')}</Badge>;
  return <ChipList items={scopes} label={t('keys.scopeCount', { count: scopes.length })} more={(count) => t('keys.moreScopes', { count })} />;
}

function CreatedKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const { t } = useTranslation('settings');
  const ref = useRef<HTMLDivElement>(null);
  useFocusWithin(ref);
  return (
    <div ref={ref}>
      <SecretReveal label={t('keys.tokenOf', { name: created.name })} value={created.token} warning={t('keys.tokenWarning')}>
        <dl className="facts settings-facts">
          <dt>{t('keys.kind')}</dt>
          <dd>{t(`keys.kinds.${created.kind}`)}</dd>
          <dt>{t('keys.scopes')}</dt>
          <dd>
            <ScopeSummary kind={created.kind} scopes={created.scopes} />
          </dd>
        </dl>
        <p className="hint">{created.kind === 'secret' ? t('keys.useSecret') : t('keys.usePublishable')}</p>
      </SecretReveal>
      <DoneActions label={t('keys.done')} onDone={onDone} />
    </div>
  );
}
