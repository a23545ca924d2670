import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, unwrap, type Schemas } from '../../api';
import { Field } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { sessionQueryKey, useSession } from '../../session';
import { password_length_min, roles, type Role } from './catalog';
import { auditQueryKey, usersQueryKey } from './queryKeys';
import { CopyButton, generatePassword } from './secrets';
import { RadioOption } from './shared';

type ConsoleUser = Schemas['ConsoleUser'];
export type UserChange = { name?: string; role?: Role; disabled?: boolean; password?: string };

/** PATCH /v1/console-users/{id}; a change to one's own rights ends one's own session, so the console signs out. */
export function useUpdateUser() {
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
      await queryClient.invalidateQueries({ queryKey: auditQueryKey });
      const ownRightsChanged = user.id === session?.user.id && ((change.role !== undefined && change.role !== user.role) || change.password !== undefined);
      if (ownRightsChanged) await queryClient.invalidateQueries({ queryKey: sessionQueryKey });
    },
  });
}

export function RolePicker({ value, onChange, error }: { value: Role; onChange: (role: Role) => void; error?: string | undefined }) {
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
export function PasswordField({ label, value, onChange, error, autoFocusHere = false }: { label: string; value: string; onChange: (value: string) => void; error: string | undefined; autoFocusHere?: boolean }) {
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

export function passwordProblem(password: string, t: (key: string, options?: Record<string, unknown>) => string): string | undefined {
  if (password.length === 0) return t('users.passwordRequired');
  if (password.length < password_length_min) return t('users.passwordTooShort', { count: password_length_min });
  return undefined;
}
