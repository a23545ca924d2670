import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { DataTable } from '../../components/DataTable';
import { Dialog } from '../../components/Dialog';
import { SelectField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { ErrorState, QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { fetchStock, levelKey, levelQuery, locationsQuery, variantsQuery, type Location, type StockRow } from './api';
import { AdjustForm, levelName, ReceiveForm, ThresholdForm, TransferForm, type StockAction } from './dialogs';
import { formatCoordinates, LocationsMap } from './LocationsMap';
import { Movements } from './Movements';
import './stock.css';

const pageSize = 50;

type Translate = (key: string, options?: Record<string, unknown>) => string;

/** Whether a level is at or below its alert level, or out of stock altogether. */
function levelState(l: StockRow): 'out' | 'low' | 'ok' {
  if (l.available <= 0) return 'out';
  if (l.available <= l.low_stock_threshold) return 'low';
  return 'ok';
}

/**
 * Stock per variant and location: the levels (filtered by location and variant, both in the URL),
 * the stock actions for people who may change stock, one level's journal, and a map of the
 * merchant's stores and warehouses.
 */
export default function StockPage() {
  const { t } = useTranslation('stock');
  const { can } = useSession();
  const canWrite = can('inventory:write');
  const [params, setParams] = useSearchParams();
  const locationId = params.get('location_id') ?? '';
  const variantId = params.get('variant_id') ?? '';
  const after = params.get('after') ?? '';
  const selected = params.get('level') ?? '';
  const [onlyLow, setOnlyLow] = useState(false);
  const [action, setAction] = useState<{ kind: StockAction; level: StockRow | undefined } | undefined>();

  const locations = useQuery(locationsQuery);
  const levels = useQuery({
    queryKey: ['stock', 'levels', { locationId, variantId, after }],
    queryFn: () => fetchStock({ limit: pageSize, ...(locationId === '' ? {} : { location_id: locationId }), ...(variantId === '' ? {} : { variant_id: variantId }), ...(after === '' ? {} : { after }) }),
    placeholderData: keepPreviousData,
  });

  function update(changes: Record<string, string>) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === '') next.delete(key);
      else next.set(key, value);
    }
    if (!('after' in changes)) next.delete('after');
    setParams(next);
  }

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

      <QueryState query={levels} isEmpty={(page) => page.data.length === 0 && after === ''} empty={variantId !== '' || locationId !== '' ? t('noLevelsFiltered') : t('noLevels')}>
        {(page) => {
          const rows = onlyLow ? page.data.filter((l) => levelState(l) !== 'ok') : page.data;
          return (
            <>
              <LevelsTable levels={rows} busy={levels.isFetching} selected={selected} locationName={locationName} emptyRow={onlyLow ? t('nothingLow') : t('noMoreLevels')} onSelect={(key) => update({ level: selected === key ? '' : key, after })} />
              <Pager label={t('pagination')} onFirst={after === '' ? undefined : () => update({ after: '' })} onNext={page.next_after === null ? undefined : () => update({ after: page.next_after ?? '' })} />
            </>
          );
        }}
      </QueryState>

      {selected !== '' && <LevelPanel levelKeyValue={selected} locationName={locationName} canWrite={canWrite} onAction={(kind, level) => setAction({ kind, level })} onClose={() => update({ level: '', after })} />}

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

function LevelsTable({ levels, busy, selected, locationName, emptyRow, onSelect }: { levels: StockRow[]; busy: boolean; selected: string; locationName: (id: string) => string; emptyRow: string; onSelect: (key: string) => void }) {
  const { t } = useTranslation('stock');
  const { t: tc } = useTranslation();
  const f = useFormat();
  return (
    <DataTable
      caption={t('levelsCaption')}
      rows={levels}
      rowKey={levelKey}
      rowProps={(l) => ({ className: `stock-level-${levelState(l)}${selected === levelKey(l) ? ' stock-level-selected' : ''}`, 'data-testid': `level-${levelKey(l)}` })}
      busy={busy}
      className="stock-table-wrap"
      tableClassName="stock-table"
      emptyRow={emptyRow}
      columns={[
        {
          label: t('product'),
          cell: (l) => (
            <>
              {l.product_id === null ? <span>{l.title ?? l.variant_id}</span> : <Link to={`/catalog/${l.product_id}`}>{l.title ?? l.variant_id}</Link>}
              {l.sku !== null && <div className="mono muted">{l.sku}</div>}
            </>
          ),
        },
        { label: t('location'), cell: (l) => locationName(l.location_id) },
        { label: t('onHand'), num: true, cell: (l) => f.number(l.on_hand) },
        { label: t('reserved'), num: true, cell: (l) => f.number(l.reserved) },
        { label: t('available'), num: true, cell: (l) => <Available level={l} /> },
        { label: t('threshold'), num: true, cell: (l) => f.number(l.low_stock_threshold) },
        {
          label: tc('actions'),
          hidden: true,
          className: 'stock-row-actions',
          cell: (l) => (
            <button type="button" aria-pressed={selected === levelKey(l)} aria-label={t('detailsFor', { name: levelName(l), location: locationName(l.location_id) })} onClick={() => onSelect(levelKey(l))}>
              {t('details')}
            </button>
          ),
        },
      ]}
    />
  );
}

