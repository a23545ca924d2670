import './locale';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { FormError } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { approveMarkdown, computeMarkdowns, fetchHealth, fetchLocations, fetchMarkdowns, planKeys, rejectMarkdown, type HealthItem, type Markdown, type StoreHealth } from './api';
import './planning.css';
import { SubNav } from './SubNav';

const cover_warning_days = 3;

/**
 * Stock health per store (docs/REPLENISHMENT.md): days of cover, the day each product is expected
 * to run out and what would go unsold then, and what is expected to expire unsold; markdown
 * suggestions for those, to approve (an automatic promotion until expiry) or reject.
 */
export default function StockHealthPage() {
  const { t } = useTranslation('health');
  const health = useQuery({ queryKey: planKeys.health, queryFn: fetchHealth });
  return (
    <div className="plan-page">
      <PageHeader title={t('title')}>
        <p className="muted">{t('intro')}</p>
      </PageHeader>
      <SubNav area="replen" />
      <div className="plan-grid">
        <Markdowns />
        <QueryState query={health} isEmpty={(stores) => stores.length === 0} empty={t('none')}>
          {(stores) => (
            <>
              <StoresOverview stores={stores} />
              {stores.map((s) => (
                <StoreCard key={s.location_id} store={s} />
              ))}
            </>
          )}
        </QueryState>
      </div>
    </div>
  );
}

function StoresOverview({ stores }: { stores: StoreHealth[] }) {
  const { t } = useTranslation('health');
  const f = useFormat();
  return (
    <Card title={t('overview')} className="plan-wide">
      <DataTable
        caption={t('overview')}
        testId="health-stores"
        rows={stores}
        rowKey={(s) => s.location_id}
        columns={[
          { label: t('store'), rowHeader: true, cell: (s: StoreHealth) => s.name },
          { label: t('items'), num: true, cell: (s) => f.number(s.totals.items) },
          { label: t('atRisk'), num: true, cell: (s) => f.number(s.totals.at_risk_of_stockout) },
          { label: t('expectedWaste'), num: true, cell: (s) => f.number(Math.round(s.totals.expected_waste_units)) },
          { label: t('medianCover'), num: true, cell: (s) => (s.totals.days_of_cover_median === null ? '—' : t('days', { count: Math.round(s.totals.days_of_cover_median * 10) / 10 })) },
        ]}
      />
    </Card>
  );
}

function StoreCard({ store }: { store: StoreHealth }) {
  const { t } = useTranslation('health');
  const f = useFormat();
  const [all, setAll] = useState(false);
  // The server lists the products that need a look first: most expected waste, then the earliest stock-out.
  const sorted = store.items;
  const shown = all ? sorted : sorted.slice(0, 10);
  return (
    <Card title={store.name} className="plan-wide">
      <p className="muted">{t('storeSummary', { items: f.number(store.totals.items), atRisk: f.number(store.totals.at_risk_of_stockout), waste: f.number(Math.round(store.totals.expected_waste_units)) })}</p>
      <DataTable
        caption={t('itemsCaption', { store: store.name })}
        testId="health-items"
        rows={shown}
        rowKey={(i) => i.variant_id}
        rowProps={(i) => ({ className: i.days_of_cover !== null && i.days_of_cover < cover_warning_days ? 'plan-risk' : undefined })}
        emptyRow={t('noItems')}
        columns={[
          { label: t('product'), rowHeader: true, cell: (i: HealthItem) => <>{i.title}<div className="muted plan-small">{i.sku}</div></> },
          { label: t('available'), num: true, cell: (i) => f.number(i.available) },
          { label: t('dailyDemand'), num: true, cell: (i) => (i.daily_demand === null ? '—' : f.number(Math.round(i.daily_demand * 10) / 10)) },
          { label: t('cover'), num: true, cell: (i) => (i.days_of_cover === null ? '—' : t('days', { count: Math.round(i.days_of_cover * 10) / 10 })) },
          { label: t('stockout'), cell: (i) => (i.stockout_date === null ? '—' : f.day(i.stockout_date)) },
          { label: t('stockoutUnits'), num: true, cell: (i) => (i.expected_stockout_units === null ? '—' : f.number(Math.round(i.expected_stockout_units))) },
          { label: t('expiring'), num: true, cell: (i) => f.number(i.expiring_units) },
          { label: t('waste'), num: true, cell: (i) => (i.expected_waste_units === null ? '—' : f.number(Math.round(i.expected_waste_units))) },
        ]}
      />
      {sorted.length > 10 && (
        <p>
          <button type="button" onClick={() => setAll(!all)} aria-expanded={all}>
            {all ? t('showFewer') : t('showAll', { count: sorted.length })}
          </button>
        </p>
      )}
    </Card>
  );
}

