import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { fetchTwin, storeKeys, type TwinPage } from './api';

const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
type Interval = { opens: string; closes: string };

/** The opening hours per ISO weekday (1 = Monday), as local intervals. */
function Hours({ hours }: { hours: TwinPage['opening_hours'] }) {
  const { t } = useTranslation('stores');
  const byDay = hours as Record<string, Interval[] | undefined>;
  // No hours at all: open around the clock.
  const always = Object.keys(hours).length === 0;
  return (
    <dl className="st-hours" data-testid="twin-hours">
      {weekdays.map((d, i) => {
        const intervals = byDay[String(i + 1)] ?? [];
        return (
          <div key={d}>
            <dt>{t(`day.${d}`)}</dt>
            <dd>{always ? t('allDay') : intervals.length === 0 ? t('closed') : intervals.map((x) => (x.opens === '00:00' && (x.closes === '00:00' || x.closes === '24:00') ? t('allDay') : `${x.opens}–${x.closes}`)).join(', ')}</dd>
          </div>
        );
      })}
    </dl>
  );
}

/** What a shopper sees on the store's page: address, hours, open now, what is in stock, offers and guides. */
export function TwinTab({ location_id }: { location_id: string }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const query = useQuery({ queryKey: storeKeys.twin(location_id), queryFn: () => fetchTwin(location_id) });
  return (
    <QueryState query={query}>
      {(twin) => (
        <>
          <p className="muted">{t('twinIntro')}</p>
          <div className="st-grid">
            <Card title={t('address')}>
              <address className="st-address" data-testid="twin-address">
                {twin.address.line1}
                {twin.address.line2 !== undefined && twin.address.line2 !== '' && (
                  <>
                    <br />
                    {twin.address.line2}
                  </>
                )}
                <br />
                {[twin.address.postal_code, twin.address.city, twin.address.region].filter((x) => x !== undefined && x !== '').join(' ')} · {twin.address.country}
              </address>
              <p data-testid="twin-open-now">
                <span className={`badge ${twin.open_now ? 'badge-paid' : 'badge-failed'}`}>{twin.open_now ? t('openNow') : t('closedNow')}</span>{' '}
                {twin.open_now && twin.open_until !== null && <span className="muted">{t('openUntil', { at: f.dateTime(twin.open_until) })}</span>}
                {!twin.open_now && twin.next_opening !== null && <span className="muted">{t('opensAt', { at: f.dateTime(twin.next_opening) })}</span>}
              </p>
            </Card>
            <Card title={t('hours')}>
              <Hours hours={twin.opening_hours} />
            </Card>
            <Guides twin={twin} />
            <Offers twin={twin} />
            <InStock twin={twin} />
          </div>
        </>
      )}
    </QueryState>
  );
}

function Guides({ twin }: { twin: TwinPage }) {
  const { t } = useTranslation('stores');
  return (
    <Card title={t('guides')}>
      {twin.guides.length === 0 ? (
        <p className="muted">{t('noGuides')}</p>
      ) : (
        <ul className="st-list" data-testid="twin-guides">
          {twin.guides.map((g) => (
            <li key={g.id}>
              <strong>{g.name}</strong>
              {g.title !== '' && <span className="muted"> · {g.title}</span>} <span className={`badge ${g.online ? 'badge-paid' : ''}`}>{g.online ? t('guideOnline') : t('guideOffline')}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Offers({ twin }: { twin: TwinPage }) {
  const { t } = useTranslation('stores');
  return (
    <Card title={t('offers')}>
      {twin.offers.length === 0 && twin.claimable_coupons.length === 0 ? (
        <p className="muted">{t('noOffers')}</p>
      ) : (
        <ul className="st-list" data-testid="twin-offers">
          {twin.offers.map((o) => (
            <li key={o.promotion_id}>
              {o.name}
              {o.summary !== '' && <span className="muted"> · {o.summary}</span>}
            </li>
          ))}
          {twin.claimable_coupons.map((c) => (
            <li key={c.promotion_id}>
              {c.name} <span className="badge">{t('coupons')}</span>
              {c.left !== null && <span className="muted"> · {t('couponsLeft', { count: c.left })}</span>}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function InStock({ twin }: { twin: TwinPage }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  return (
    <Card title={t('inStock')} className="st-wide">
      <p data-testid="twin-in-stock-count">{t('inStockCount', { count: twin.stock.total })}</p>
      <DataTable
        caption={t('inStockCaption')}
        rows={twin.stock.items}
        rowKey={(s) => s.variant_id}
        columns={[
          { label: t('product'), rowHeader: true, cell: (s) => s.title },
          { label: 'SKU', cell: (s) => <span className="mono">{s.sku}</span> },
          { label: t('price'), num: true, cell: (s) => f.money(s.unit_price_minor, s.currency) },
          { label: t('available'), num: true, cell: (s) => f.number(s.available) },
        ]}
      />
    </Card>
  );
}
