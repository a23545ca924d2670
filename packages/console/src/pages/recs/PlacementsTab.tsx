import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../../components/DataTable';
import { SelectField } from '../../components/Field';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { fetchPlacements, recsKeys, type PlacementRow } from './api';
import { share } from './units';

const periods = [7, 30, 90] as const;
const refresh_ms = 30_000;

/** Each placement's answers and what followed them (clicks, click-through, carts, orders, sales), live. */
export function PlacementsTab() {
  const { t } = useTranslation('recs');
  const f = useFormat();
  const [days, setDays] = useState<number>(7);
  const query = useQuery({ queryKey: recsKeys.placements(days), queryFn: () => fetchPlacements(days), refetchInterval: refresh_ms });
  return (
    <>
      <div className="recs-toolbar">
        <SelectField label={t('traffic.period')} value={String(days)} onChange={(e) => setDays(Number(e.target.value))} fieldClassName="field recs-inline">
          {periods.map((d) => (
            <option key={d} value={d}>
              {t('traffic.days', { count: d })}
            </option>
          ))}
        </SelectField>
      </div>
      <p className="muted">{t('placements.intro', { count: days })}</p>
      <QueryState query={query}>
        {(report) => (
          <DataTable
            caption={t('placements.caption')}
            testId="placements"
            rows={report.data}
            rowKey={(p) => `${p.source}-${p.placement}`}
            emptyRow={t('placements.none')}
            columns={[
              { label: t('placements.placement'), rowHeader: true, cell: (p: PlacementRow) => t(`placementNames.${p.placement}`, { defaultValue: p.placement }) },
              { label: t('placements.answers'), num: true, cell: (p) => f.number(p.answers) },
              { label: t('placements.clicks'), num: true, cell: (p) => f.number(p.clicks) },
              { label: t('placements.ctr'), num: true, cell: (p) => share(p.click_through, f) },
              { label: t('placements.carts'), num: true, cell: (p) => f.number(p.carts) },
              { label: t('placements.orders'), num: true, cell: (p) => f.number(p.orders) },
              { label: t('placements.sales'), num: true, cell: (p) => f.money(p.sales_minor, report.currency) },
            ]}
          />
        )}
      </QueryState>
    </>
  );
}
