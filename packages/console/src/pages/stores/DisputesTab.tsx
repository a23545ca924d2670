import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../../components/DataTable';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { decideDispute, fetchDisputes, fetchSession, storeKeys, type Dispute } from './api';
import { useVariantNames } from './SessionsTab';

/** The disputes of this store's sessions (a dispute names its session; the session names its store). */
async function disputesOfStore(location_id: string): Promise<Dispute[]> {
  const all = await fetchDisputes();
  const sessions = await Promise.all([...new Set(all.map((d) => d.session_id))].map(fetchSession));
  const here = new Set(sessions.filter((s) => s.location_id === location_id).map((s) => s.id));
  return all.filter((d) => here.has(d.session_id));
}

/** Shoppers' disputes of what a session charged: refund (back through the order) or reject, with a note. */
export function DisputesTab({ location_id }: { location_id: string }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [notes, setNotes] = useState<Record<string, string>>({});
  const query = useQuery({ queryKey: storeKeys.disputes(location_id), queryFn: () => disputesOfStore(location_id) });
  const name = useVariantNames();
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
            { label: t('disputed'), rowHeader: true, cell: (d: Dispute) => `${name(d.variant_id)} ×${d.quantity}` },
            { label: t('session'), cell: (d: Dispute) => <span className="mono">{d.session_id}</span> },
            { label: t('reason'), cell: (d: Dispute) => d.reason },
            { label: t('raised'), cell: (d: Dispute) => f.dateTime(d.created_at) },
            {
              label: t('status'),
              cell: (d: Dispute) => (
                <>
                  <span className={`badge ${d.status === 'open' ? 'badge-pending' : d.status === 'refunded' ? 'badge-paid' : ''}`}>{t(`disputeStatuses.${d.status}`)}</span>
                  {d.note !== null && <div className="muted st-small">{d.note}</div>}
                </>
              ),
            },
            {
              label: t('actions', { ns: 'common' }),
              cell: (d: Dispute) =>
                d.status === 'open' ? (
                  <div className="st-decide">
                    <input aria-label={t('note')} placeholder={t('note')} value={notes[d.id] ?? ''} maxLength={500} onChange={(e) => setNotes({ ...notes, [d.id]: e.target.value })} />
                    <button type="button" disabled={decide.isPending || (notes[d.id] ?? '').trim() === ''} onClick={() => decide.mutate({ id: d.id, outcome: 'refund' })}>
                      {t('refund')}
                    </button>
                    <button type="button" disabled={decide.isPending || (notes[d.id] ?? '').trim() === ''} onClick={() => decide.mutate({ id: d.id, outcome: 'reject' })}>
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
