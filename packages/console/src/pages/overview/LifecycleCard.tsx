import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../../api';
import { Card } from '../../components/Card';
import { useFormat } from '../../format';

type Report = Schemas['LifecycleReport'];
const stages = ['aware', 'interested', 'purchased', 'loyal'] as const;

/**
 * A-I-P-L as bars (consumers who ever reached each stage over the brand's whole history, with
 * those in it today), and between the bars how many moved on over the period, plus who came in
 * and who was lost. Plain HTML and CSS: the numbers are the point, and a reader hears them too.
 */
export function LifecycleCard({ report, periodLabel }: { report: Report; periodLabel: string }) {
  const { t: tt } = useTranslation('overview');
  const t = tt as (k: string, o?: Record<string, unknown>) => string;
  const { t: tc } = useTranslation();
  const f = useFormat();
  const ever = report.whole_history;
  const max = Math.max(...stages.map((s) => ever[s]), 1);
  const everyone = stages.reduce((n, s) => n + ever[s], 0);
  const flow = report.flow;
  const moves = flow.entered + flow.lost + flow.fell_back + stages.reduce((n, s) => n + flow.moved_on[s], 0);
  return (
    <Card title={t('funnel')} className="ov-wide" headingId="aipl-heading">
      {everyone === 0 ? (
        <p className="muted">{t('noConsumers')}</p>
      ) : (
        <div className="ov-aipl" data-testid="aipl-flow">
          <ol className="ov-aipl-stages" aria-label={t('funnel')}>
            {stages.map((s, i) => (
              <Fragment key={s}>
                <li className="ov-aipl-stage" data-testid={`aipl-${s}`}>
                  <span className="ov-aipl-name">{tc(`stage.${s}`)}</span>
                  <span className="ov-aipl-bar" aria-hidden="true">
                    <span className={`ov-aipl-fill ov-aipl-${s}`} style={{ width: `${Math.max(ever[s] > 0 ? 1.5 : 0, (ever[s] / max) * 100)}%` }} />
                  </span>
                  <span className="ov-aipl-count">{f.number(ever[s])}</span>
                  <span className="ov-aipl-today muted">{t('stageToday', { count: report.today[s], n: f.number(report.today[s]) })}</span>
                </li>
                {i < stages.length - 1 && (
                  <li className="ov-aipl-move" aria-label={t('movedOnFrom', { n: f.number(flow.moved_on[s]), stage: tc(`stage.${s}`) })}>
                    <span aria-hidden="true">↓ {t('movedOn', { n: f.number(flow.moved_on[s]) })}</span>
                  </li>
                )}
              </Fragment>
            ))}
          </ol>
          <dl className="ov-aipl-summary">
            <div>
              <dt>{t('entered')}</dt>
              <dd className={flow.entered > 0 ? 'ov-up' : undefined}>{flow.entered > 0 ? '+' : ''}{f.number(flow.entered)}</dd>
            </div>
            <div>
              <dt>{t('lost')}</dt>
              <dd className={flow.lost > 0 ? 'ov-down' : undefined}>{flow.lost > 0 ? '−' : ''}{f.number(flow.lost)}</dd>
            </div>
            <div>
              <dt>{t('fellBack')}</dt>
              <dd>{f.number(flow.fell_back)}</dd>
            </div>
          </dl>
          {moves === 0 && <p className="muted">{t('noMoves', { period: periodLabel })}</p>}
          <p className="muted ov-small">{t('flowNote', { period: periodLabel, from: f.day(flow.from_day), to: f.day(flow.to_day) })}</p>
        </div>
      )}
    </Card>
  );
}
