import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { FormError } from '../../components/Form';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { fetchModels, fetchTraining, fetchTrainings, recsKeys, startTraining, type ModelRow, type ModelsReport, type TrainingRun } from './api';
import { bytes, seconds, share } from './units';

const poll_ms = 1_000;
const active = (run: TrainingRun | null | undefined) => run !== null && run !== undefined && (run.status === 'queued' || run.status === 'running');

/** Each model's offline scores, the model serving now and its training, "Train now" with the run's progress, and recent runs. */
export function ModelsTab() {
  const { t } = useTranslation('recs');
  const { can } = useSession();
  const client = useQueryClient();
  const models = useQuery({ queryKey: recsKeys.models, queryFn: fetchModels });
  const trainings = useQuery({ queryKey: recsKeys.trainings, queryFn: fetchTrainings });
  const [runId, setRunId] = useState<string | undefined>(undefined);
  // A run already going when the page opens (started elsewhere, or from the CLI) is followed too.
  const following = runId ?? models.data?.active?.id;
  const run = useQuery({
    queryKey: recsKeys.training(following ?? ''),
    queryFn: () => fetchTraining(following!),
    enabled: following !== undefined,
    refetchInterval: (q) => (active(q.state.data) || q.state.data === undefined ? poll_ms : false),
  });
  const finished = run.data !== undefined && !active(run.data);
  useEffect(() => {
    if (!finished) return;
    void client.invalidateQueries({ queryKey: recsKeys.models });
    void client.invalidateQueries({ queryKey: recsKeys.trainings });
  }, [finished, run.data?.id, client]);
  const train = useMutation({
    mutationFn: startTraining,
    onSuccess: (started) => {
      setRunId(started.id);
      client.setQueryData(recsKeys.training(started.id), started);
    },
  });
  const busy = train.isPending || active(run.data);
  const serving = trainings.data?.find((r) => r.current);
  return (
    <div className="recs-grid">
      <Card title={t('models.lastTraining')} className="recs-wide">
        <p className="muted">{t('models.trainIntro')}</p>
        {can('recs:write') && (
          <p>
            <button type="button" className="primary" onClick={() => train.mutate()} disabled={busy} aria-busy={busy}>
              {busy ? t('models.training') : t('models.train')}
            </button>
          </p>
        )}
        <FormError message={train.error?.message} />
        {run.data !== undefined && <RunProgress run={run.data} />}
        <QueryState query={models}>{(report) => <LastTraining report={report} run={serving} />}</QueryState>
      </Card>
      <QueryState query={models}>
        {(report) => (
          <Card title={t('models.caption')} className="recs-wide">
            {report.models.length === 0 ? <p className="empty">{t('models.none')}</p> : <Scores report={report} />}
          </Card>
        )}
      </QueryState>
      {trainings.data !== undefined && trainings.data.length > 0 && (
        <Card title={t('models.history')} className="recs-wide">
          <History runs={trainings.data} />
        </Card>
      )}
    </div>
  );
}

function RunProgress({ run }: { run: TrainingRun }) {
  const { t } = useTranslation('recs');
  const percent = Math.round(run.progress * 100);
  return (
    <div className="recs-progress" data-testid="training-progress" data-status={run.status}>
      {active(run) && (
        <>
          <label>
            {t('models.progress')} <progress max={100} value={percent} aria-valuetext={`${percent}%`} /> {percent}%
          </label>
          <p className="muted" role="status">
            {run.status === 'queued' ? t('models.queued') : t('models.stage', { stage: run.stage })}
          </p>
        </>
      )}
      {run.status === 'succeeded' && <p role="status">{t('models.succeeded', { model: run.chosen_model === null ? '—' : t(`models.names.${run.chosen_model}`) })}</p>}
      {run.status === 'failed' && <p role="alert" className="form-error">{t('models.failed', { error: run.error ?? '—' })}</p>}
    </div>
  );
}

