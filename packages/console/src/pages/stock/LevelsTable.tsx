import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { DataTable } from '../../components/DataTable';
import { useFormat } from '../../format';
import { levelKey, type StockRow } from './api';
import { levelName, variantTitle } from './stockForm';

/** Whether a level is at or below its alert level, or out of stock altogether. */
export function levelState(l: StockRow): 'out' | 'low' | 'ok' {
  if (l.available <= 0) return 'out';
  if (l.available <= l.low_stock_threshold) return 'low';
  return 'ok';
}

/** The stock levels: one row per variant and location, with a button that opens the level's details. */
export function LevelsTable({ levels, busy, selected, locationName, emptyRow, onSelect }: { levels: StockRow[]; busy: boolean; selected: string; locationName: (id: string) => string; emptyRow: string; onSelect: (key: string) => void }) {
  const { t } = useTranslation('stock');
  const { t: tc, i18n } = useTranslation();
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
              {l.product_id === null ? <span>{variantTitle(l, i18n.language)}</span> : <Link to={`/catalog/${l.product_id}`}>{variantTitle(l, i18n.language)}</Link>}
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