function Markdowns() {
  const { t } = useTranslation('health');
  const f = useFormat();
  const { can } = useSession();
  const notify = useNotify();
  const client = useQueryClient();
  const markdowns = useQuery({ queryKey: planKeys.markdowns, queryFn: fetchMarkdowns });
  const compute = useMutation({
    mutationFn: computeMarkdowns,
    onSuccess: (answer) => {
      notify('success', t('markdowns.computed', { suggested: f.number(answer.suggested), open: f.number(answer.open) }));
      void client.invalidateQueries({ queryKey: planKeys.markdowns });
    },
  });
  return (
    <Card title={t('markdowns.title')} className="plan-wide">
      <p className="muted">{t('markdowns.intro')}</p>
      {can('replenishment:write') && (
        <p>
          <button type="button" onClick={() => compute.mutate()} disabled={compute.isPending} aria-busy={compute.isPending}>
            {t('markdowns.compute')}
          </button>
        </p>
      )}
      <FormError message={compute.error?.message} />
      <QueryState query={markdowns} isEmpty={(list) => list.length === 0} empty={t('markdowns.none')}>
        {(list) => <MarkdownTable list={list} />}
      </QueryState>
    </Card>
  );
}

function MarkdownTable({ list }: { list: Markdown[] }) {
  const { t } = useTranslation('health');
  const f = useFormat();
  const { can } = useSession();
  const notify = useNotify();
  const client = useQueryClient();
  const locations = useQuery({ queryKey: planKeys.locations, queryFn: fetchLocations });
  const name = (id: string) => locations.data?.find((l) => l.id === id)?.name ?? id;
  const [percent, setPercent] = useState<Record<string, string>>({});
  const decide = useMutation({
    mutationFn: ({ markdown, approve }: { markdown: Markdown; approve: boolean }) => (approve ? approveMarkdown(markdown.id, percent[markdown.id] === undefined ? undefined : Number(percent[markdown.id])) : rejectMarkdown(markdown.id)),
    onSuccess: (_, { markdown, approve }) => {
      notify('success', approve ? t('markdowns.approved', { title: markdown.title }) : t('markdowns.rejected', { title: markdown.title }));
      void client.invalidateQueries({ queryKey: ['replenishment'] });
    },
  });
  const writable = can('replenishment:write');
  return (
    <>
      <DataTable
        caption={t('markdowns.title')}
        testId="markdowns"
        rows={list}
        rowKey={(m) => m.id}
        columns={[
          { label: t('product'), rowHeader: true, cell: (m: Markdown) => <>{m.title}<div className="muted plan-small">{m.sku}</div></> },
          { label: t('store'), cell: (m) => name(m.location_id) },
          { label: t('expiring'), num: true, cell: (m) => f.number(m.expiring_units) },
          { label: t('markdowns.expiresOn'), cell: (m) => f.day(m.expires_on) },
          { label: t('markdowns.unsold'), num: true, cell: (m) => f.number(Math.round(m.expected_unsold_units)) },
          {
            label: t('markdowns.percentOff'),
            num: true,
            cell: (m) =>
              writable ? (
                <input type="number" min={1} max={90} step={1} className="plan-qty" aria-label={t('markdowns.percentOffOf', { title: m.title })} value={percent[m.id] ?? String(m.percent_off)} onChange={(e) => setPercent({ ...percent, [m.id]: e.target.value })} />
              ) : (
                `${f.number(m.percent_off)}%`
              ),
          },
          writable && {
            label: t('markdowns.decide'),
            hidden: true,
            cell: (m) => (
              <span className="plan-actions">
                <button type="button" className="primary" disabled={decide.isPending} onClick={() => decide.mutate({ markdown: m, approve: true })} aria-label={t('markdowns.approveOf', { title: m.title })}>
                  {t('markdowns.approve')}
                </button>
                <button type="button" disabled={decide.isPending} onClick={() => decide.mutate({ markdown: m, approve: false })} aria-label={t('markdowns.rejectOf', { title: m.title })}>
                  {t('markdowns.reject')}
                </button>
              </span>
            ),
          },
        ]}
      />
      <FormError message={decide.error?.message} />
    </>
  );
}