function Available({ level: l }: { level: StockRow }) {
  const { t } = useTranslation('stock');
  const f = useFormat();
  const state = levelState(l);
  return (
    <>
      <strong>{f.number(l.available)}</strong>
      {state !== 'ok' && <span className={`badge badge-${state === 'out' ? 'stock-out' : 'stock-low'}`}>{t(state === 'out' ? 'outOfStock' : 'lowStock')}</span>}
    </>
  );
}

/** One level: its numbers, the actions on it and its journal. Loaded on its own, so it survives paging. */
function LevelPanel({ levelKeyValue, locationName, canWrite, onAction, onClose }: { levelKeyValue: string; locationName: (id: string) => string; canWrite: boolean; onAction: (kind: StockAction, level: StockRow) => void; onClose: () => void }) {
  const { t } = useTranslation('stock');
  const { t: tc } = useTranslation();
  const f = useFormat();
  const [variant_id = '', location_id = ''] = levelKeyValue.split('|');
  const heading = useRef<HTMLHeadingElement>(null);
  const query = useQuery(levelQuery(variant_id, location_id, t('levelGone')));
  useEffect(() => {
    heading.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    heading.current?.focus({ preventScroll: true });
  }, [levelKeyValue]);
  const where = locationName(location_id);
  return (
    <section className="card stock-level-panel" aria-labelledby="level-heading">
      <div className="stock-level-panel-head">
        <h2 id="level-heading" ref={heading} tabIndex={-1}>
          {query.data === undefined ? t('levelDetails') : t('levelAt', { name: levelName(query.data), location: where })}
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={tc('close')}>
          ×
        </button>
      </div>
      <QueryState query={query}>
        {(level) => (
          <>
            <div className="stock-level-stats">
              <Stat label={t('onHand')} value={f.number(level.on_hand)} />
              <Stat label={t('reserved')} value={f.number(level.reserved)} />
              <Stat label={t('available')} value={f.number(level.available)} tone={levelState(level)} />
              <Stat label={t('threshold')} value={f.number(level.low_stock_threshold)} />
            </div>
            {canWrite && (
              <div className="stock-buttons stock-level-actions">
                <button type="button" onClick={() => onAction('adjust', level)}>
                  {t('adjust')}
                </button>
                <button type="button" onClick={() => onAction('receive', level)}>
                  {t('receive')}
                </button>
                <button type="button" onClick={() => onAction('transfer', level)} disabled={level.available <= 0}>
                  {t('transfer')}
                </button>
                <button type="button" onClick={() => onAction('threshold', level)}>
                  {t('setThreshold')}
                </button>
              </div>
            )}
            <h3>{t('movements')}</h3>
            <Movements variant_id={variant_id} location_id={location_id} caption={t('movementsOf', { name: levelName(level), location: where })} />
          </>
        )}
      </QueryState>
    </section>
  );
}

function Stat({ label, value, tone }: { label: string; value: string; tone?: 'out' | 'low' | 'ok' }) {
  return (
    <div className={`stat stock-level-stat${tone === undefined || tone === 'ok' ? '' : ` stock-level-stat-${tone}`}`}>
      <div className="label">{label}</div>
      <div className="value">{value}</div>
    </div>
  );
}

function LocationsSection({ locations, selected, onSelect }: { locations: Location[] | undefined; selected: string; onSelect: (id: string) => void }) {
  const { t: tt } = useTranslation('stock');
  const t = tt as Translate;
  if (locations === undefined) return null;
  return (
    <section className="card stock-locations-card" aria-labelledby="locations-heading">
      <h2 id="locations-heading">{t('locations')}</h2>
      {locations.length === 0 ? (
        <p className="muted">{t('noLocations')}</p>
      ) : (
        <div className="stock-locations-layout">
          <LocationsMap locations={locations} selected={selected} onSelect={onSelect} />
          <DataTable
            caption={t('locationsCaption')}
            rows={locations}
            rowKey={(l) => l.id}
            rowProps={(l) => ({ className: l.id === selected ? 'stock-level-selected' : undefined })}
            columns={[
              {
                label: t('name'),
                cell: (l) => (
                  <>
                    <span className={`stock-kind-dot stock-kind-${l.kind}`} aria-hidden="true" /> {l.name}
                    <div className="mono muted">
                      {l.code}
                      {l.active ? '' : ` · ${t('closed')}`}
                    </div>
                  </>
                ),
              },
              { label: t('kindLabel'), cell: (l) => t(`kind.${l.kind}`) },
              { label: t('city'), cell: (l) => [...new Set([l.address.city, l.address.region].filter((x): x is string => x !== undefined && x !== ''))].join(', ') },
              { label: t('coordinates'), className: 'stock-nowrap stock-coords', cell: (l) => formatCoordinates(l, t).map((c) => <div key={c}>{c}</div>) },
              {
                label: t('stockHere'),
                hidden: true,
                cell: (l) => (
                  <button type="button" aria-pressed={l.id === selected} onClick={() => onSelect(l.id)} aria-label={t(l.id === selected ? 'showAllLocationsFrom' : 'showStockAt', { name: l.name })}>
                    {l.id === selected ? t('showAll') : t('showStock')}
                  </button>
                ),
              },
            ]}
          />
        </div>
      )}
    </section>
  );
}
