import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { bos, unwrap, type Schemas } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useNotify } from '../../components/Notices';
import { useProblemText } from './problems';
import { auditQueryKey, usersQueryKey } from './queryKeys';

/** An owner removes another person's second factor (a lost phone), after a confirmation; audited by the server. */
export function ResetTwoFactorDialog({ user, onClose }: { user: Schemas['ConsoleUserListed'] | null; onClose: () => void }) {
  const { t } = useTranslation('settings');
  const notify = useNotify();
  const problemText = useProblemText();
  const queryClient = useQueryClient();
  const reset = useMutation({
    mutationFn: (target: Schemas['ConsoleUserListed']) => unwrap(bos.DELETE('/v1/console-users/{user_id}/two-factor', { params: { path: { user_id: target.id } } })),
    onSuccess: async (_answer, target) => {
      notify('success', t('users.resetTwoFactorNotice', { name: target.name }));
      await queryClient.invalidateQueries({ queryKey: usersQueryKey });
      await queryClient.invalidateQueries({ queryKey: auditQueryKey });
      onClose();
    },
  });
  return (
    <ConfirmDialog
      open={user !== null}
      title={t('users.resetTwoFactorTitle')}
      confirmLabel={t('users.resetTwoFactor')}
      busy={reset.isPending}
      error={reset.isError ? problemText(reset.error) : undefined}
      errorClassName="settings-form-error"
      onConfirm={() => user !== null && reset.mutate(user)}
      onClose={() => {
        reset.reset();
        onClose();
      }}
    >
      <p>{t('users.resetTwoFactorConfirm', { name: user?.name ?? '', email: user?.email ?? '' })}</p>
    </ConfirmDialog>
  );
}
