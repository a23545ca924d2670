import { useInfiniteQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { LoadMore } from '../../components/LoadMore';
import { ErrorState, Loading } from '../../components/QueryState';
import { useFormat } from '../../format';
import { formatValue } from './traits';
import type { TimelineEvent } from './types';

const page_size = 25;
const properties_shown = 4;
/** The properties that say most about an event come first; the rest keep the order they came in. */
const keyProperties = ['order_id', 'product_id', 'sku', 'name', 'title', 'amount_minor', 'total_minor', 'revenue', 'total', 'value', 'price', 'quantity', 'coupon', 'path', 'url', 'category'];
const rank = (key: string) => {
  const i = keyProperties.indexOf(key);
  return i < 0 ? keyProperties.length : i;
};

/** What a consumer did, newest first, a page at a time ("Show older events"). */
export function ConsumerTimeline({ profileId }: { profileId: string }) {
  const { t } = useTranslation('consumers');
  const headingId = useId();
  const query = useInfiniteQuery({
    queryKey: ['consumer-timeline', profileId],
    queryFn: ({ pageParam }) => unwrap(bos.GET('/v1/consumers/{profile_id}/timeline', { params: { path: { profile_id: profileId }, query: { cursor: pageParam, limit: page_size } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const events = query.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <Card title={t('timeline.title')}>
      {query.isPending ? (
        <Loading />
      ) : query.isError && events.length === 0 ? (
        <ErrorState message={query.error.message} onRetry={() => void query.refetch()} />
      ) : events.length === 0 ? (
        <p className="empty">{t('timeline.empty')}</p>
      ) : (
        <>
          <ol className="timeline consumer-timeline" aria-describedby={`${headingId}-order`}>
            {events.map((e) => (
              <TimelineItem key={e.id} event={e} />
            ))}
          </ol>
          <p id={`${headingId}-order`} className="visually-hidden">
            {t('timeline.order')}
          </p>
          {query.isFetchNextPageError && <ErrorState message={query.error?.message ?? ''} onRetry={() => void query.fetchNextPage()} />}
          <LoadMore more={query.hasNextPage} loading={query.isFetchingNextPage} label={t('timeline.older')} loadingLabel={t('timeline.loadingOlder')} onMore={() => void query.fetchNextPage()} />
        </>
      )}
    </Card>
  );
}

function TimelineItem({ event }: { event: TimelineEvent }) {
  const { t } = useTranslation('consumers');
  const f = useFormat();
  const properties = event.properties !== null && typeof event.properties === 'object' && !Array.isArray(event.properties) ? (event.properties as Record<string, unknown>) : {};
  const currency = typeof properties.currency === 'string' && /^[A-Z]{3}$/i.test(properties.currency) ? properties.currency.toUpperCase() : undefined;
  const entries = Object.entries(properties)
    .filter(([k, v]) => v !== null && v !== undefined && v !== '' && !(k === 'currency' && currency !== undefined))
    .sort(([a], [b]) => rank(a) - rank(b));
  const shown = entries.slice(0, properties_shown);

  function value(key: string, v: unknown): string {
    if (currency !== undefined && key.endsWith('_minor') && typeof v === 'number') return f.money(v, currency);
    if (typeof v === 'number') return f.number(v);
    return formatValue(v, 60);
  }

  return (
    <li>
      <div className="consumer-event-head">
        <strong className="consumer-event-sentence">{sentence(event, properties, currency, t, f.money) ?? title(event, t)}</strong> <span className="badge consumer-event-type">{t(`timeline.types.${event.type}`, { defaultValue: event.type })}</span>{' '}
        <time dateTime={event.occurred_at} className="muted">
          {f.dateTime(event.occurred_at)}
        </time>
      </div>
      {shown.length > 0 && (
        <details className="consumer-event-details">
          <summary>{t('timeline.details')}</summary>
          <dl className="consumer-event-props">
            {shown.map(([k, v]) => (
              <div key={k}>
                <dt>{k.replace(/_minor$/, currency === undefined ? '_minor' : '')}</dt>
                <dd>{value(k, v)}</dd>
              </div>
            ))}
          </dl>
          {entries.length > shown.length && <p className="muted consumer-event-more">{t('timeline.moreProperties', { count: entries.length - shown.length })}</p>}
        </details>
      )}
    </li>
  );
}

type Translate = (key: string, options?: Record<string, unknown>) => string;

function text(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.trim() !== '' ? formatValue(v.trim(), 60) : undefined;
}

/**
 * The event as a sentence in the reader's language ("Paid order ord_… ¥44.65"), for the events
 * a shop sends most; any other reads as the API's English `summary`, which the SDK gets too.
 */
function sentence(event: TimelineEvent, p: Record<string, unknown>, currency: string | undefined, t: Translate, money: (minor: number, currency: string) => string): string | undefined {
  if (event.type !== 'track' || event.event === null) return event.type === 'page' || event.type === 'screen' || event.type === 'identify' ? undefined : event.summary;
  const order = text(p.order_id) ?? '';
  const minor = (key: string) => (typeof p[key] === 'number' && currency !== undefined && (p[key]) > 0 ? money(p[key], currency) : undefined);
  const amount = minor('amount_minor');
  const product = text(p.name) ?? text(p.title) ?? text(p.sku) ?? text(p.product_id);
  const say = (key: string, values: Record<string, unknown>) => t(`timeline.sentences.${key}`, values).replace(/\s+/g, ' ').trim();
  switch (event.event.toLowerCase()) {
    case 'checkout started':
      return order === '' ? event.summary : say('checkoutStarted', { order, amount: amount ?? '' });
    case 'order paid':
      return say('orderPaid', { order, amount: amount ?? '' });
    case 'order shipped':
      return say('orderShipped', { order });
    case 'order completed':
      if (order !== '') return say('orderCompleted', { order, amount: amount ?? '' });
      return product === undefined ? event.summary : say('bought', { product, amount: amount ?? '' });
    case 'order refunded':
      return say('orderRefunded', { order, amount: minor('refund_amount_minor') ?? amount ?? '' });
    case 'order cancelled':
      return say('orderCancelled', { order });
    case 'product viewed':
      return product === undefined ? event.summary : say('productViewed', { product });
    case 'product added':
      return product === undefined ? event.summary : say('productAdded', { product });
    case 'product added to wishlist':
      return product === undefined ? event.summary : say('productAddedToWishlist', { product });
    case 'products searched':
      return text(p.query) === undefined ? event.summary : say('productsSearched', { query: text(p.query) });
    default:
      return event.summary;
  }
}

function title(event: TimelineEvent, t: (key: string, options?: Record<string, unknown>) => string): string {
  switch (event.type) {
    case 'track':
      return event.event ?? t('timeline.types.track');
    case 'page':
      return event.event === null ? t('timeline.pageViewed') : t('timeline.pageNamed', { name: event.event });
    case 'screen':
      return event.event === null ? t('timeline.screenViewed') : t('timeline.screenNamed', { name: event.event });
    case 'identify':
      return t('timeline.identified');
    case 'group':
      return t('timeline.grouped');
    case 'alias':
      return t('timeline.aliased');
    default:
      return event.event ?? event.type;
  }
}
