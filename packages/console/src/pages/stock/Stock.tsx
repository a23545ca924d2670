import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog';
import { SelectField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { ErrorState, QueryState } from '../../components/QueryState';
import { useSession } from '../../session';
import { useUrlState } from '../../urlState';
import { AdjustForm } from './AdjustForm';
import { fetchStock, locationsQuery, variantsQuery, type StockRow } from './api';
import { LevelPanel } from './LevelPanel';
import { levelState, LevelsTable } from './LevelsTable';
import { LocationsSection } from './LocationsSection';
import { ReceiveForm } from './ReceiveForm';
import { levelName, type StockAction } from './stockForm';
import { ThresholdForm } from './ThresholdForm';
import { TransferForm } from './TransferForm';
import './stock.css';

const pageSize = 50;

/**
 * Stock per variant and location: the levels (filtered by location and variant, both in the URL),
 * the stock actions for people who may change stock, one level's journal, and a map of the
 * merchant's stores and warehouses.
 */
export default function StockPage() {
  const { t } = useTranslation('stock');
  const { can } = useSession();
  const canWrite = can('inventory:write');
  const { params, update } = useUrlState('cursor');
  const locationId = params.get('location_id') ?? '';
  const variantId = params.get('variant_id') ?? '';
  const cursor = params.get('cursor') ?? '';
  const selected = params.get('level') ?? '';
  const [onlyLow, setOnlyLow] = useState(false);
  const [action, setAction] = useState<{ kind: StockAction; level: StockRow | undefined } | undefined>();

  const locations = useQuery(locationsQuery);
  const levels = useQuery({
    queryKey: ['stock', 'levels', { locationId, variantId, cursor }],
    queryFn: () => fetchStock({ limit: pageSize, ...(locationId === '' ? {} : { location_id: locationId }), ...(variantId === '' ? {} : { variant_id: variantId }), ...(cursor === '' ? {} : { cursor }) }),
    placeholderData: keepPreviousData,
  });

  const locationById = new Map((locations.data ?? []).map((l) => [l.id, l]));
  const locationName = (id: string) => locationById.get(id)?.name ?? id;
  const variantRow = levels.data?.data.find((l) => l.variant_id === variantId);
  // A variant without any stock yet has no row to name it; its product does.
  const variants = useQuery({ ...variantsQuery, enabled: variantId !== '' && levels.isSuccess && variantRow === undefined });
  const variantChoice = variants.data?.find((v) => v.id === variantId);
  const variantLabel = variantRow !== undefined ? levelName(variantRow) : variantChoice !== undefined ? `${variantChoice.label} (${variantChoice.sku})` : variantId;
  const actionLocation = action?.level === undefined ? '' : locationName(action.level.location_id);

  return (
    <>
      <PageHeader
        title={t('title')}
        actions={
          canWrite ? (
            <button type="button" className="primary" onClick={() => setAction({ kind: 'receive', level: undefined })} disabled={locations.data === undefined}>
              {t('receiveStock')}
            </button>
          ) : undefined
        }
      >
        <p className="muted">{t('subtitle')}</p>
      </PageHeader>

      <div className="toolbar" role="group" aria-label={t('filters')}>
        <SelectField label={t('location')} value={locationId} onChange={(e) => update({ location_id: e.target.value, level: '' })} disabled={locations.isPending}>
          <option value="">{t('allLocations')}</option>
          {(locations.data ?? []).map((l) => (
            <option key={l.id} value={l.id}>
              {l.name} · {t(`kind.${l.kind}`)}
            </option>
          ))}
        </SelectField>
        <label className="stock-inline-check">
          <input type="checkbox" checked={onlyLow} onChange={(e) => setOnlyLow(e.target.checked)} /> {t('onlyLow')}
        </label>
        {variantId !== '' && (
          <p className="stock-filter-chip">
            <span>
              {t('onlyVariant', { name: variantLabel })}
            </span>
            <button type="button" onClick={() => update({ variant_id: '', level: '' })}>
              {t('showAllVariants')}
            </button>
          </p>
        )}
      </div>
      {locations.isError && <ErrorState message={locations.error.message} onRetry={() => void locations.refetch()} />}

      <QueryState query={levels} isEmpty={(page) => page.data.length === 0 && cursor === ''} empty={variantId !== '' || locationId !== '' ? t('noLevelsFiltered') : t('noLevels')}>
        {(page) => {
          const rows = onlyLow ? page.data.filter((l) => levelState(l) !== 'ok') : page.data;
          return (
            <>
              <LevelsTable levels={rows} busy={levels.isFetching} selected={selected} locationName={locationName} emptyRow={onlyLow ? t('nothingLow') : t('noMoreLevels')} onSelect={(key) => update({ level: selected === key ? '' : key, cursor })} />
              <Pager label={t('pagination')} onFirst={cursor === '' ? undefined : () => update({ cursor: '' })} onNext={page.next_cursor === null ? undefined : () => update({ cursor: page.next_cursor ?? '' })} />
            </>
          );
        }}
      </QueryState>

      {selected !== '' && <LevelPanel levelKeyValue={selected} locationName={locationName} canWrite={canWrite} onAction={(kind, level) => setAction({ kind, level })} onClose={() => update({ level: '', cursor })} />}

      <LocationsSection locations={locations.data} selected={locationId} onSelect={(id) => update({ location_id: id === locationId ? '' : id, level: '' })} />

      <Dialog open={action !== undefined} title={action === undefined ? '' : t(`actionTitle.${action.kind}`)} onClose={() => setAction(undefined)}>
        {action?.kind === 'receive' && <ReceiveForm level={action.level} initialVariant={variantId} locations={locations.data ?? []} onDone={() => setAction(undefined)} />}
        {action?.kind === 'adjust' && action.level !== undefined && <AdjustForm level={action.level} locationName={actionLocation} onDone={() => setAction(undefined)} />}
        {action?.kind === 'transfer' && action.level !== undefined && <TransferForm level={action.level} locations={locations.data ?? []} onDone={() => setAction(undefined)} />}
        {action?.kind === 'threshold' && action.level !== undefined && <ThresholdForm level={action.level} locationName={actionLocation} onDone={() => setAction(undefined)} />}
      </Dialog>
    </>
  );
}
