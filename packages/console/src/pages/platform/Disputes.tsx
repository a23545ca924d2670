import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, OpenBosError, unwrap, type Schemas } from '../../api';
import { DataTable } from '../../components/DataTable';
import { Dialog } from '../../components/Dialog';
import { TextAreaField } from '../../components/Field';
import { FormActions, FormError } from '../../components/Form';
import { LoadMore } from '../../components/LoadMore';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';

type Dispute = Schemas['Dispute'];
type Outcome = 'refund' | 'reject';
const page_size = 50;

/** Disputes waiting for the platform, oldest first, each with both sides' reasons and a Decide button. */
export function DisputesSection() {
  const { t } = useTranslation('platform');
  const f = useFormat();
  const { can } = useSession();
  const headingId = useId();
  const [deciding, setDeciding] = useState<Dispute | undefined>();
  const disputes = useInfiniteQuery({
    queryKey: ['platform-disputes'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => unwrap(bos.GET('/v1/platform/disputes', { params: { query: { limit: page_size, ...(pageParam === undefined ? {} : { cursor: pageParam }) } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = disputes.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section className="platform-section" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('disputes.title')}</h2>
      <QueryState query={disputes} isEmpty={() => rows.length === 0} empty={t('disputes.empty')}>
        {() => (
          <>
            <DataTable<Dispute>
              caption={t('disputes.caption')}
              rows={rows}
              rowKey={(d) => d.order_id}
              rowProps={(d) => ({ 'data-order-id': d.order_id })}
              testId="platform-disputes"
              tableClassName="platform-disputes"
              columns={[
                { label: t('disputes.order'), rowHeader: true, cell: (d) => <><strong>#{d.number}</strong> <span className="muted mono">{d.order_id}</span><div>{d.seller.name} <span className="muted mono">{d.seller.handle}</span></div></> },
                { label: t('disputes.amounts'), num: true, cell: (d) => <>{t('disputes.refundAsked', { amount: f.money(d.refund_asked_minor, d.currency) })}<div className="muted">{t('disputes.ofTotal', { total: f.money(d.total_minor, d.currency) })}</div></> },
                { label: t('disputes.buyerSays'), className: 'platform-reason', cell: (d) => d.refund_reason ?? <span className="muted">{t('disputes.noReason')}</span> },
                { label: t('disputes.sellerSays'), className: 'platform-reason', cell: (d) => d.dispute_reason ?? <span className="muted">{t('disputes.noReason')}</span> },
                { label: t('disputes.since'), cell: (d) => <time dateTime={d.disputed_at}>{f.dateTime(d.disputed_at)}</time> },
                can('platform:write') && {
                  label: t('disputes.decide'),
                  hidden: true,
                  cell: (d) => (
                    <button type="button" aria-haspopup="dialog" aria-label={t('disputes.decideOrder', { number: d.number })} onClick={() => setDeciding(d)}>
                      {t('disputes.decide')}
                    </button>
                  ),
                },
              ]}
            />
            <LoadMore more={disputes.hasNextPage} loading={disputes.isFetchingNextPage} label={t('disputes.more')} loadingLabel={t('loadingMore')} onMore={() => void disputes.fetchNextPage()} />
          </>
        )}
      </QueryState>
      <Dialog open={deciding !== undefined} title={deciding === undefined ? '' : t('decide.title', { number: deciding.number })} onClose={() => setDeciding(undefined)}>
        {deciding !== undefined && <DecideForm key={deciding.order_id} dispute={deciding} onDone={() => setDeciding(undefined)} />}
      </Dialog>
    </section>
  );
}

function DecideForm({ dispute, onDone }: { dispute: Dispute; onDone: () => void }) {
  const { t } = useTranslation('platform');
  const f = useFormat();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState<string | undefined>();
  const [key] = useState(idempotencyKey);
  const decide = useMutation({
    mutationFn: (body: { outcome: Outcome; reason: string }) => unwrap(bos.POST('/v1/platform/disputes/{order_id}/decision', { params: { path: { order_id: dispute.order_id } }, body, headers: key })),
    onSuccess: async (answer) => {
      notify('success', t(`decide.done.${answer.outcome}`, { number: dispute.number }));
      await Promise.all([queryClient.invalidateQueries({ queryKey: ['platform-disputes'] }), queryClient.invalidateQueries({ queryKey: ['platform-balances'] }), queryClient.invalidateQueries({ queryKey: ['platform-balance-totals'] })]);
      onDone();
    },
    onError: (error) => {
      if (error instanceof OpenBosError && error.status === 404) void queryClient.invalidateQueries({ queryKey: ['platform-disputes'] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (outcome === undefined) return setMissing(t('decide.chooseOutcome'));
    if (reason.trim() === '') return setMissing(t('decide.reasonRequired'));
    setMissing(undefined);
    decide.mutate({ outcome, reason: reason.trim() });
  }
  const refundAmount = f.money(dispute.refund_asked_minor, dispute.currency);
  return (
    <form onSubmit={submit} noValidate>
      <dl className="platform-dispute-facts">
        <dt>{t('disputes.buyerSays')}</dt>
        <dd>{dispute.refund_reason ?? t('disputes.noReason')}</dd>
        <dt>{t('disputes.sellerSays')}</dt>
        <dd>{dispute.dispute_reason ?? t('disputes.noReason')}</dd>
      </dl>
      <fieldset className="platform-outcomes">
        <legend>{t('decide.outcome')}</legend>
        {(['refund', 'reject'] as const).map((o) => (
          <label key={o} className="platform-outcome">
            <input type="radio" name="outcome" value={o} checked={outcome === o} onChange={() => setOutcome(o)} data-autofocus={o === 'refund' ? true : undefined} />
            <span>
              <strong>{t(`decide.${o}`, { amount: refundAmount })}</strong>
              <small className="hint">{t(`decide.${o}Hint`, { amount: refundAmount, seller: dispute.seller.name })}</small>
            </span>
          </label>
        ))}
      </fieldset>
      <TextAreaField label={t('decide.reason')} hint={t('decide.reasonHint')} value={reason} maxLength={500} rows={3} onChange={(e) => setReason(e.target.value)} />
      <FormError message={missing ?? (decide.isError ? t('decide.failed', { message: decide.error.message }) : undefined)} />
      <FormActions onCancel={onDone} submitLabel={t('decide.submit')} busy={decide.isPending} busyLabel={t('decide.deciding')} />
    </form>
  );
}
