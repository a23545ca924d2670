import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap, type Schemas } from '../../api';
import { DataTable } from '../../components/DataTable';
import { SelectField } from '../../components/Field';
import { isForbidden, NotAllowed } from '../../components/NotAllowed';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { QueryState } from '../../components/QueryState';
import { StatusBadge } from '../../components/StatusBadge';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { useUrlState } from '../../urlState';
import { KindLabel } from './KindLabel';
import './mail.css';

type Summary = Schemas['MailMessageSummary'];
const statuses = ['queued', 'sent', 'recorded', 'failed'] as const;
type Status = (typeof statuses)[number];
const page_size = 50;

const parseStatus = (value: string | null): Status | undefined => (statuses as readonly string[]).includes(value ?? '') ? (value as Status) : undefined;

/** The outbox: what was sent on the store's behalf, its status, and (opened) its body. */
export default function Mail() {
  const { t } = useTranslation('mail');
  const { can } = useSession();
  const { params, update, goTo } = useUrlState('cursor');
  const status = parseStatus(params.get('status'));
  const cursor = params.get('cursor') ?? undefined;
  const query = useQuery({
    queryKey: ['mail', { status: status ?? null, cursor: cursor ?? null }],
    queryFn: () => unwrap(bos.GET('/v1/mail-messages', { params: { query: { limit: page_size, status, cursor } } })),
    enabled: can('users:read'),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <PageHeader title={t('title')}>
        <p className="muted">{t('intro')}</p>
      </PageHeader>
      {!can('users:read') || isForbidden(query.error) ? (
        <NotAllowed />
      ) : (
        <>
          {query.data !== undefined && <p className={query.data.transport === 'none' ? 'mail-notice mail-notice-dev' : 'mail-notice'}>{t(query.data.transport === 'none' ? 'noSmtp' : 'smtp')}</p>}
          <div className="mail-filters">
            <SelectField label={t('statusFilter')} name="status" value={status ?? ''} onChange={(e) => update({ status: e.target.value })}>
              <option value="">{t('allStatuses')}</option>
              {statuses.map((s) => (
                <MailStatusOption key={s} status={s} />
              ))}
            </SelectField>
          </div>
          <QueryState query={query} isEmpty={(page) => page.data.length === 0 && cursor === undefined} empty={t('empty')}>
            {(page) => (
              <>
                <MailTable rows={page.data} stale={query.isPlaceholderData} />
                <Pager label={t('pagination')} onFirst={cursor === undefined ? undefined : () => goTo(undefined)} onNext={page.next_cursor === null ? undefined : () => goTo(page.next_cursor ?? undefined)} />
              </>
            )}
          </QueryState>
        </>
      )}
    </>
  );
}

function MailStatusOption({ status }: { status: Status }) {
  const { t } = useTranslation();
  return <option value={status}>{t(`status.${status}`)}</option>;
}

function MailTable({ rows, stale }: { rows: readonly Summary[]; stale: boolean }) {
  const { t } = useTranslation('mail');
  const f = useFormat();
  return (
    <DataTable
      caption={t('caption')}
      rows={rows}
      rowKey={(m) => m.id}
      stale={stale}
      columns={[
        { label: t('time'), className: 'mail-nowrap', cell: (m) => <time dateTime={m.created_at}>{f.dateTime(m.created_at)}</time> },
        { label: t('to'), cell: (m) => m.to },
        { label: t('subject'), rowHeader: true, className: 'mail-subject', cell: (m) => <Link to={`/mail/${m.id}`}>{m.subject}</Link> },
        { label: t('kind'), cell: (m) => <KindLabel kind={m.kind} /> },
        { label: t('status'), cell: (m) => <StatusBadge status={m.status} /> },
        { label: t('attempts'), num: true, cell: (m) => m.attempts },
        { label: t('error'), cell: (m) => (m.last_error === null ? <span className="muted">—</span> : <span className="mail-error">{m.last_error}</span>) },
      ]}
    />
  );
}
