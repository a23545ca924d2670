import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap, type Schemas } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable } from '../../components/DataTable';
import { Dialog } from '../../components/Dialog';
import { FormError } from '../../components/Form';
import { isForbidden } from '../../components/NotAllowed';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { roles } from './catalog';
import { useProblemText } from './problems';
import { usersQueryKey } from './queryKeys';
import { Badge, NotAllowed, SettingsSection } from './shared';
import { useUpdateUser } from './UserFields';
import { EditUserForm, InvitedView, InviteForm, ResetPasswordForm } from './UserForms';
import { ResetTwoFactorDialog } from './ResetTwoFactor';

type ConsoleUser = Schemas['ConsoleUser'];
type ListedUser = Schemas['ConsoleUserListed'];

/** The people of this merchant who sign in to the console: only owners may change them. */
export function UsersTab() {
  const { t } = useTranslation('settings');
  const { can, session } = useSession();
  const canRead = can('users:read');
  const canWrite = can('users:write');
  const problemText = useProblemText();
  const query = useQuery({ queryKey: usersQueryKey, queryFn: () => unwrap(bos.GET('/v1/console-users')), enabled: canRead });
  const [inviting, setInviting] = useState(false);
  const [invited, setInvited] = useState<{ user: ConsoleUser; password: string } | null>(null);
  const [editing, setEditing] = useState<ConsoleUser | null>(null);
  const [resetting, setResetting] = useState<ConsoleUser | null>(null);
  const [disabling, setDisabling] = useState<ConsoleUser | null>(null);
  const [resettingFactor, setResettingFactor] = useState<ListedUser | null>(null);
  const update = useUpdateUser();
  const me = session?.user.id;

  const inviteButton = canWrite && (
    <button type="button" className="primary" onClick={() => setInviting(true)}>
      {t('users.invite')}
    </button>
  );
  const actions = { edit: setEditing, reset: setResetting, resetFactor: setResettingFactor, enable: (u: ConsoleUser) => update.mutate({ user: u, change: { disabled: false } }), disable: (u: ConsoleUser) => { update.reset(); setDisabling(u); }, enabling: (u: ConsoleUser) => update.isPending && update.variables?.user.id === u.id };
  return (
    <SettingsSection id="users" title={t('users.title')} intro={canWrite || !canRead ? t('users.intro') : t('users.introReadOnly')} action={inviteButton}>
      {!canRead || isForbidden(query.error) ? (
        <NotAllowed />
      ) : (
        <QueryState query={query} isEmpty={(p) => p.data.length === 0} empty={t('users.empty')}>
          {(p) => <UsersTable users={p.data} me={me} actions={canWrite ? actions : undefined} />}
        </QueryState>
      )}
      {canRead && <RoleGuide />}
      {disabling === null && <FormError message={update.isError ? problemText(update.error) : undefined} className="settings-form-error" />}

      <Dialog open={inviting} title={t('users.inviteTitle')} onClose={() => setInviting(false)}>
        <InviteForm
          onCancel={() => setInviting(false)}
          onInvited={(user, password) => {
            setInviting(false);
            setInvited({ user, password });
          }}
        />
      </Dialog>
      <Dialog open={invited !== null} title={t('users.invitedTitle')} onClose={() => setInvited(null)}>
        {invited !== null && <InvitedView user={invited.user} password={invited.password} onDone={() => setInvited(null)} />}
      </Dialog>
      <Dialog open={editing !== null} title={t('users.editTitle', { name: editing?.name ?? '' })} onClose={() => setEditing(null)}>
        {editing !== null && <EditUserForm user={editing} isMe={editing.id === me} onDone={() => setEditing(null)} />}
      </Dialog>
      <Dialog open={resetting !== null} title={t('users.resetTitle', { name: resetting?.name ?? '' })} onClose={() => setResetting(null)}>
        {resetting !== null && <ResetPasswordForm user={resetting} isMe={resetting.id === me} onDone={() => setResetting(null)} />}
      </Dialog>
      <ResetTwoFactorDialog user={resettingFactor} onClose={() => setResettingFactor(null)} />
      <ConfirmDialog
        open={disabling !== null}
        title={t('users.disableTitle')}
        confirmLabel={update.isPending ? t('users.disabling') : t('users.disable')}
        busy={update.isPending}
        error={update.isError ? problemText(update.error) : undefined}
        errorClassName="settings-form-error"
        onConfirm={() => disabling !== null && update.mutate({ user: disabling, change: { disabled: true } }, { onSuccess: () => setDisabling(null) })}
        onClose={() => {
          setDisabling(null);
          update.reset();
        }}
      >
        <p>{t('users.disableConfirm', { name: disabling?.name ?? '', email: disabling?.email ?? '' })}</p>
      </ConfirmDialog>
    </SettingsSection>
  );
}

