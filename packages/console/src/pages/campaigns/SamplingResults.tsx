import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { FormError } from '../../components/Form';
import { isForbidden, NotAllowed } from '../../components/NotAllowed';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { percent, samplingCampaignQuery, samplingResultsQuery, sendSamples, type SamplingCampaign, type SamplingResults as Results } from './samplingApi';

/** One sampling campaign: its model, sending its samples, and conversion against the control group with the lift and its interval. */
export default function SamplingResults() {
  const { t } = useTranslation('sampling');
  const { campaignId = '' } = useParams();
  const { can } = useSession();
  const campaign = useQuery({ ...samplingCampaignQuery(campaignId), enabled: can('campaigns:read') });
  const results = useQuery({ ...samplingResultsQuery(campaignId), enabled: can('campaigns:read'), refetchOnMount: 'always' });
  if (!can('campaigns:read') || isForbidden(campaign.error)) return <NotAllowed />;
  return (
    <>
      <PageHeader title={campaign.data?.name ?? campaignId}>
        <Link to="/campaigns/sampling">{t('back')}</Link>
      </PageHeader>
      <QueryState query={campaign}>{(c) => <Overview c={c} />}</QueryState>
      <QueryState query={results}>{(r) => <ResultsCard r={r} />}</QueryState>
    </>
  );
}

function Overview({ c }: { c: SamplingCampaign }) {
  const { t } = useTranslation('sampling');
  const { can } = useSession();
  const f = useFormat();
  const client = useQueryClient();
  const notify = useNotify();
  const send = useMutation({
    mutationFn: () => sendSamples(c.id),
    onSuccess: (s) => {
      notify('success', t('sent', { sent: s.sent, skipped: s.skipped.length }));
      void client.invalidateQueries({ queryKey: ['sampling'] });
    },
  });
  return (
    <Card title={`${t('status')}: ${c.status}`}>
      <dl className="facts">
        <dt>{t('ranked')}</dt>
        <dd>{f.number(c.audience_size)}</dd>
        <dt>{t('treatment')}</dt>
        <dd>{f.number(c.treatment)}</dd>
        <dt>{t('control')}</dt>
        <dd>{f.number(c.control)}</dd>
        <dt>{t('budget')}</dt>
        <dd>{f.money(c.budget_minor, c.currency)}</dd>
        <dt>{t('model')}</dt>
        <dd>{c.model.kind === 'logistic' ? t('modelLogistic', { rows: f.number(c.model.training_rows), positives: f.number(c.model.positives) }) : t('modelPrior')}</dd>
        <dt>{t('weights')}</dt>
        <dd>{c.model.top_weights.map((w) => `${w.feature} ${w.weight > 0 ? '+' : ''}${w.weight}`).join(', ')}</dd>
      </dl>
      {can('campaigns:write') && c.sent_at === null && (
        <>
          <FormError message={send.error?.message} />
          <button type="button" className="primary" disabled={send.isPending} aria-busy={send.isPending} onClick={() => send.mutate()}>
            {send.isPending ? t('sending') : t('send')}
          </button>
        </>
      )}
    </Card>
  );
}

function ResultsCard({ r }: { r: Results }) {
  const { t } = useTranslation('sampling');
  const f = useFormat();
  if (r.sent_at === null) return <Card title={t('results')}>{<p className="empty">{t('notSent')}</p>}</Card>;
  const rows = [
    { arm: t('treatment'), consumers: r.treatment.consumers, sent: r.treatment.samples_sent, converted: r.treatment.converted },
    { arm: t('control'), consumers: r.control.consumers, sent: 0, converted: r.control.converted },
  ];
  const lift = r.lift;
  return (
    <Card title={t('results')}>
      {r.window_ends_at !== null && (
        <p className="hint">
          {t('windowEnds')} <time dateTime={r.window_ends_at}>{f.dateTime(r.window_ends_at)}</time> ({r.final ? t('final') : t('provisional')})
        </p>
      )}
      <DataTable
        caption={t('results')}
        rows={rows}
        rowKey={(x) => x.arm}
        columns={[
          { label: t('arm'), rowHeader: true, cell: (x) => x.arm },
          { label: t('consumers'), num: true, cell: (x) => f.number(x.consumers) },
          { label: t('samplesSent'), num: true, cell: (x) => f.number(x.sent) },
          { label: t('converted'), num: true, cell: (x) => f.number(x.converted) },
          { label: t('rate'), num: true, cell: (x) => (x.consumers === 0 ? '—' : percent(x.converted / x.consumers)) },
        ]}
      />
      {lift === null ? (
        <p className="hint">{t('noControl')}</p>
      ) : (
        <>
          <p>
            <strong>{t('lift')}:</strong> {t('liftValue', { difference: (lift.difference * 100).toFixed(1), lower: (lift.lower * 100).toFixed(1), upper: (lift.upper * 100).toFixed(1) })}
          </p>
          <LiftBar lower={lift.lower} difference={lift.difference} upper={lift.upper} />
          <p className="hint">{lift.significant ? t('significant') : t('notSignificant')}</p>
        </>
      )}
    </Card>
  );
}

/** The interval on a line from −100 to +100 points, zero marked, the estimate a dot. */
function LiftBar({ lower, difference, upper }: { lower: number; difference: number; upper: number }) {
  const x = (v: number) => 10 + ((v + 1) / 2) * 380;
  return (
    <svg viewBox="0 0 400 40" width="400" height="40" role="img" aria-label={`${(lower * 100).toFixed(1)} … ${(difference * 100).toFixed(1)} … ${(upper * 100).toFixed(1)}`}>
      <line x1={x(0)} x2={x(0)} y1={5} y2={35} stroke="currentColor" strokeDasharray="3 3" />
      <line x1={x(lower)} x2={x(upper)} y1={20} y2={20} stroke="currentColor" strokeWidth={3} />
      <circle cx={x(difference)} cy={20} r={5} fill="currentColor" />
    </svg>
  );
}
