import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../../components/DataTable';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { decideDispute, fetchDisputes, storeKeys, type Dispute } from './api';

/** Shoppers' disputes of what a session charged: refund (back through the order) or reject, with a note. */
export function DisputesTab({ location_id }: { location_id: string }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [notes, setNotes] = useState<Record<string, string>>({});
  const query = useQuery({ queryKey: storeKeys.disputes(location_id), queryFn: () => fetchDisputes(location_id) });
  const decide = useMutation({
    mutationFn: ({ id, outcome }: { id: string; outcome: 'refund' | 'reject' }) => decideDispute(id, outcome, (notes[id] ?? '').trim()),
    onSuccess: (_, { outcome }) => {
      notify('success', t('decided', { outcome: t(outcome) }));
      void queryClient.invalidateQueries({ queryKey: storeKeys.disputes(location_id) });
    },
    onError: (error) => notify('error', error.message),
  });
  return (
    <QueryState query={query} isEmpty={(rows) => rows.length === 0} empty={t('noDisputes')}>
      {(rows) => (
        <DataTable
          caption={t('disputesCaption')}
          testId="store-disputes"
          rows={rows}
          rowKey={(d) => d.id}
          columns={[
            { label: t('disputed'), rowHeader: true, cell: (d: Dispute) => `${d.title ?? d.variant_id} ×${d.quantity}` },
            { label: t('session'), cell: (d: Dispute) => <span className="mono">{d.session_id}</span> },
            { label: t('reason'), cell: (d: Dispute) => d.reason },
            { label: t('raised'), cell: (d: Dispute) => f.dateTime(d.created_at) },
            { label: t('status'), cell: (d: Dispute) => <span className="badge">{t(`disputeStatuses.${d.status}`, { defaultValue: d.status })}</span> },
            {
              label: t('actions', { ns: 'common' }),
              cell: (d: Dispute) =>
                d.status === 'open' ? (
                  <div className="st-decide">
                    <input aria-label={t('note')} placeholder={t('note')} value={notes[d.id] ?? ''} maxLength={500} onChange={(e) => setNotes({ ...notes, [d.id]: e.target.value })} />
                    <button type="button" disabled={decide.isPending} onClick={() => decide.mutate({ id: d.id, outcome: 'refund' })}>
                      {t('refund')}
                    </button>
                    <button type="button" disabled={decide.isPending} onClick={() => decide.mutate({ id: d.id, outcome: 'reject' })}>
                      {t('reject')}
                    </button>
                  </div>
                ) : (
                  '—'
                ),
            },
          ]}
        />
      )}
    </QueryState>
  );
}
