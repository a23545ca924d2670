import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { bos, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { useFormat } from '../../format';
import type { Location, StockMatrix } from './api';
import { formatCoordinates, LocationsMap, type LocationStock } from './LocationsMap';
import { variantTitle } from './stockForm';
import { cellState } from './StockMatrix';

type Translate = (key: string, options?: Record<string, unknown>) => string;

/**
 * The stock at each location, for the map and the table: every product's (units available, how
 * many variants are low or out) or, when the stock matrix names one, one product's.
 */
function useStockAt(stock: StockMatrix | undefined, variantId: string, t: Translate): ((location_id: string) => LocationStock | undefined) | undefined {
  const f = useFormat();
  if (stock === undefined) return undefined;
  const row = variantId === '' ? undefined : stock.data.find((r) => r.variant_id === variantId);
  const columns = new Map(stock.locations.map((l) => [l.id, l.totals]));
  return (location_id) => {
    const totals = columns.get(location_id);
    if (totals === undefined) return undefined;
    if (row !== undefined) {
      const cell = row.cells.find((c) => c.location_id === location_id);
      if (cell === undefined) return { status: 'none', line: t('map.notStocked'), description: t('map.notStocked') };
      const status = cellState(cell);
      const line = t('map.unitsAvailable', { count: cell.available, n: f.number(cell.available) });
      return { status, line, description: status === 'ok' ? line : `${line}, ${t(status === 'out' ? 'outOfStock' : 'lowStock')}` };
    }
    if (totals.stocked_variants === 0) return { status: 'none', line: t('map.noStock'), description: t('map.noStock') };
    const parts = [t('map.unitsAvailable', { count: totals.available, n: f.number(totals.available) })];
    if (totals.low_variants > 0) parts.push(t('map.lowVariants', { count: totals.low_variants, n: f.number(totals.low_variants) }));
    if (totals.out_variants > 0) parts.push(t('map.outVariants', { count: totals.out_variants, n: f.number(totals.out_variants) }));
    const line = parts.join(' · ');
    return { status: totals.out_variants > 0 ? 'out' : totals.low_variants > 0 ? 'low' : 'ok', line, description: parts.join(', ') };
  };
}

/** The merchant's stores and warehouses: on a map and in a table, each a filter for the levels. */
export function LocationsSection({ locations, selected, stock, mapVariant = '', onSelect, onClearVariant }: { locations: Location[] | undefined; selected: string; stock?: StockMatrix | undefined; mapVariant?: string; onSelect: (id: string) => void; onClearVariant?: () => void }) {
  const { t: tt, i18n } = useTranslation('stock');
  // The delivery zones drawn around the stores: the merchant's express radius.
  const delivery = useQuery({ queryKey: ['fulfilment-settings'], queryFn: () => unwrap(bos.GET('/v1/fulfilment/settings')), staleTime: 60_000 });
  const t = tt as Translate;
  const stockAt = useStockAt(stock, mapVariant, t);
  const shown = mapVariant === '' ? undefined : stock?.data.find((r) => r.variant_id === mapVariant);
  if (locations === undefined) return null;
  return (
    <Card title={t('locations')} className="stock-locations-card" headingId="locations-heading">
      {locations.length === 0 ? (
        <p className="muted">{t('noLocations')}</p>
      ) : (
        <div className="stock-locations-layout">
          {shown !== undefined && (
            <p className="stock-filter-chip stock-map-variant">
              <span>{t('map.showingProduct', { name: variantTitle(shown, i18n.language) })}</span>
              {onClearVariant !== undefined && (
                <button type="button" onClick={onClearVariant}>
                  {t('map.showAllProducts')}
                </button>
              )}
            </p>
          )}
          <LocationsMap locations={locations} selected={selected} stockAt={stockAt} onSelect={onSelect} expressRadiusM={delivery.data?.express_radius_m} />
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
              ...(stockAt === undefined
                ? []
                : [
                    {
                      label: t('map.stockColumn'),
                      cell: (l: Location) => {
                        const s = stockAt(l.id);
                        return s === undefined ? null : <span className={`map-stock-text map-stock-${s.status}`}>{s.line}</span>;
                      },
                    },
                  ]),
              { label: t('city'), cell: (l) => <>{[...new Set([l.address.city, l.address.region].filter((x): x is string => x !== undefined && x !== ''))].join(', ')}<div className="muted">{l.timezone}</div></> },
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
    </Card>
  );
}
