import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { FormError } from '../../components/Form';
import { QueryState } from '../../components/QueryState';
import { useProblemText } from './problems';
import { auditQueryKey, twoFactorPolicyQueryKey, twoFactorQueryKey } from './queryKeys';

/** The owner's switch: everyone signs in with a second factor; those without one set it up at their next sign-in. */
export function TwoFactorPolicy() {
  const { t } = useTranslation('settings');
  const problemText = useProblemText();
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: twoFactorPolicyQueryKey, queryFn: () => unwrap(bos.GET('/v1/two-factor-policy')) });
  // What the owner just asked for, shown at once: the mutation's own pending state arrives a tick
  // later, and a controlled checkbox would flick back in between.
  const [wanted, setWanted] = useState<boolean | undefined>(undefined);
  const save = useMutation({
    mutationFn: (required: boolean) => unwrap(bos.PUT('/v1/two-factor-policy', { body: { required } })),
    onSettled: () => setWanted(undefined),
    onSuccess: async (policy) => {
      queryClient.setQueryData(twoFactorPolicyQueryKey, policy);
      await queryClient.invalidateQueries({ queryKey: twoFactorQueryKey });
      await queryClient.invalidateQueries({ queryKey: auditQueryKey });
    },
  });
  return (
    <Card title={t('security.policyTitle')}>
      <QueryState query={query}>
        {(policy) => (
          <>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={wanted ?? policy.required}
                disabled={save.isPending}
                onChange={(e) => {
                  setWanted(e.target.checked);
                  save.mutate(e.target.checked);
                }}
              /> {t('security.require')}
            </label>
            <p className="hint">{t('security.requireHint')}</p>
            <FormError message={save.isError ? problemText(save.error) : undefined} />
          </>
        )}
      </QueryState>
    </Card>
  );
}