interface UserActions {
  edit: (u: ConsoleUser) => void;
  reset: (u: ConsoleUser) => void;
  resetFactor: (u: ListedUser) => void;
  enable: (u: ConsoleUser) => void;
  disable: (u: ConsoleUser) => void;
  enabling: (u: ConsoleUser) => boolean;
}

/** The users; with `actions` (owners only), the buttons that change them. */
function UsersTable({ users, me, actions }: { users: ListedUser[]; me: string | undefined; actions: UserActions | undefined }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const f = useFormat();
  return (
    <DataTable
      caption={t('users.title')}
      rows={users}
      rowKey={(u) => u.id}
      rowProps={(u) => ({ className: [u.id === me ? 'settings-row-me' : '', u.disabled_at !== null ? 'settings-row-muted' : ''].join(' ').trim() || undefined, 'aria-current': u.id === me ? 'true' : undefined })}
      columns={[
        { label: t('users.name'), rowHeader: true, className: 'settings-row-head', cell: (u) => <>{u.name} {u.id === me && <Badge tone="me">{t('users.you')}</Badge>}</> },
        { label: t('users.email'), cell: (u) => u.email },
        { label: t('users.role'), cell: (u) => tc(`role.${u.role}`) },
        { label: t('statusColumn'), cell: (u) => (u.disabled_at !== null ? <Badge tone="disabled">{t('users.disabled')}</Badge> : <Badge tone="enabled">{t('users.active')}</Badge>) },
        { label: t('users.twoFactor'), cell: (u) => (u.two_factor_enabled ? <Badge tone="enabled">{t('users.twoFactorOn')}</Badge> : <Badge tone="disabled">{t('users.twoFactorOff')}</Badge>) },
        { label: t('users.added'), cell: (u) => <time dateTime={u.created_at}>{f.dateTime(u.created_at)}</time> },
        actions !== undefined && {
          label: tc('actions'),
          hidden: true,
          className: 'settings-actions',
          cell: (u) => (
            <>
              <button type="button" onClick={() => actions.edit(u)} aria-label={t('users.editNamed', { name: u.name })}>
                {tc('edit')}
              </button>
              <button type="button" onClick={() => actions.reset(u)} aria-label={t('users.resetNamed', { name: u.name })}>
                {t('users.resetPassword')}
              </button>
              {u.two_factor_enabled && u.id !== me && (
                <button type="button" onClick={() => actions.resetFactor(u)} aria-label={t('users.resetTwoFactorNamed', { name: u.name })}>
                  {t('users.resetTwoFactor')}
                </button>
              )}
              {u.disabled_at !== null ? (
                <button type="button" onClick={() => actions.enable(u)} disabled={actions.enabling(u)} aria-label={t('users.enableNamed', { name: u.name })}>
                  {t('users.enable')}
                </button>
              ) : (
                u.id !== me && (
                  <button type="button" className="danger" onClick={() => actions.disable(u)} aria-label={t('users.disableNamed', { name: u.name })}>
                    {t('users.disable')}
                  </button>
                )
              )}
            </>
          ),
        },
      ]}
    />
  );
}

/** What each role may do, as the server's roles grant it (src/modules/merchants/roles.ts). */
function RoleGuide() {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  return (
    <details className="card settings-help">
      <summary>
        <strong>{t('users.rolesTitle')}</strong>
      </summary>
      <dl className="facts">
        {roles.map((r) => (
          <div key={r} className="settings-contents">
            <dt>{tc(`role.${r}`)}</dt>
            <dd>{t(`users.roleHint.${r}`)}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
