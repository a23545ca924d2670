import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { bos, OpenBosError, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { audienceQuery, exportUrl, membersQuery, type AudienceDetail as Detail } from './api';
import './audiences.css';

/** One saved audience: its rule, its size over time, its first members and the CSV export. */
export default function AudienceDetail() {
  const { audienceId = '' } = useParams();
  const { t } = useTranslation('audiences');
  const { can } = useSession();
  const notify = useNotify();
  const navigate = useNavigate();
  const client = useQueryClient();
  const audience = useQuery(audienceQuery(audienceId));
  const members = useQuery(membersQuery(audienceId));
  const f = useFormat();
  const remove = useMutation({
    mutationFn: () => unwrap(bos.DELETE('/v1/audiences/{audience_id}', { params: { path: { audience_id: audienceId } } })),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['audiences'] });
      await navigate('/audiences');
    },
    onError: (error) => notify('error', error instanceof OpenBosError ? error.message : String(error)),
  });
  return (
    <QueryState query={audience}>
      {(a) => (
        <>
          <PageHeader
            title={a.name}
            actions={
              <>
                <a className="button" href={exportUrl(a.id)} download>
                  {t('detail.export')}
                </a>
                {can('audiences:write') ? (
                  <>
                    <Link className="button" to={`/audiences/${a.id}/edit`}>
                      {t('detail.edit')}
                    </Link>
                    <button className="button" type="button" onClick={() => remove.mutate()}>
                      {t('detail.delete')}
                    </button>
                  </>
                ) : null}
              </>
            }
          >
            <p>{a.summary}</p>
            {a.description === null ? null : <p className="muted">{a.description}</p>}
            <p>
              {t('size')}: {a.size === null ? t('notRecorded') : f.number(a.size)}
            </p>
          </PageHeader>
          <Card title={t('detail.sizeOverTime')}>{a.sizes.length === 0 ? <p className="muted">{t('detail.noHistory')}</p> : <SizeChart sizes={a.sizes} />}</Card>
          <Card title={t('detail.members')}>
            <QueryState query={members} isEmpty={(page) => page.data.length === 0} empty="—">
              {(page) => (
                <DataTable
                  caption={t('detail.members')}
                  rows={page.data}
                  rowKey={(m) => m.profile_id}
                  columns={[
                    { label: t('detail.profile'), rowHeader: true, cell: (m) => <Link to={`/consumers/${m.profile_id}`}>{m.name ?? m.profile_id}</Link> },
                    { label: t('detail.email'), cell: (m) => m.email ?? '' },
                    { label: t('detail.phone'), cell: (m) => m.phone ?? '' },
                  ]}
                />
              )}
            </QueryState>
          </Card>
          <Link to="/audiences">{t('detail.back')}</Link>
        </>
      )}
    </QueryState>
  );
}

/** The recorded sizes as a line over time, with the first and last day and the largest size marked. */
export function SizeChart({ sizes }: { sizes: Detail['sizes'] }) {
  const f = useFormat();
  const width = 600;
  const height = 160;
  const pad = 24;
  const times = sizes.map((s) => Date.parse(s.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const max = Math.max(1, ...sizes.map((s) => s.size));
  const x = (t: number) => pad + (t1 === t0 ? (width - 2 * pad) / 2 : ((t - t0) / (t1 - t0)) * (width - 2 * pad));
  const y = (v: number) => height - pad - (v / max) * (height - 2 * pad);
  const points = sizes.map((s, i) => `${x(times[i]!).toFixed(1)},${y(s.size).toFixed(1)}`).join(' ');
  return (
    <svg className="audience-chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={sizes.map((s) => `${f.dateTime(s.at)}: ${s.size}`).join('; ')}>
      <line x1={pad} y1={height - pad} x2={width - pad} y2={height - pad} stroke="currentColor" strokeOpacity="0.3" />
      <polyline points={points} />
      {sizes.length === 1 ? <circle cx={x(times[0]!)} cy={y(sizes[0]!.size)} r="3" /> : null}
      <text x={pad} y={pad - 8}>
        {f.number(max)}
      </text>
      <text x={pad} y={height - 6}>
        {f.dateTime(sizes[0]!.at)}
      </text>
      <text x={width - pad} y={height - 6} textAnchor="end">
        {f.dateTime(sizes.at(-1)!.at)}
      </text>
    </svg>
  );
}
