import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { SelectField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { variantsQuery } from '../stock/api';
import { fetchSession, fetchSessions, resolveSession, storeKeys, type SessionDetail as Detail, type ShoppingSession } from './api';

const statuses = ['open', 'review', 'charging', 'charged', 'empty'] as const;

/** Names variants by ID in the reader's language (every product's variants, read once). */
export function useVariantNames(): (variant_id: string) => string {
  const { i18n } = useTranslation();
  const variants = useQuery(variantsQuery(i18n.language));
  const names = new Map((variants.data ?? []).map((v) => [v.id, `${v.label} (${v.sku})`]));
  return (variant_id) => names.get(variant_id) ?? variant_id;
}

/** Shopping sessions in an unattended store: who is in now, and the ones on review with their evidence. */
export function SessionsTab({ location_id }: { location_id: string }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const [status, setStatus] = useState<(typeof statuses)[number]>('review');
  const [shown, setShown] = useState<string | undefined>();
  const query = useQuery({ queryKey: storeKeys.sessions(location_id, status), queryFn: () => fetchSessions(location_id, status), refetchInterval: 15_000 });
  return (
    <>
      <div className="st-toolbar">
        <SelectField label={t('sessionStatus')} value={status} onChange={(e) => setStatus(statuses.find((x) => x === e.target.value) ?? 'review')} fieldClassName="field st-inline">
          {statuses.map((s) => (
            <option key={s} value={s}>
              {t(`sessionStatuses.${s}`)}
            </option>
          ))}
        </SelectField>
      </div>
      <QueryState query={query} isEmpty={(rows) => rows.length === 0} empty={t('noSessions')}>
        {(rows) => (
          <DataTable
            caption={t('sessionsCaption')}
            testId="store-sessions"
            rows={rows}
            rowKey={(s) => s.id}
            columns={[
              { label: t('session'), rowHeader: true, cell: (s: ShoppingSession) => <span className="mono">{s.id}</span> },
              { label: t('shopper'), cell: (s: ShoppingSession) => <span className="mono">{s.consumer_id}</span> },
              { label: t('entered'), cell: (s: ShoppingSession) => f.dateTime(s.opened_at) },
              { label: t('left'), cell: (s: ShoppingSession) => (s.closed_at === null ? '—' : f.dateTime(s.closed_at)) },
              {
                label: t('status'),
                cell: (s: ShoppingSession) => (
                  <>
                    <span className={`badge ${s.status === 'review' ? 'badge-pending' : s.status === 'charged' ? 'badge-paid' : ''}`}>{t(`sessionStatuses.${s.status}`)}</span>
                    {s.stale && <span className="badge badge-failed">{t('stale')}</span>}
                  </>
                ),
              },
              { label: t('reasons'), cell: (s: ShoppingSession) => [...new Set(s.review_reasons.map((r) => t(`reviewReasons.${r.reason}`, { defaultValue: r.reason })))].join(', ') || '—' },
              {
                label: t('details'),
                hidden: true,
                cell: (s: ShoppingSession) => (
                  <button type="button" aria-expanded={shown === s.id} onClick={() => setShown(shown === s.id ? undefined : s.id)}>
                    {shown === s.id ? t('hide') : t('details')}
                  </button>
                ),
              },
            ]}
          />
        )}
      </QueryState>
      {shown !== undefined && <SessionDetail key={shown} session_id={shown} location_id={location_id} onDone={() => setShown(undefined)} />}
    </>
  );
}

function SessionDetail({ session_id, location_id, onDone }: { session_id: string; location_id: string; onDone: () => void }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: storeKeys.session(session_id), queryFn: () => fetchSession(session_id) });
  const name = useVariantNames();
  const [corrected, setCorrected] = useState<Record<string, string>>({});
  const resolve = useMutation({
    mutationFn: (s: Detail) => resolveSession(session_id, s.lines.map((l) => ({ variant_id: l.variant_id, quantity: Number(corrected[l.variant_id] ?? l.quantity) })).filter((l) => Number.isInteger(l.quantity) && l.quantity >= 0)),
    onSuccess: () => {
      notify('success', t('resolved', { id: session_id }));
      void queryClient.invalidateQueries({ queryKey: ['stores', location_id, 'sessions'] });
      void queryClient.invalidateQueries({ queryKey: storeKeys.session(session_id) });
      onDone();
    },
    onError: (error) => notify('error', error.message),
  });
  return (
    <Card title={t('linesCaption', { id: session_id })} className="st-detail">
      <QueryState query={query}>
        {(s) => (
          <>
            <DataTable
              caption={t('linesCaption', { id: session_id })}
              testId="session-lines"
              rows={s.lines}
              rowKey={(l) => l.variant_id}
              columns={[
                {
                  label: t('product'),
                  rowHeader: true,
                  cell: (l) => (
                    <>
                      {name(l.variant_id)}
                      {l.uncertain && <span className="badge badge-pending">{t('uncertain')}</span>}
                      {l.reasons.length > 0 && <div className="muted st-small">{l.reasons.map((r) => t(`reviewReasons.${r}`, { defaultValue: r })).join(', ')}</div>}
                    </>
                  ),
                },
                {
                  label: t('quantity'),
                  num: true,
                  cell: (l) =>
                    s.status === 'review' ? (
                      <input
                        type="number"
                        min={0}
                        step={1}
                        className="st-qty"
                        aria-label={t('correctedQuantity', { title: name(l.variant_id) })}
                        value={corrected[l.variant_id] ?? String(l.quantity)}
                        onChange={(e) => setCorrected({ ...corrected, [l.variant_id]: e.target.value })}
                      />
                    ) : (
                      f.number(l.quantity)
                    ),
                },
                {
                  label: t('evidence'),
                  cell: (l) => (
                    <ul className="st-evidence">
                      {l.evidence.map((e) => (
                        <li key={e.event_id}>
                          {t('evidenceEvent', { kind: t(`eventKinds.${e.kind}`), quantity: e.quantity, at: f.dateTime(e.at) })}
                          <span className="muted">
                            {' '}
                            · {t('confidence', { pct: Math.round(e.confidence * 100) })} · {t(`evidenceStatuses.${e.status}`, { defaultValue: e.status })}
                            {e.reason !== undefined && ` · ${e.reason}`}
                          </span>
                        </li>
                      ))}
                    </ul>
                  ),
                },
              ]}
            />
            {s.status === 'review' && (
              <p>
                <button type="button" className="primary" disabled={resolve.isPending} onClick={() => resolve.mutate(s)}>
                  {resolve.isPending ? t('resolving') : t('resolve')}
                </button>
              </p>
            )}
          </>
        )}
      </QueryState>
    </Card>
  );
}
