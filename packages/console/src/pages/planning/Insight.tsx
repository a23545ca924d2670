import './locale';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { SelectField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { fetchInsight, insightCsvUrl, planKeys, type Finding } from './api';
import './planning.css';
import { SubNav } from './SubNav';

const periods = [7, 30, 90] as const;

/** An evidence value as text: numbers formatted, lists joined, objects as key: value. */
function show(value: unknown, number: (n: number) => string): string {
  if (typeof value === 'number') return number(Math.round(value * 100) / 100);
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => show(v, number)).join(', ');
  if (value !== null && typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k}: ${show(v, number)}`).join(', ');
  return String(value);
}

/**
 * The product-insight report (docs/INSIGHT.md): demand the range does not meet (searches with no
 * result, attribute values viewed and carted more than stocked, price bands without an offer,
 * stores where demand outgrows supply), each with its evidence and size, by score; and as CSV.
 * The period is in the address (`?days=`).
 */
export default function Insight() {
  const { t } = useTranslation('insight');
  const [params, setParams] = useSearchParams();
  const requested = Number(params.get('days'));
  const days = (periods as readonly number[]).includes(requested) ? requested : 30;
  const report = useQuery({ queryKey: planKeys.insight(days), queryFn: () => fetchInsight(days) });
  return (
    <div className="plan-page">
      <PageHeader title={t('title')}>
        <p className="muted">{t('intro')}</p>
      </PageHeader>
      <SubNav area="forecast" />
      <div className="plan-toolbar">
        <SelectField label={t('period')} value={String(days)} onChange={(e) => setParams({ days: e.target.value })} fieldClassName="field plan-inline">
          {periods.map((d) => (
            <option key={d} value={d}>
              {t('days', { count: d })}
            </option>
          ))}
        </SelectField>
        <a className="button" href={insightCsvUrl(days)} download={`insight-${days}d.csv`} data-testid="insight-csv">
          {t('csv')}
        </a>
      </div>
      <QueryState query={report}>
        {(r) => (
          <Card title={t('findings', { count: r.findings.length })} className="plan-wide">
            {r.truncated === true && <p className="muted">{t('truncated', { count: r.products ?? 0 })}</p>}
            <Findings findings={r.findings} generatedAt={r.generated_at} />
          </Card>
        )}
      </QueryState>
    </div>
  );
}

function Findings({ findings, generatedAt }: { findings: Finding[]; generatedAt: string }) {
  const { t } = useTranslation('insight');
  const f = useFormat();
  const number = (n: number) => f.number(n);
  return (
    <>
      <p className="muted">{t('generated', { at: f.dateTime(generatedAt) })}</p>
      {findings.length === 0 ? (
        <p className="empty">{t('none')}</p>
      ) : (
        <DataTable
          caption={t('caption')}
          testId="insight-findings"
          rows={findings}
          rowKey={(x) => `${x.kind}:${x.title}`}
          rowProps={(x) => ({ 'data-kind': x.kind })}
          columns={[
            { label: t('finding'), rowHeader: true, cell: (x: Finding) => <>{x.title}<div className="muted plan-small">{t(`kinds.${x.kind}`, { defaultValue: x.kind })}</div></> },
            {
              label: t('evidence'),
              cell: (x) => (
                <dl className="plan-evidence">
                  {Object.entries(x.evidence).map(([key, value]) => (
                    <div key={key}>
                      <dt>{key.replace(/_/g, ' ')}</dt>
                      <dd>{show(value, number)}</dd>
                    </div>
                  ))}
                </dl>
              ),
            },
            { label: t('demand'), num: true, cell: (x) => f.number(Math.round(x.size.demand * 10) / 10) },
            { label: t('supply'), num: true, cell: (x) => f.number(Math.round(x.size.supply * 10) / 10) },
            { label: t('ratio'), num: true, cell: (x) => (x.size.ratio === null ? '—' : `${f.number(Math.round(x.size.ratio * 10) / 10)}×`) },
            { label: t('score'), num: true, cell: (x) => f.number(Math.round(x.score * 100) / 100) },
          ]}
        />
      )}
    </>
  );
}
