import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, OpenBosError, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable } from '../../components/DataTable';
import { TextField } from '../../components/Field';
import { isForbidden, NotAllowed } from '../../components/NotAllowed';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { promotionsQuery, settingsQuery, type Promotion } from './api';
import { effectSummary } from './summary';
import './promotions.css';

/** The merchant's promotions with their live usage, paused, resumed or archived from the list; and how many stack. */
export default function Promotions() {
  const { t } = useTranslation('promotions');
  const { can } = useSession();
  const list = useQuery({ ...promotionsQuery, enabled: can('promotions:read'), refetchOnMount: 'always' });
  return (
    <>
      <PageHeader
        title={t('title')}
        actions={
          can('promotions:write') ? (
            <Link className="button primary" to="/promotions/new">
              {t('newPromotion')}
            </Link>
          ) : undefined
        }
      >
        <p className="muted">{t('intro')}</p>
      </PageHeader>
      {!can('promotions:read') || isForbidden(list.error) ? (
        <NotAllowed />
      ) : (
        <>
          <QueryState query={list} isEmpty={(page) => page.data.length === 0} empty={t('none')}>
            {(page) => <PromotionsTable rows={page.data} />}
          </QueryState>
          <StackingCard />
        </>
      )}
    </>
  );
}

/** Live usage against a limit, as a bar; without a limit, the figure alone. */
export function UsageBar({ label, used, max }: { label: string; used: number; max: number | null }) {
  if (max === null) return <div className="promo-usage">{label}</div>;
  return (
    <div className="promo-usage">
      <span>{label}</span>
      <progress max={max} value={Math.min(used, max)} aria-label={label} />
    </div>
  );
}

function PromotionsTable({ rows }: { rows: readonly Promotion[] }) {
  const { t } = useTranslation('promotions');
  const f = useFormat();
  const { can } = useSession();
  return (
    <DataTable
      caption={t('caption')}
      rows={rows}
      rowKey={(p) => p.id}
      columns={[
        { label: t('name'), rowHeader: true, cell: (p) => <Link to={`/promotions/${p.id}`}>{p.name}</Link> },
        { label: t('kind'), cell: (p) => t(`kindOf.${p.kind}`) + (p.codes.length > 0 ? ` · ${p.codes.join(', ')}` : '') },
        { label: t('status'), cell: (p) => <span className={`badge badge-promo-${p.status}`}>{t(`statusOf.${p.status}`)}</span> },
        { label: t('effect'), cell: (p) => effectSummary(p.effect, p.currency, t, f.money) },
        {
          label: t('usage'),
          cell: (p) => (
            <>
              <UsageBar label={p.max_redemptions === null ? t('redemptionsCount', { count: p.usage.redemptions, used: f.number(p.usage.redemptions) }) : t('redemptionsOf', { used: f.number(p.usage.redemptions), max: f.number(p.max_redemptions) })} used={p.usage.redemptions} max={p.max_redemptions} />
              <UsageBar label={p.budget_minor === null ? t('spent', { spent: f.money(p.usage.spent_minor, p.currency) }) : t('spentOf', { spent: f.money(p.usage.spent_minor, p.currency), budget: f.money(p.budget_minor, p.currency) })} used={p.usage.spent_minor} max={p.budget_minor} />
            </>
          ),
        },
        { label: t('actions'), cell: (p) => <RowActions promotion={p} canWrite={can('promotions:write')} /> },
      ]}
    />
  );
}

function RowActions({ promotion: p, canWrite }: { promotion: Promotion; canWrite: boolean }) {
  const { t } = useTranslation('promotions');
  const notify = useNotify();
  const client = useQueryClient();
  const [archiving, setArchiving] = useState(false);
  const change = useMutation({
    mutationFn: (status: Promotion['status']) => unwrap(bos.PATCH('/v1/promotions/{promotion_id}', { params: { path: { promotion_id: p.id } }, body: { status } })),
    onSuccess: (changed) => {
      setArchiving(false);
      notify('success', t('changed', { name: changed.name, status: t(`statusOf.${changed.status}`) }));
      void client.invalidateQueries({ queryKey: ['promotions'] });
    },
    onError: (e) => notify('error', e.message),
  });
  return (
    <div className="promo-actions">
      <Link to={`/promotions/${p.id}/report`} aria-label={`${t('report')}: ${p.name}`}>
        {t('report')}
      </Link>
      {canWrite && p.status === 'active' && (
        <button type="button" disabled={change.isPending} onClick={() => change.mutate('paused')} aria-label={`${t('pause')}: ${p.name}`}>
          {t('pause')}
        </button>
      )}
      {canWrite && p.status === 'paused' && (
        <button type="button" disabled={change.isPending} onClick={() => change.mutate('active')} aria-label={`${t('resume')}: ${p.name}`}>
          {t('resume')}
        </button>
      )}
      {canWrite && p.status !== 'archived' && (
        <button type="button" className="danger" onClick={() => setArchiving(true)} aria-label={`${t('archive')}: ${p.name}`}>
          {t('archive')}
        </button>
      )}
      <ConfirmDialog open={archiving} title={t('archive')} confirmLabel={t('archive')} busy={change.isPending} error={change.error?.message} onConfirm={() => change.mutate('archived')} onClose={() => setArchiving(false)}>
        <p>{t('archiveConfirm', { name: p.name })}</p>
      </ConfirmDialog>
    </div>
  );
}

function StackingCard() {
  const { t } = useTranslation('promotions');
  const { can } = useSession();
  const settings = useQuery(settingsQuery);
  return (
    <Card title={t('settings')}>
      <QueryState query={settings}>{(s) => <StackingForm key={s.max_stack} current={s.max_stack} canWrite={can('promotions:write')} />}</QueryState>
    </Card>
  );
}

function StackingForm({ current, canWrite }: { current: number; canWrite: boolean }) {
  const { t } = useTranslation('promotions');
  const notify = useNotify();
  const client = useQueryClient();
  const [value, setValue] = useState(String(current));
  const save = useMutation({
    mutationFn: (max_stack: number) => unwrap(bos.PUT('/v1/promotions/settings', { body: { max_stack } })),
    onSuccess: (s) => {
      notify('success', t('settingsSaved', { count: s.max_stack }));
      void client.invalidateQueries({ queryKey: ['promotions', 'settings'] });
    },
  });
  const error = save.error instanceof OpenBosError ? (save.error.fieldErrors().max_stack ?? save.error.message) : save.error?.message;
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate(Number(value));
  }
  return (
    <form className="promo-inline-form" onSubmit={submit} noValidate>
      <TextField label={t('maxStack')} hint={t('maxStackHint')} name="max_stack" type="number" min={1} max={20} value={value} error={error} readOnly={!canWrite} onChange={(e) => setValue(e.target.value)} />
      {canWrite && (
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? t('saving', { ns: 'common' }) : t('save', { ns: 'common' })}
        </button>
      )}
    </form>
  );
}
