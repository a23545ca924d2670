import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { SelectField, TextField } from '../../components/Field';
import { Pager } from '../../components/Pager';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { fetchMatrix, levelKey, type MatrixCell, type MatrixLocation, type MatrixRow, type MatrixStatus } from './api';
import { variantTitle } from './stockForm';

const pageSize = 25;
const statuses: readonly MatrixStatus[] = ['attention', 'low', 'out'];

export function isMatrixStatus(value: string): value is MatrixStatus {
  return (statuses as readonly string[]).includes(value);
}

export function cellState(c: { low: boolean; out: boolean }): 'out' | 'low' | 'ok' {
  return c.out ? 'out' : c.low ? 'low' : 'ok';
}

interface Props {
  q: string;
  status: MatrixStatus | undefined;
  cursor: string;
  selectedLevel: string;
  mapVariant: string;
  canWrite: boolean;
  onFilter: (changes: { q?: string; status?: string; mcursor?: string }) => void;
  onOpenLevel: (key: string) => void;
  onReceive: (variant_id: string, location_id: string) => void;
  onShowOnMap: (variant_id: string) => void;
}

/**
 * Stock as products (rows) × locations (columns): available units in each cell, coloured when low
 * or out, on hand and reserved beneath; a total per row, per location and overall. The header row
 * and the product column stay in view while the table scrolls. A cell opens its level's panel
 * (its journal and actions); a location where the variant was never stocked offers to receive it.
 */
export function StockMatrix({ q, status, cursor, selectedLevel, mapVariant, canWrite, onFilter, onOpenLevel, onReceive, onShowOnMap }: Props) {
  const { t } = useTranslation('stock');
  const [draft, setDraft] = useState(q);
  useEffect(() => setDraft(q), [q]);
  const matrix = useQuery({
    queryKey: ['stock', 'matrix', { q, status, cursor }],
    queryFn: () => fetchMatrix({ limit: pageSize, ...(q === '' ? {} : { q }), ...(status === undefined ? {} : { status }), ...(cursor === '' ? {} : { cursor }) }),
    placeholderData: keepPreviousData,
  });

  function search(event: FormEvent) {
    event.preventDefault();
    onFilter({ q: draft.trim() });
  }

  return (
    <section aria-labelledby="matrix-heading">
      <h2 id="matrix-heading" className="visually-hidden">
        {t('matrix.heading')}
      </h2>
      <form className="toolbar stock-matrix-toolbar" role="search" aria-label={t('matrix.filters')} onSubmit={search}>
        <TextField label={t('matrix.search')} placeholder={t('matrix.searchPlaceholder')} value={draft} maxLength={200} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">{t('matrix.searchSubmit')}</button>
        <SelectField label={t('matrix.status')} value={status ?? ''} onChange={(e) => onFilter({ status: e.target.value })}>
          <option value="">{t('matrix.statusAll')}</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {t(`matrix.statusOption.${s}`)}
            </option>
          ))}
        </SelectField>
      </form>
      <QueryState query={matrix} isEmpty={(m) => m.data.length === 0} empty={q !== '' || status !== undefined ? t('matrix.noneFiltered') : t('noLevels')}>
        {(m) => (
          <>
            <MatrixSummary m={m} />
            <MatrixTable m={m} busy={matrix.isFetching} selectedLevel={selectedLevel} mapVariant={mapVariant} canWrite={canWrite} onOpenLevel={onOpenLevel} onReceive={onReceive} onShowOnMap={onShowOnMap} />
            <Pager label={t('matrix.pagination')} onFirst={cursor === '' ? undefined : () => onFilter({ mcursor: '' })} onNext={m.next_cursor === null ? undefined : () => onFilter({ mcursor: m.next_cursor ?? '' })} />
          </>
        )}
      </QueryState>
    </section>
  );
}

function MatrixSummary({ m }: { m: { totals: { rows: number; available: number; low_cells: number; out_cells: number }; locations: unknown[] } }) {
  const { t } = useTranslation('stock');
  const f = useFormat();
  return (
    <p className="stock-matrix-summary" aria-live="polite">
      {t('matrix.summary', { count: m.totals.rows, rows: f.number(m.totals.rows), locations: f.number(m.locations.length), available: f.number(m.totals.available) })}{' '}
      {m.totals.low_cells > 0 && <span className="badge badge-stock-low">{t('matrix.lowCells', { count: m.totals.low_cells, n: f.number(m.totals.low_cells) })}</span>}{' '}
      {m.totals.out_cells > 0 && <span className="badge badge-stock-out">{t('matrix.outCells', { count: m.totals.out_cells, n: f.number(m.totals.out_cells) })}</span>}
    </p>
  );
}

