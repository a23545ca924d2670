import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, OpenBosError, unwrap, type Schemas } from '../../api';
import { TextField } from '../../components/Field';
import { useFocusWithin } from '../../components/focus';
import { DoneActions, FormActions, FormError } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { useSession } from '../../session';
import type { Role } from './catalog';
import { fieldError, useProblemText } from './problems';
import { auditQueryKey, usersQueryKey } from './queryKeys';
import { SecretReveal } from './secrets';
import { passwordProblem, PasswordField, RolePicker, useUpdateUser, type UserChange } from './UserFields';

type ConsoleUser = Schemas['ConsoleUser'];

export function InviteForm({ onInvited, onCancel }: { onInvited: (user: ConsoleUser, password: string) => void; onCancel: () => void }) {
  const { t } = useTranslation('settings');
  const queryClient = useQueryClient();
  const notify = useNotify();
  const problemText = useProblemText();
  const form = useRef<HTMLFormElement>(null);
  useFocusWithin(form);
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
      await queryClient.invalidateQueries({ queryKey: auditQueryKey });
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
      <FormError message={invite.isError && !known ? problemText(invite.error) : undefined} className="settings-form-error" />
      <FormActions onCancel={onCancel} busy={invite.isPending} busyLabel={t('users.inviting')} submitLabel={t('users.invite')} />
    </form>
  );
}

/** After an invitation: what the new person needs to sign in, the password shown this once. */
export function InvitedView({ user, password, onDone }: { user: ConsoleUser; password: string; onDone: () => void }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const { session } = useSession();
  const ref = useRef<HTMLDivElement>(null);
  useFocusWithin(ref);
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
      <DoneActions label={t('keys.done')} onDone={onDone} />
    </div>
  );
}

export function EditUserForm({ user, isMe, onDone }: { user: ConsoleUser; isMe: boolean; onDone: () => void }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const problemText = useProblemText();
  const update = useUpdateUser();
  const form = useRef<HTMLFormElement>(null);
  useFocusWithin(form);
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
      <FormError message={update.isError && !lastOwner ? problemText(update.error) : undefined} className="settings-form-error" />
      <FormActions onCancel={onDone} busy={update.isPending} submitLabel={tc('save')} />
    </form>
  );
}

export function ResetPasswordForm({ user, isMe, onDone }: { user: ConsoleUser; isMe: boolean; onDone: () => void }) {
  const { t } = useTranslation('settings');
  const problemText = useProblemText();
  const update = useUpdateUser();
  const form = useRef<HTMLFormElement>(null);
  useFocusWithin(form);
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
      <FormError message={update.isError && serverPassword === undefined ? problemText(update.error) : undefined} className="settings-form-error" />
      <FormActions onCancel={onDone} busy={update.isPending} submitLabel={t('users.setPassword')} />
    </form>
  );
}
