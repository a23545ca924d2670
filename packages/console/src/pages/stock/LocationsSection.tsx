import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import type { Location } from './api';
import { formatCoordinates, LocationsMap } from './LocationsMap';

type Translate = (key: string, options?: Record<string, unknown>) => string;

/** The merchant's stores and warehouses: on a map and in a table, each a filter for the levels. */
export function LocationsSection({ locations, selected, onSelect }: { locations: Location[] | undefined; selected: string; onSelect: (id: string) => void }) {
  const { t: tt } = useTranslation('stock');
  const t = tt as Translate;
  if (locations === undefined) return null;
  return (
    <Card title={t('locations')} className="stock-locations-card" headingId="locations-heading">
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
