import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { OpenBosError } from '../../api';
import { DataTable } from '../../components/DataTable';
import { isForbidden, NotAllowed } from '../../components/NotAllowed';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { actionsOf, campaignAction, campaignsQuery, seasonsQuery, type Campaign, type CampaignAction } from './api';
import { SeasonCalendar } from './SeasonCalendar';
import './campaigns.css';

/** The merchant's campaigns with their lifecycle actions, and each season plan as a calendar. */
export default function Campaigns() {
  const { t } = useTranslation('campaigns');
  const { can } = useSession();
  const list = useQuery({ ...campaignsQuery, enabled: can('campaigns:read'), refetchOnMount: 'always' });
  const seasons = useQuery({ ...seasonsQuery, enabled: can('campaigns:read') });
  return (
    <>
      <PageHeader
        title={t('title')}
        actions={
          can('campaigns:write') ? (
            <Link className="button primary" to="/campaigns/new">
              {t('newCampaign')}
            </Link>
          ) : undefined
        }
      >
        <p className="muted">{t('intro')}</p>
      </PageHeader>
      {!can('campaigns:read') || isForbidden(list.error) ? (
        <NotAllowed />
      ) : (
        <>
          <QueryState query={list} isEmpty={(page) => page.data.length === 0} empty={t('none')}>
            {(page) => <CampaignsTable rows={page.data} />}
          </QueryState>
          {seasons.data?.data.map((s) => <SeasonCalendar key={s.id} seasonId={s.id} />)}
        </>
      )}
    </>
  );
}

function CampaignsTable({ rows }: { rows: readonly Campaign[] }) {
  const { t } = useTranslation('campaigns');
  const f = useFormat();
  const { can } = useSession();
  const client = useQueryClient();
  const notify = useNotify();
  const act = useMutation({
    mutationFn: ({ id, action }: { id: string; action: CampaignAction }) => campaignAction(id, action),
    onSuccess: async (c) => {
      notify('success', t('changed', { name: c.name, status: t(`statusOf.${c.status}`) }));
      await client.invalidateQueries({ queryKey: ['campaigns'] });
    },
    onError: (e) => notify('error', e instanceof OpenBosError ? e.message : String(e)),
  });
  return (
    <DataTable
      caption={t('caption')}
      rows={rows}
      rowKey={(c) => c.id}
      columns={[
        { label: t('name'), rowHeader: true, cell: (c) => <Link to={`/campaigns/${c.id}`}>{c.name}</Link> },
        { label: t('status'), cell: (c) => <span className={`badge badge-campaign-${c.status}`}>{t(`statusOf.${c.status}`)}</span> },
        { label: t('entry'), cell: (c) => t(`entryOf.${c.entry.kind}`) },
        { label: t('steps'), cell: (c) => c.steps.map((s) => t(`stepOf.${s.kind}`)).join(' → ') },
        { label: t('control'), cell: (c) => `${Math.round(c.control_share * 100)}%` },
        { label: t('phase'), cell: (c) => (c.phase === null ? '—' : t(`phaseOf.${c.phase}`)) },
        { label: t('starts'), cell: (c) => (c.starts_at === null ? t('whenStarted') : f.dateTime(c.starts_at)) },
        {
          label: t('actions'),
          cell: (c) =>
            can('campaigns:write') ? (
              <span className="campaign-actions">
                {actionsOf(c.status).map((action) => (
                  <button key={action} type="button" className="button small" disabled={act.isPending} onClick={() => act.mutate({ id: c.id, action })}>
                    {t(`action.${action}`)}
                  </button>
                ))}
              </span>
            ) : null,
        },
      ]}
    />
  );
}
