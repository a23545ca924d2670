import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { DataTable } from '../../components/DataTable';
import { isForbidden, NotAllowed } from '../../components/NotAllowed';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { audiencesQuery, type Audience } from './api';
import './audiences.css';

/** The brand's saved audiences with their last recorded size. */
export default function Audiences() {
  const { t } = useTranslation('audiences');
  const { can } = useSession();
  const list = useQuery({ ...audiencesQuery, enabled: can('audiences:read'), refetchOnMount: 'always' });
  return (
    <>
      <PageHeader
        title={t('title')}
        actions={
          can('audiences:write') ? (
            <Link className="button primary" to="/audiences/new">
              {t('newAudience')}
            </Link>
          ) : undefined
        }
      >
        <p className="muted">{t('intro')}</p>
      </PageHeader>
      {!can('audiences:read') || isForbidden(list.error) ? (
        <NotAllowed />
      ) : (
        <QueryState query={list} isEmpty={(page) => page.data.length === 0} empty={t('none')}>
          {(page) => <AudiencesTable rows={page.data} />}
        </QueryState>
      )}
    </>
  );
}

function AudiencesTable({ rows }: { rows: readonly Audience[] }) {
  const { t } = useTranslation('audiences');
  const f = useFormat();
  return (
    <DataTable
      caption={t('caption')}
      rows={rows}
      rowKey={(a) => a.id}
      columns={[
        { label: t('name'), rowHeader: true, cell: (a) => <Link to={`/audiences/${a.id}`}>{a.name}</Link> },
        { label: t('rule'), cell: (a) => a.summary },
        { label: t('size'), cell: (a) => (a.size === null ? <span className="muted">{t('notRecorded')}</span> : f.number(a.size)) },
        { label: t('tracked'), cell: (a) => (a.track_membership ? '✓' : '') },
      ]}
    />
  );
}
