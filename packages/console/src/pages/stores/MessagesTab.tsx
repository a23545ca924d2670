import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { TextAreaField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { fetchThread, fetchThreads, replyToThread, storeKeys, type Thread } from './api';

/** Shoppers' messages to the store's guides, a thread at a time, with a reply. */
export function MessagesTab({ location_id }: { location_id: string }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const [open, setOpen] = useState<string | undefined>();
  const query = useQuery({ queryKey: storeKeys.threads(location_id), queryFn: () => fetchThreads(location_id), refetchInterval: 30_000 });
  return (
    <QueryState query={query} isEmpty={(rows) => rows.length === 0} empty={t('noThreads')}>
      {(rows) => (
        <div className="st-messages">
          <DataTable
            caption={t('threadsCaption')}
            testId="store-threads"
            rows={rows}
            rowKey={(th) => th.id}
            rowProps={(th) => ({ className: th.id === open ? 'st-selected' : undefined })}
            columns={[
              {
                label: t('thread'),
                rowHeader: true,
                cell: (th: Thread) => (
                  <button type="button" className="link" aria-expanded={th.id === open} onClick={() => setOpen(th.id === open ? undefined : th.id)}>
                    {th.consumer_name}
                  </button>
                ),
              },
              { label: t('lastMessage'), cell: (th: Thread) => <span className="st-snippet">{th.last_message?.body ?? '—'}</span> },
              { label: t('at'), cell: (th: Thread) => f.dateTime(th.last_message_at) },
              {
                label: t('status'),
                cell: (th: Thread) => (
                  <span className={`badge ${th.overdue ? 'badge-failed' : th.status === 'waiting' ? 'badge-pending' : 'badge-paid'}`}>{th.overdue ? t('threadStatuses.overdue') : t(`threadStatuses.${th.status}`)}</span>
                ),
              },
            ]}
          />
          {open !== undefined && <ThreadView key={open} thread_id={open} location_id={location_id} />}
        </div>
      )}
    </QueryState>
  );
}

function ThreadView({ thread_id, location_id }: { thread_id: string; location_id: string }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [body, setBody] = useState('');
  const query = useQuery({ queryKey: ['store-threads', thread_id], queryFn: () => fetchThread(thread_id) });
  const reply = useMutation({
    mutationFn: () => replyToThread(thread_id, body.trim()),
    onSuccess: (thread) => {
      setBody('');
      notify('success', t('replied'));
      queryClient.setQueryData(['store-threads', thread_id], thread);
      void queryClient.invalidateQueries({ queryKey: storeKeys.threads(location_id) });
    },
    onError: (error) => notify('error', error.message),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (body.trim() !== '') reply.mutate();
  }
  return (
    <QueryState query={query}>
      {(th) => (
        <Card title={th.consumer_name} className="st-thread">
          <ol className="st-bubbles" data-testid="thread-messages">
            {th.messages.map((m) => (
              <li key={m.id} className={m.author === 'consumer' ? 'st-in' : 'st-out'}>
                <div className="muted st-small">
                  {m.author === 'consumer' ? th.consumer_name : (m.guide?.name ?? t('fromStore'))} · {f.dateTime(m.created_at)}
                </div>
                {m.body}
              </li>
            ))}
          </ol>
          <form onSubmit={submit}>
            <TextAreaField label={t('replyLabel')} value={body} rows={3} maxLength={2000} onChange={(e) => setBody(e.target.value)} />
            <button type="submit" className="primary" disabled={reply.isPending || body.trim() === ''}>
              {reply.isPending ? t('sending') : t('reply')}
            </button>
          </form>
        </Card>
      )}
    </QueryState>
  );
}
