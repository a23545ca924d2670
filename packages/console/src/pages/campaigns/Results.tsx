import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { bos, unwrap, type Schemas } from '../../api';
import { Card } from '../../components/Card';
import { isForbidden, NotAllowed } from '../../components/NotAllowed';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';

type Results = Schemas['CampaignResults'];
type Arm = Results['arms']['treatment'];

/** A campaign's results: each group's figures, the treatment funnel, and the lift with its interval. */
export default function CampaignResults() {
  const { t } = useTranslation('analysis');
  const { campaignId = '' } = useParams();
  const { can } = useSession();
  const results = useQuery({
    queryKey: ['campaigns', campaignId, 'results'],
    queryFn: () => unwrap(bos.GET('/v1/campaigns/{campaign_id}/results', { params: { path: { campaign_id: campaignId } } })),
    enabled: can('consumers:read'),
  });
  if (!can('consumers:read') || isForbidden(results.error)) return <NotAllowed />;
  return (
    <>
      <PageHeader title={t('resultsTitle', { name: results.data?.name ?? campaignId })}>
        <Link to="/campaigns">{t('back')}</Link>
      </PageHeader>
      <QueryState query={results}>
        {(r) => (
          <>
            <p className="verdict">{r.lift.verdict}</p>
            <ArmsTable r={r} />
            <div className="cards">
              <Card title={t('funnelChart')}>
                <FunnelBars arm={r.arms.treatment} />
              </Card>
              <Card title={t('lift')}>{r.lift.conversion === null ? <p>{t('noLift')}</p> : <LiftChart r={r} />}</Card>
            </div>
          </>
        )}
      </QueryState>
    </>
  );
}

function ArmsTable({ r }: { r: Results }) {
  const { t } = useTranslation('analysis');
  const f = useFormat();
  const money = (minor: number) => (r.currency === null ? f.number(minor / 100) : f.money(minor, r.currency));
  const rows: [string, (a: Arm) => string][] = [
    [t('enrolled'), (a) => f.number(a.enrolled)],
    [t('reached'), (a) => f.number(a.reached)],
    [t('opened'), (a) => f.number(a.opened)],
    [t('clicked'), (a) => f.number(a.clicked)],
    [t('coupons'), (a) => f.number(a.coupons_redeemed)],
    [t('converted'), (a) => f.number(a.converted)],
    [t('conversionRate'), (a) => (a.conversion_rate === null ? '–' : `${(a.conversion_rate * 100).toFixed(1)}%`)],
    [t('orders'), (a) => f.number(a.orders)],
    [t('sales'), (a) => money(a.sales_minor)],
    [t('suppressed'), (a) => Object.entries(a.suppressed).map(([reason, n]) => `${reason}: ${f.number(n)}`).join(', ') || '–'],
  ];
  return (
    <table className="data-table">
      <thead>
        <tr>
          <th scope="col">{t('arm')}</th>
          <th scope="col">{t('treatment')}</th>
          <th scope="col">{t('control')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{value(r.arms.treatment)}</td>
            <td>{value(r.arms.control)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Horizontal bars, each as long as its share of those reached. */
function FunnelBars({ arm }: { arm: Arm }) {
  const { t } = useTranslation('analysis');
  const bars = [
    { label: t('reached'), n: arm.reached },
    { label: t('opened'), n: arm.opened },
    { label: t('clicked'), n: arm.clicked },
    { label: t('converted'), n: arm.converted },
  ];
  const top = Math.max(1, ...bars.map((b) => b.n));
  const width = 420;
  return (
    <svg role="img" aria-label={t('funnelChart')} viewBox={`0 0 ${width} ${bars.length * 34}`} width="100%">
      {bars.map((b, i) => (
        <g key={b.label} transform={`translate(0 ${i * 34})`}>
          <text x={0} y={20} fontSize={12}>
            {b.label}
          </text>
          <rect x={90} y={6} height={20} width={Math.max(1, ((width - 150) * b.n) / top)} fill="currentColor" opacity={0.25 + 0.18 * (bars.length - i)} />
          <text x={96 + ((width - 150) * b.n) / top} y={20} fontSize={12}>
            {b.n}
          </text>
        </g>
      ))}
    </svg>
  );
}

/** Each lift as a point with its 95% interval as an error bar, on a common axis through zero. */
function LiftChart({ r }: { r: Results }) {
  const { t } = useTranslation('analysis');
  const items = [
    { label: t('liftConversion'), i: r.lift.conversion, scale: 100, unit: ' pt' },
    { label: t('liftRelative'), i: r.lift.relative_conversion, scale: 100, unit: '%' },
  ].filter((x): x is { label: string; i: NonNullable<Results['lift']['conversion']>; scale: number; unit: string } => x.i !== null);
  const width = 420;
  const left = 130;
  return (
    <>
      <svg role="img" aria-label={t('lift')} viewBox={`0 0 ${width} ${items.length * 40 + 10}`} width="100%">
        {items.map(({ label, i, scale, unit }, row) => {
          const lo = Math.min(0, i.low) * scale;
          const hi = Math.max(0, i.high) * scale;
          const span = hi - lo || 1;
          const x = (v: number) => left + ((v * scale - lo) / span) * (width - left - 20);
          const y = row * 40 + 20;
          return (
            <g key={label}>
              <text x={0} y={y + 4} fontSize={12}>
                {label}
              </text>
              <line x1={x(0)} x2={x(0)} y1={y - 14} y2={y + 14} stroke="currentColor" strokeDasharray="3 3" opacity={0.5} />
              <line x1={x(i.low)} x2={x(i.high)} y1={y} y2={y} stroke="currentColor" strokeWidth={2} />
              <line x1={x(i.low)} x2={x(i.low)} y1={y - 6} y2={y + 6} stroke="currentColor" strokeWidth={2} />
              <line x1={x(i.high)} x2={x(i.high)} y1={y - 6} y2={y + 6} stroke="currentColor" strokeWidth={2} />
              <circle cx={x(i.estimate)} cy={y} r={5} fill="currentColor" />
              <title>{`${(i.estimate * scale).toFixed(1)}${unit} [${(i.low * scale).toFixed(1)}, ${(i.high * scale).toFixed(1)}]`}</title>
            </g>
          );
        })}
      </svg>
      {r.lift.sales_per_consumer_minor !== null && (
        <p>
          {t('liftSales')}: {(r.lift.sales_per_consumer_minor.estimate / 100).toFixed(2)} [{(r.lift.sales_per_consumer_minor.low / 100).toFixed(2)}, {(r.lift.sales_per_consumer_minor.high / 100).toFixed(2)}] {r.currency ?? ''}
        </p>
      )}
    </>
  );
}
