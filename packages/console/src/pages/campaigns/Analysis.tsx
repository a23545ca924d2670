import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { DateField } from '../../components/DateField';
import { isForbidden, NotAllowed } from '../../components/NotAllowed';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useSession } from '../../session';
import { useUrlState } from '../../urlState';

const channels = ['email', 'sms', 'push', 'webhook', 'feed', 'screen'] as const;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** Funnel, cohorts (as a heat map) and the A-I-P-L flow matrix over a window of days. */
export default function Analysis() {
  const { t } = useTranslation('analysis');
  const { can } = useSession();
  const { params, update } = useUrlState('cursor');
  const to = params.get('to') ?? isoDay(new Date());
  const from = params.get('from') ?? isoDay(new Date(Date.now() - 90 * 86_400_000));
  const steps = params.get('steps') ?? 'Product Viewed,Product Added,Order Paid';
  const channel = params.get('channel') ?? '';
  const [draftSteps, setDraftSteps] = useState(steps);
  const enabled = can('consumers:read');
  const funnel = useQuery({
    queryKey: ['analysis', 'funnel', steps, from, to, channel],
    queryFn: () => unwrap(bos.GET('/v1/analysis/funnel', { params: { query: { steps, from, to, ...(channel === '' ? {} : { channel: channel as (typeof channels)[number] }) } } })),
    enabled,
  });
  const cohorts = useQuery({ queryKey: ['analysis', 'cohorts', from, to], queryFn: () => unwrap(bos.GET('/v1/analysis/cohorts', { params: { query: { from, to, months: 6 } } })), enabled });
  const flow = useQuery({ queryKey: ['analysis', 'flow', from, to], queryFn: () => unwrap(bos.GET('/v1/analysis/stage-flow', { params: { query: { from, to } } })), enabled });
  if (!enabled || isForbidden(funnel.error)) return <NotAllowed />;
  return (
    <>
      <PageHeader title={t('analysisTitle')} />
      <div className="toolbar">
        <DateField label={t('from')} name="from" value={from} max={to} onChange={(day) => update({ from: day })} />
        <DateField label={t('to')} name="to" value={to} min={from} onChange={(day) => update({ to: day })} />
        <label>
          {t('steps')}
          <input value={draftSteps} onChange={(e) => setDraftSteps(e.target.value)} onBlur={() => update({ steps: draftSteps })} />
        </label>
        <label>
          {t('channel')}
          <select value={channel} onChange={(e) => update({ channel: e.target.value === '' ? undefined : e.target.value })}>
            <option value="">{t('anyChannel')}</option>
            {channels.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Card title={t('funnel')}>
        <QueryState query={funnel}>
          {(f) => {
            const top = Math.max(1, ...f.steps.map((s) => s.consumers));
            return (
              <svg role="img" aria-label={t('funnel')} viewBox={`0 0 480 ${f.steps.length * 34}`} width="100%">
                {f.steps.map((s, i) => (
                  <g key={s.step} transform={`translate(0 ${i * 34})`}>
                    <text x={0} y={20} fontSize={12}>
                      {s.step}
                    </text>
                    <rect x={140} y={6} height={20} width={Math.max(1, (280 * s.consumers) / top)} fill="currentColor" opacity={0.35} />
                    <text x={146 + (280 * s.consumers) / top} y={20} fontSize={12}>
                      {s.consumers}
                      {i > 0 && s.conversion_from_previous !== null ? ` (${(s.conversion_from_previous * 100).toFixed(0)}%)` : ''}
                    </text>
                  </g>
                ))}
              </svg>
            );
          }}
        </QueryState>
      </Card>
      <Card title={t('cohorts')}>
        <QueryState query={cohorts}>
          {(c) => (
            <table className="data-table heat-map">
              <thead>
                <tr>
                  <th scope="col">{t('month')}</th>
                  <th scope="col">{t('newBuyers')}</th>
                  {Array.from({ length: c.months }, (_, i) => (
                    <th key={i} scope="col">
                      {t('monthPlus', { n: i + 1 })}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {c.cohorts.map((row) => (
                  <tr key={row.month}>
                    <th scope="row">{row.month}</th>
                    <td>{row.new_buyers}</td>
                    {row.retention.map((r, i) => (
                      <td key={i} style={r === null ? {} : { background: `rgba(37, 99, 235, ${Math.min(0.85, 0.08 + r)})` }}>
                        {r === null ? '' : `${(r * 100).toFixed(0)}%`}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
      </Card>
      <Card title={t('flow')}>
        <QueryState query={flow}>
          {(m) => {
            const top = Math.max(1, ...m.counts.flat());
            return (
              <table className="data-table heat-map">
                <thead>
                  <tr>
                    <th scope="col" />
                    {m.stages.map((s) => (
                      <th key={s} scope="col">
                        {t(`stage_${s}`)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {m.stages.map((s, i) => (
                    <tr key={s}>
                      <th scope="row">{t(`stage_${s}`)}</th>
                      {m.counts[i]!.map((n, j) => (
                        <td key={j} style={{ background: `rgba(22, 163, 74, ${n === 0 ? 0 : 0.1 + (0.7 * n) / top})` }}>
                          {n}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          }}
        </QueryState>
      </Card>
    </>
  );
}
