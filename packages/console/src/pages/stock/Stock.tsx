import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog';
import { SelectField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { ErrorState, QueryState } from '../../components/QueryState';
import { useSession } from '../../session';
import { useUrlState } from '../../urlState';
import { AdjustForm } from './AdjustForm';
import { fetchMatrix, fetchStock, locationsQuery, variantsQuery, type StockRow } from './api';
import { LevelPanel } from './LevelPanel';
import { levelState, LevelsTable } from './LevelsTable';
import { LocationsSection } from './LocationsSection';
import { ReceiveForm } from './ReceiveForm';
import { isMatrixStatus, StockMatrix } from './StockMatrix';
import { levelName, type StockAction } from './stockForm';
import { ThresholdForm } from './ThresholdForm';
import { TransferForm } from './TransferForm';
import './stock.css';

const pageSize = 50;
const views = ['matrix', 'list'] as const;

/**
 * Stock per variant and location, as a matrix (products × locations) or as a list of levels
 * (filtered by location and variant), the view and its filters in the URL; the stock actions for
 * people who may change stock, one level's journal, and a map of the merchant's stores and
 * warehouses with the stock at each (or one product's, chosen in the matrix).
 */
export default function StockPage() {
  const { t, i18n } = useTranslation('stock');
  const { can } = useSession();
  const canWrite = can('inventory:write');
  const { params, update } = useUrlState('cursor');
  const locationId = params.get('location_id') ?? '';
  const variantId = params.get('variant_id') ?? '';
  const cursor = params.get('cursor') ?? '';
  const selected = params.get('level') ?? '';
  const view = params.get('view') === 'list' ? 'list' : 'matrix';
  const q = params.get('q') ?? '';
  const requestedStatus = params.get('status') ?? '';
  const status = isMatrixStatus(requestedStatus) ? requestedStatus : undefined;
  const mcursor = params.get('mcursor') ?? '';
  const mapVariant = params.get('map_variant') ?? '';
  const [onlyLow, setOnlyLow] = useState(false);
  const [action, setAction] = useState<{ kind: StockAction; level: StockRow | undefined; location_id?: string; variant_id?: string } | undefined>();
  // The map's figures: every location's totals, and the chosen product's cells when there is one.
  const mapStock = useQuery({ queryKey: ['stock', 'matrix', 'map', mapVariant], queryFn: () => fetchMatrix({ limit: 1, ...(mapVariant === '' ? {} : { variant_id: mapVariant }) }), placeholderData: keepPreviousData });

  const locations = useQuery(locationsQuery);
  const levels = useQuery({
    queryKey: ['stock', 'levels', { locationId, variantId, cursor }],
    enabled: view === 'list',
    queryFn: () => fetchStock({ limit: pageSize, ...(locationId === '' ? {} : { location_id: locationId }), ...(variantId === '' ? {} : { variant_id: variantId }), ...(cursor === '' ? {} : { cursor }) }),
    placeholderData: keepPreviousData,
  });

  const locationById = new Map((locations.data ?? []).map((l) => [l.id, l]));
  const locationName = (id: string) => locationById.get(id)?.name ?? id;
  const variantRow = levels.data?.data.find((l) => l.variant_id === variantId);
  // A variant without any stock yet has no row to name it; its product does.
  const variants = useQuery({ ...variantsQuery(i18n.language), enabled: variantId !== '' && levels.isSuccess && variantRow === undefined });
  const variantChoice = variants.data?.find((v) => v.id === variantId);
  const variantLabel = variantRow !== undefined ? levelName(variantRow) : variantChoice !== undefined ? `${variantChoice.label} (${variantChoice.sku})` : variantId;
  const actionLocation = action?.level === undefined ? '' : locationName(action.level.location_id);

  function openView(id: (typeof views)[number]) {
    update({ view: id === 'matrix' ? '' : id, cursor, mcursor });
  }

  // Arrow keys move between the two views, as in every tab list; focus follows.
  function onTabKey(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    const next = view === 'matrix' ? 'list' : 'matrix';
    openView(next);
    document.getElementById(`stock-tab-${next}`)?.focus();
  }

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

      <div className="tabs" role="tablist" aria-label={t('matrix.views')} onKeyDown={onTabKey}>
        {views.map((id) => (
          <button key={id} type="button" role="tab" id={`stock-tab-${id}`} aria-selected={id === view} aria-controls={`stock-panel-${id}`} tabIndex={id === view ? 0 : -1} onClick={() => openView(id)}>
            {t(`matrix.view.${id}`)}
          </button>
        ))}
      </div>
      {view === 'matrix' && (
        <div role="tabpanel" id="stock-panel-matrix" aria-labelledby="stock-tab-matrix">
          <StockMatrix
            q={q}
            status={status}
            cursor={mcursor}
            selectedLevel={selected}
            mapVariant={mapVariant}
            canWrite={canWrite}
            onFilter={(changes) => update({ ...changes, ...('mcursor' in changes ? {} : { mcursor: '' }), cursor })}
            onOpenLevel={(key) => update({ level: selected === key ? '' : key, mcursor, cursor })}
            onReceive={(variant_id, location_id) => setAction({ kind: 'receive', level: undefined, variant_id, location_id })}
            onShowOnMap={(id) => update({ map_variant: id === mapVariant ? '' : id, mcursor, cursor })}
          />
        </div>
      )}
      {view === 'list' && (
        <div role="tabpanel" id="stock-panel-list" aria-labelledby="stock-tab-list">
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
        </div>
      )}

      {selected !== '' && <LevelPanel levelKeyValue={selected} locationName={locationName} canWrite={canWrite} onAction={(kind, level) => setAction({ kind, level })} onClose={() => update({ level: '', cursor, mcursor })} />}

      <LocationsSection
        locations={locations.data}
        selected={locationId}
        stock={mapStock.data}
        mapVariant={mapVariant}
        onClearVariant={() => update({ map_variant: '', cursor, mcursor })}
        onSelect={(id) => update({ location_id: id === locationId ? '' : id, level: '', view: 'list', mcursor })}
      />

      <Dialog open={action !== undefined} title={action === undefined ? '' : t(`actionTitle.${action.kind}`)} onClose={() => setAction(undefined)}>
        {action?.kind === 'receive' && <ReceiveForm level={action.level} initialVariant={action.variant_id ?? variantId} initialLocation={action.location_id} locations={locations.data ?? []} onDone={() => setAction(undefined)} />}
        {action?.kind === 'adjust' && action.level !== undefined && <AdjustForm level={action.level} locationName={actionLocation} onDone={() => setAction(undefined)} />}
        {action?.kind === 'transfer' && action.level !== undefined && <TransferForm level={action.level} locations={locations.data ?? []} onDone={() => setAction(undefined)} />}
        {action?.kind === 'threshold' && action.level !== undefined && <ThresholdForm level={action.level} locationName={actionLocation} onDone={() => setAction(undefined)} />}
      </Dialog>
    </>
  );
}