function MatrixTable({ m, busy, selectedLevel, mapVariant, canWrite, onOpenLevel, onReceive, onShowOnMap }: { m: { locations: MatrixLocation[]; data: MatrixRow[]; totals: { on_hand: number; reserved: number; available: number } }; busy: boolean } & Pick<Props, 'selectedLevel' | 'mapVariant' | 'canWrite' | 'onOpenLevel' | 'onReceive' | 'onShowOnMap'>) {
  const { t, i18n } = useTranslation('stock');
  const f = useFormat();
  return (
    <div className="stock-matrix-wrap" tabIndex={0} role="region" aria-label={t('matrix.caption')} aria-busy={busy}>
      <table className="stock-matrix">
        <caption className="visually-hidden">{t('matrix.caption')}</caption>
        <thead>
          <tr>
            <th scope="col" className="stock-matrix-corner">
              {t('product')}
            </th>
            {m.locations.map((l) => (
              <th key={l.id} scope="col" className="stock-matrix-location">
                <span className={`stock-kind-dot stock-kind-${l.kind}`} aria-hidden="true" /> {l.name}
                <div className="muted stock-matrix-sub">
                  {t(`kind.${l.kind}`)}
                  {l.active ? '' : ` · ${t('closed')}`}
                </div>
              </th>
            ))}
            <th scope="col" className="stock-matrix-total">
              {t('matrix.total')}
            </th>
          </tr>
        </thead>
        <tbody>
          {m.data.map((row) => {
            const name = variantTitle(row, i18n.language);
            return (
              <tr key={row.variant_id} className={row.variant_id === mapVariant ? 'stock-matrix-mapped' : undefined}>
                <th scope="row" className="stock-matrix-product">
                  <div className="stock-matrix-name">{name}</div>
                  <div className="stock-matrix-sub">
                    {row.sku !== null && <span className="mono muted">{row.sku}</span>}
                    <button type="button" className="link-button" aria-pressed={row.variant_id === mapVariant} aria-label={t('matrix.showOnMapFor', { name })} onClick={() => onShowOnMap(row.variant_id)}>
                      {row.variant_id === mapVariant ? t('matrix.onMap') : t('matrix.showOnMap')}
                    </button>
                  </div>
                </th>
                {m.locations.map((l) => {
                  const cell = row.cells.find((c) => c.location_id === l.id);
                  return <MatrixCellView key={l.id} cell={cell} name={name} location={l.name} selected={cell !== undefined && selectedLevel === levelKey({ variant_id: row.variant_id, location_id: l.id })} canWrite={canWrite} onOpen={() => onOpenLevel(levelKey({ variant_id: row.variant_id, location_id: l.id }))} onReceive={() => onReceive(row.variant_id, l.id)} />;
                })}
                <td className="stock-matrix-total num">
                  <strong>{f.number(row.totals.available)}</strong>
                  <div className="stock-matrix-sub muted">{t('matrix.onHandReserved', { on_hand: f.number(row.totals.on_hand), reserved: f.number(row.totals.reserved) })}</div>
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" className="stock-matrix-product">
              {t('matrix.totalAvailable')}
            </th>
            {m.locations.map((l) => (
              <td key={l.id} className="num">
                <strong>{f.number(l.totals.available)}</strong>
                <div className="stock-matrix-sub">
                  {l.totals.low_variants > 0 && <span className="badge badge-stock-low">{t('matrix.lowCount', { n: f.number(l.totals.low_variants) })}</span>}
                  {l.totals.out_variants > 0 && <span className="badge badge-stock-out">{t('matrix.outCount', { n: f.number(l.totals.out_variants) })}</span>}
                </div>
              </td>
            ))}
            <td className="stock-matrix-total num">
              <strong>{f.number(m.totals.available)}</strong>
              <div className="stock-matrix-sub muted">{t('matrix.onHandReserved', { on_hand: f.number(m.totals.on_hand), reserved: f.number(m.totals.reserved) })}</div>
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function MatrixCellView({ cell, name, location, selected, canWrite, onOpen, onReceive }: { cell: MatrixCell | undefined; name: string; location: string; selected: boolean; canWrite: boolean; onOpen: () => void; onReceive: () => void }) {
  const { t } = useTranslation('stock');
  const f = useFormat();
  if (cell === undefined) {
    return (
      <td className="stock-matrix-cell stock-matrix-none">
        {canWrite ? (
          <button type="button" className="stock-matrix-receive" aria-label={t('matrix.receiveAt', { name, location })} onClick={onReceive}>
            {t('matrix.notStocked')}
          </button>
        ) : (
          <span className="muted" title={t('matrix.notStockedTitle')}>
            {t('matrix.notStocked')}
          </span>
        )}
      </td>
    );
  }
  const state = cellState(cell);
  const label = t('matrix.cellLabel', { name, location, available: f.number(cell.available), on_hand: f.number(cell.on_hand), reserved: f.number(cell.reserved), threshold: f.number(cell.low_stock_threshold) }) + (state === 'ok' ? '' : ` (${t(state === 'out' ? 'outOfStock' : 'lowStock')})`);
  return (
    <td className={`stock-matrix-cell stock-matrix-${state}${selected ? ' stock-matrix-selected' : ''}`}>
      <button type="button" aria-label={label} aria-pressed={selected} onClick={onOpen} data-testid={`cell-${cell.location_id}`}>
        <span className="stock-matrix-available">{f.number(cell.available)}</span>
        {state !== 'ok' && <span className={`badge badge-stock-${state}`}>{t(state === 'out' ? 'outOfStock' : 'lowStock')}</span>}
        <span className="stock-matrix-sub">{t('matrix.cellDetail', { on_hand: f.number(cell.on_hand), reserved: f.number(cell.reserved) })}</span>
        <span className="stock-matrix-sub">{t('matrix.cellAlert', { threshold: f.number(cell.low_stock_threshold) })}</span>
      </button>
    </td>
  );
}
