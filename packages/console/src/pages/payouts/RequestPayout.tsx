import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { bos, idempotencyKey, OpenBosError, unwrap } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useNotify } from '../../components/Notices';
import { useFormat } from '../../format';
import { useSession } from '../../session';

const knownProblems = ['balance_changed', 'nothing_to_pay_out', 'below_payout_minimum'] as const;

/**
 * The seller asks to be paid the available balance now. The confirmation names the amount, and
 * the request carries it: if the balance changed meanwhile the server refuses, so nobody is paid
 * an amount they did not see. One idempotency key per confirmation, so a double click or a retry
 * pays once. Then the new payout opens with its statement.
 */
export function RequestPayout({ currency, available_minor }: { currency: string; available_minor: number }) {
  const { t } = useTranslation('payouts');
  const f = useFormat();
  const { can } = useSession();
  const notify = useNotify();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [key, setKey] = useState(idempotencyKey);
  const request = useMutation({
    mutationFn: () => unwrap(bos.POST('/v1/payouts', { body: { currency, amount_minor: available_minor }, headers: key })),
    onSuccess: async (payout) => {
      notify('success', t('request.done', { amount: f.money(payout.amount_minor, payout.currency) }));
      setOpen(false);
      await Promise.all([queryClient.invalidateQueries({ queryKey: ['balance'] }), queryClient.invalidateQueries({ queryKey: ['payouts'] }), queryClient.invalidateQueries({ queryKey: ['payments'] })]);
      void navigate(`/payouts/${encodeURIComponent(payout.id)}`);
    },
    onError: (error) => {
      if (error instanceof OpenBosError && error.status === 409) void queryClient.invalidateQueries({ queryKey: ['balance'] });
    },
  });
  if (!can('payouts:write')) return <p className="muted payouts-request-hint">{t('request.notAllowed')}</p>;
  if (available_minor <= 0) return <p className="muted payouts-request-hint">{t('request.nothingAvailable')}</p>;
  const code = request.error instanceof OpenBosError ? knownProblems.find((c) => c === (request.error as OpenBosError).code) : undefined;
  const amount = f.money(available_minor, currency);
  return (
    <>
      <button
        type="button"
        className="primary"
        aria-haspopup="dialog"
        data-testid={`request-payout-${currency}`}
        onClick={() => {
          request.reset();
          setKey(idempotencyKey());
          setOpen(true);
        }}
      >
        {t('request.button', { amount })}
      </button>
      <ConfirmDialog
        open={open}
        danger={false}
        title={t('request.title')}
        confirmLabel={t('request.confirm', { amount })}
        busy={request.isPending}
        error={request.isError ? (code === undefined ? t('request.failed', { message: request.error.message }) : t(`request.problem.${code}`)) : undefined}
        onConfirm={() => request.mutate()}
        onClose={() => setOpen(false)}
      >
        <p>{t('request.explain', { amount })}</p>
        <p className="muted">{t('request.statementNote')}</p>
      </ConfirmDialog>
    </>
  );
}