function LastTraining({ report, run }: { report: ModelsReport; run: TrainingRun | undefined }) {
  const { t } = useTranslation('recs');
  const f = useFormat();
  if (report.current === null) return null;
  return (
    <dl className="recs-facts" data-testid="last-training">
      <div>
        <dt className="muted">{t('models.chosen')}</dt>
        <dd>{t(`models.names.${report.current.model}`, { defaultValue: report.current.model })}</dd>
      </div>
      <div>
        <dt className="muted">{t('models.lastTraining')}</dt>
        <dd>{t('models.finishedAt', { at: f.dateTime(report.current.trained_at) })}</dd>
      </div>
      {run !== undefined && run.events !== null && (
        <div>
          <dt className="muted">{t('models.dataLabel')}</dt>
          <dd>{t('models.data', { events: f.number(run.events), users: f.number(run.users ?? 0), items: f.number(run.items ?? 0) })}</dd>
        </div>
      )}
      {run !== undefined && (
        <div>
          <dt className="muted">{t('models.cost')}</dt>
          <dd>{t('models.totals', { seconds: run.train_s === null ? '—' : seconds(run.train_s, f), memory: run.memory_bytes === null ? '—' : bytes(run.memory_bytes, f) })}</dd>
        </div>
      )}
    </dl>
  );
}

function Scores({ report }: { report: ModelsReport }) {
  const { t } = useTranslation('recs');
  const f = useFormat();
  const best = Math.max(...report.models.map((m) => m.ndcg_at_10));
  const serving = (m: ModelRow) => report.current !== null && m.model === report.current.model;
  return (
    <DataTable
      bare
      caption={t('models.caption')}
      testId="model-scores"
      rows={report.models}
      rowKey={(m) => m.model}
      rowProps={(m) => ({ className: serving(m) ? 'recs-chosen' : undefined })}
      columns={[
        {
          label: t('models.model'),
          rowHeader: true,
          cell: (m: ModelRow) => (
            <>
              {t(`models.names.${m.model}`, { defaultValue: m.model })}
              {serving(m) && <span className="badge recs-badge">{t('models.chosen')}</span>}
            </>
          ),
        },
        { label: t('models.hr'), num: true, cell: (m) => m.hr_at_10.toFixed(4) },
        { label: t('models.ndcg'), num: true, cell: (m) => (m.ndcg_at_10 === best ? <strong>{m.ndcg_at_10.toFixed(4)}</strong> : m.ndcg_at_10.toFixed(4)) },
        { label: t('models.coverage'), num: true, cell: (m) => share(m.coverage, f) },
        { label: t('models.trainTime'), num: true, cell: (m) => seconds(m.train_s, f) },
        { label: t('models.memory'), num: true, cell: (m) => bytes(m.memory_bytes, f) },
        { label: t('models.evaluated'), cell: (m) => f.dateTime(m.evaluated_at) },
      ]}
    />
  );
}

function History({ runs }: { runs: TrainingRun[] }) {
  const { t } = useTranslation('recs');
  const f = useFormat();
  return (
    <DataTable
      bare
      caption={t('models.historyCaption')}
      testId="training-history"
      rows={runs}
      rowKey={(r) => r.id}
      columns={[
        { label: t('models.started'), rowHeader: true, cell: (r: TrainingRun) => f.dateTime(r.created_at) },
        { label: t('models.status'), cell: (r) => t(`models.statuses.${r.status}`) },
        { label: t('models.chosenModel'), cell: (r) => (r.chosen_model === null ? '—' : t(`models.names.${r.chosen_model}`)) },
        { label: t('models.trainTime'), num: true, cell: (r) => (r.train_s === null ? '—' : seconds(r.train_s, f)) },
        { label: t('models.memory'), num: true, cell: (r) => (r.memory_bytes === null ? '—' : bytes(r.memory_bytes, f)) },
      ]}
    />
  );
}
