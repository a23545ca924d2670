import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, OpenBosError, unwrap, type Schemas } from '../../api';
import { Dialog } from '../../components/Dialog';
import { Field, TextField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { sessionQueryKey, useSession } from '../../session';
import { password_length_min, roles, type Role } from './catalog';
import { Badge, ConfirmDialog, CopyButton, fieldError, FormError, generatePassword, isForbidden, NotAllowed, RadioOption, SecretReveal, useAutoFocus, useProblemText } from './shared';

type ConsoleUser = Schemas['ConsoleUser'];
type UserChange = { name?: string; role?: Role; disabled?: boolean; password?: string };

export const usersQueryKey = ['console-users'] as const;

/** The people of this merchant who sign in to the console: only owners may change them. */
export function UsersTab() {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const { can, session } = useSession();
  const canRead = can('users:read');
  const canWrite = can('users:write');
  const f = useFormat();
  const problemText = useProblemText();
  const query = useQuery({ queryKey: usersQueryKey, queryFn: () => unwrap(bos.GET('/v1/console-users')), enabled: canRead });
  const [inviting, setInviting] = useState(false);
  const [invited, setInvited] = useState<{ user: ConsoleUser; password: string } | null>(null);
  const [editing, setEditing] = useState<ConsoleUser | null>(null);
  const [resetting, setResetting] = useState<ConsoleUser | null>(null);
  const [disabling, setDisabling] = useState<ConsoleUser | null>(null);
  const update = useUpdateUser();
  const me = session?.user.id;

  return (
    <section aria-labelledby="settings-users-heading">
      <div className="settings-section-head">
        <div>
          <h2 id="settings-users-heading">{t('users.title')}</h2>
          <p className="muted">{canWrite || !canRead ? t('users.intro') : t('users.introReadOnly')}</p>
        </div>
        {canWrite && (
          <button type="button" className="primary" onClick={() => setInviting(true)}>
            {t('users.invite')}
          </button>
        )}
      </div>
      {!canRead || isForbidden(query.error) ? (
        <NotAllowed />
      ) : (
        <QueryState query={query} isEmpty={(p) => p.data.length === 0} empty={t('users.empty')}>
          {(p) => (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">{t('users.title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('users.name')}</th>
                    <th scope="col">{t('users.email')}</th>
                    <th scope="col">{t('users.role')}</th>
                    <th scope="col">{t('statusColumn')}</th>
                    <th scope="col">{t('users.added')}</th>
                    {canWrite && (
                      <th scope="col">
                        <span className="visually-hidden">{tc('actions')}</span>
                      </th>
                    )}
                  </tr>
                </thead>
                <tbody>
                  {p.data.map((u) => {
                    const isMe = u.id === me;
                    const disabled = u.disabled_at !== null;
                    return (
                      <tr key={u.id} className={[isMe ? 'settings-row-me' : '', disabled ? 'settings-row-muted' : ''].join(' ').trim() || undefined} aria-current={isMe ? 'true' : undefined}>
                        <th scope="row" className="settings-row-head">
                          {u.name} {isMe && <Badge tone="me">{t('users.you')}</Badge>}
                        </th>
                        <td>{u.email}</td>
                        <td>{tc(`role.${u.role}`)}</td>
                        <td>{disabled ? <Badge tone="disabled">{t('users.disabled')}</Badge> : <Badge tone="enabled">{t('users.active')}</Badge>}</td>
                        <td>
                          <time dateTime={u.created_at}>{f.dateTime(u.created_at)}</time>
                        </td>
                        {canWrite && (
                          <td className="settings-actions">
                            <button type="button" onClick={() => setEditing(u)} aria-label={t('users.editNamed', { name: u.name })}>
                              {tc('edit')}
                            </button>
                            <button type="button" onClick={() => setResetting(u)} aria-label={t('users.resetNamed', { name: u.name })}>
                              {t('users.resetPassword')}
                            </button>
                            {disabled ? (
                              <button
                                type="button"
                                onClick={() => update.mutate({ user: u, change: { disabled: false } })}
                                disabled={update.isPending && update.variables?.user.id === u.id}
                                aria-label={t('users.enableNamed', { name: u.name })}
                              >
                                {t('users.enable')}
                              </button>
                            ) : (
                              !isMe && (
                                <button type="button" className="danger" onClick={() => { update.reset(); setDisabling(u); }} aria-label={t('users.disableNamed', { name: u.name })}>
                                  {t('users.disable')}
                                </button>
                              )
                            )}
                          </td>
                        )}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </QueryState>
      )}
      {canRead && <RoleGuide />}
      {update.isError && disabling === null && (
        <p className="form-error settings-form-error" role="alert">
          {problemText(update.error)}
        </p>
      )}

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
      <ConfirmDialog
        open={disabling !== null}
        title={t('users.disableTitle')}
        confirmLabel={update.isPending ? t('users.disabling') : t('users.disable')}
        busy={update.isPending}
        error={update.isError ? problemText(update.error) : undefined}
        onConfirm={() => disabling !== null && update.mutate({ user: disabling, change: { disabled: true } }, { onSuccess: () => setDisabling(null) })}
        onClose={() => {
          setDisabling(null);
          update.reset();
        }}
      >
        <p>{t('users.disableConfirm', { name: disabling?.name ?? '', email: disabling?.email ?? '' })}</p>
      </ConfirmDialog>
    </section>
  );
}

/** PATCH /v1/console-users/{id}; a change to one's own rights ends one's own session, so the console signs out. */
function useUpdateUser() {
  const { t } = useTranslation('settings');
  const { session } = useSession();
  const queryClient = useQueryClient();
  const notify = useNotify();
  return useMutation({
    mutationFn: ({ user, change }: { user: ConsoleUser; change: UserChange }) =>
      unwrap(bos.PATCH('/v1/console-users/{user_id}', { params: { path: { user_id: user.id } }, body: change, headers: idempotencyKey() })),
    onSuccess: async (after, { user, change }) => {
      if (change.disabled === true) notify('success', t('users.disabledNotice', { name: after.name }));
      else if (change.disabled === false) notify('success', t('users.enabledNotice', { name: after.name }));
      else if (change.password !== undefined) notify('success', t('users.passwordNotice', { name: after.name }));
      else notify('success', t('users.savedNotice', { name: after.name }));
      await queryClient.invalidateQueries({ queryKey: usersQueryKey });
      await queryClient.invalidateQueries({ queryKey: ['audit-events'] });
      const ownRightsChanged = user.id === session?.user.id && ((change.role !== undefined && change.role !== user.role) || change.password !== undefined);
      if (ownRightsChanged) await queryClient.invalidateQueries({ queryKey: sessionQueryKey });
    },
  });
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

function RolePicker({ value, onChange, error }: { value: Role; onChange: (role: Role) => void; error?: string | undefined }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const name = useId();
  return (
    <fieldset className={error === undefined ? undefined : 'field-invalid'}>
      <legend>{t('users.role')}</legend>
      <div className="settings-radios">
        {roles.map((r) => (
          <RadioOption key={r} name={name} value={r} checked={value === r} onChange={() => onChange(r)} label={tc(`role.${r}`)} hint={t(`users.roleHint.${r}`)} />
        ))}
      </div>
      {error !== undefined && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}

/** A password field with show/hide, a strong generated password and a copy button. */
function PasswordField({ label, value, onChange, error, autoFocusHere = false }: { label: string; value: string; onChange: (value: string) => void; error: string | undefined; autoFocusHere?: boolean }) {
  const { t } = useTranslation('settings');
  const [shown, setShown] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  return (
    <Field label={label} error={error} hint={t('users.passwordHint', { count: password_length_min })}>
      {(a11y) => (
        <div className="settings-password">
          <input ref={input} {...a11y} type={shown ? 'text' : 'password'} value={value} minLength={password_length_min} maxLength={200} required autoComplete="new-password" spellCheck={false} onChange={(e) => onChange(e.target.value)} data-autofocus={autoFocusHere ? '' : undefined} />
          <button type="button" onClick={() => setShown((s) => !s)} aria-pressed={shown}>
            {shown ? t('users.hide') : t('users.show')}
          </button>
          <button
            type="button"
            onClick={() => {
              onChange(generatePassword());
              setShown(true);
            }}
          >
            {t('users.generate')}
          </button>
          {value !== '' && <CopyButton text={value} target={input} label={t('copyLabel', { what: label })} />}
        </div>
      )}
    </Field>
  );
}

function passwordProblem(password: string, t: (key: string, options?: Record<string, unknown>) => string): string | undefined {
  if (password.length === 0) return t('users.passwordRequired');
  if (password.length < password_length_min) return t('users.passwordTooShort', { count: password_length_min });
  return undefined;
}

function InviteForm({ onInvited, onCancel }: { onInvited: (user: ConsoleUser, password: string) => void; onCancel: () => void }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const problemText = useProblemText();
  const form = useRef<HTMLFormElement>(null);
  useAutoFocus(form);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('staff');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<{ email?: string | undefined; name?: string | undefined; password?: string | undefined }>({});
  const invite = useMutation({
    mutationFn: (body: { email: string; name: string; role: Role; password: string }) => unwrap(bos.POST('/v1/console-users', { body, headers: idempotencyKey() })),
    onSuccess: async (user, body) => {
      notify('success', t('users.invitedNotice', { name: user.name }));
      onInvited(user, body.password);
      await queryClient.invalidateQueries({ queryKey: usersQueryKey });
      await queryClient.invalidateQueries({ queryKey: ['audit-events'] });
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const next = {
      email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim()) ? undefined : t('users.emailInvalid'),
      name: name.trim() === '' ? t('users.nameRequired') : undefined,
      password: passwordProblem(password, t),
    };
    setErrors(next);
    if (next.email !== undefined || next.name !== undefined || next.password !== undefined) return;
    invite.mutate({ email: email.trim(), name: name.trim(), role, password });
  }

  const emailTaken = invite.error instanceof OpenBosError && invite.error.code === 'email_taken';
  const serverEmail = emailTaken ? t('problem.emailTaken') : fieldError(invite.error, 'email');
  const serverName = fieldError(invite.error, 'name');
  const serverPassword = fieldError(invite.error, 'password');
  const known = serverEmail !== undefined || serverName !== undefined || serverPassword !== undefined;

  return (
    <form ref={form} onSubmit={submit} noValidate className="settings-form">
      <TextField label={t('users.email')} type="email" required maxLength={254} autoComplete="off" value={email} onChange={(e) => { setEmail(e.target.value); setErrors((x) => ({ ...x, email: undefined })); }} error={errors.email ?? serverEmail} data-autofocus />
      <TextField label={t('users.name')} required maxLength={200} autoComplete="off" value={name} onChange={(e) => { setName(e.target.value); setErrors((x) => ({ ...x, name: undefined })); }} error={errors.name ?? serverName} />
      <RolePicker value={role} onChange={setRole} />
      <PasswordField label={t('users.initialPassword')} value={password} onChange={(v) => { setPassword(v); setErrors((x) => ({ ...x, password: undefined })); }} error={errors.password ?? serverPassword} />
      <FormError message={invite.isError && !known ? problemText(invite.error) : undefined} />
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          {tc('cancel')}
        </button>
        <button type="submit" className="primary" disabled={invite.isPending} aria-busy={invite.isPending}>
          {invite.isPending ? t('users.inviting') : t('users.invite')}
        </button>
      </div>
    </form>
  );
}

/** After an invitation: what the new person needs to sign in, the password shown this once. */
function InvitedView({ user, password, onDone }: { user: ConsoleUser; password: string; onDone: () => void }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const { session } = useSession();
  const ref = useRef<HTMLDivElement>(null);
  useAutoFocus(ref);
  const signInUrl = `${window.location.origin}/console/sign-in`;
  return (
    <div ref={ref}>
      <p>{t('users.invitedIntro', { name: user.name })}</p>
      <dl className="facts settings-facts">
        <dt>{t('users.signInPage')}</dt>
        <dd className="mono">{signInUrl}</dd>
        <dt>{tc('signIn.merchant')}</dt>
        <dd className="mono">{session?.merchant.handle}</dd>
        <dt>{t('users.email')}</dt>
        <dd className="mono">{user.email}</dd>
        <dt>{t('users.role')}</dt>
        <dd>{tc(`role.${user.role}`)}</dd>
      </dl>
      <SecretReveal label={t('users.initialPassword')} value={password} warning={t('users.passwordWarning')} />
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onDone}>
          {t('keys.done')}
        </button>
      </div>
    </div>
  );
}

function EditUserForm({ user, isMe, onDone }: { user: ConsoleUser; isMe: boolean; onDone: () => void }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const problemText = useProblemText();
  const update = useUpdateUser();
  const form = useRef<HTMLFormElement>(null);
  useAutoFocus(form);
  const [name, setName] = useState(user.name);
  const [role, setRole] = useState<Role>(user.role);
  const [nameError, setNameError] = useState<string | undefined>();

  function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed === '') return setNameError(t('users.nameRequired'));
    // Only what changed is sent: a role left as it was does not sign the person out.
    const change: UserChange = { ...(trimmed === user.name ? {} : { name: trimmed }), ...(role === user.role ? {} : { role }) };
    if (Object.keys(change).length === 0) return onDone();
    update.mutate({ user, change }, { onSuccess: onDone });
  }

  const lastOwner = update.error instanceof OpenBosError && update.error.code === 'last_owner';
  return (
    <form ref={form} onSubmit={submit} noValidate className="settings-form">
      <p className="muted">{user.email}</p>
      <TextField label={t('users.name')} required maxLength={200} value={name} onChange={(e) => { setName(e.target.value); setNameError(undefined); }} error={nameError ?? fieldError(update.error, 'name')} data-autofocus />
      <RolePicker value={role} onChange={setRole} error={lastOwner ? t('problem.lastOwner') : undefined} />
      {isMe && role !== user.role && (
        <p className="settings-warning" role="note">
          {t('users.ownRoleWarning')}
        </p>
      )}
      <FormError message={update.isError && !lastOwner ? problemText(update.error) : undefined} />
      <div className="dialog-actions">
        <button type="button" onClick={onDone}>
          {tc('cancel')}
        </button>
        <button type="submit" className="primary" disabled={update.isPending} aria-busy={update.isPending}>
          {update.isPending ? tc('saving') : tc('save')}
        </button>
      </div>
    </form>
  );
}

function ResetPasswordForm({ user, isMe, onDone }: { user: ConsoleUser; isMe: boolean; onDone: () => void }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const problemText = useProblemText();
  const update = useUpdateUser();
  const form = useRef<HTMLFormElement>(null);
  useAutoFocus(form);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();

  function submit(event: FormEvent) {
    event.preventDefault();
    const problem = passwordProblem(password, t);
    setError(problem);
    if (problem !== undefined) return;
    update.mutate({ user, change: { password } }, { onSuccess: onDone });
  }

  const serverPassword = fieldError(update.error, 'password');
  return (
    <form ref={form} onSubmit={submit} noValidate className="settings-form settings-password-form">
      <p>{t('users.resetIntro', { name: user.name, email: user.email })}</p>
      <p className="settings-warning" role="note">
        {isMe ? t('users.resetOwnWarning') : t('users.resetWarning')}
      </p>
      <PasswordField label={t('users.newPassword')} value={password} onChange={(v) => { setPassword(v); setError(undefined); }} error={error ?? serverPassword} autoFocusHere />
      <FormError message={update.isError && serverPassword === undefined ? problemText(update.error) : undefined} />
      <div className="dialog-actions">
        <button type="button" onClick={onDone}>
          {tc('cancel')}
        </button>
        <button type="submit" className="primary" disabled={update.isPending} aria-busy={update.isPending}>
          {update.isPending ? tc('saving') : t('users.setPassword')}
        </button>
      </div>
    </form>
  );
}
