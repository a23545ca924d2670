import { useQuery } from '@tanstack/react-query';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { bos, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { ConsentCard } from './ConsentCard';
import { ConsumerTimeline } from './ConsumerTimeline';
import './consumers.css';
import { EraseButton, ExportButton } from './DataRequests';
import { consumerLabel, formatValue } from './traits';
import type { Consumer } from './types';

const hashedTypes = new Set(['email', 'phone']);

export default function ConsumerDetailPage() {
  const { t } = useTranslation('consumers');
  const { profileId = '' } = useParams();
  const { can } = useSession();
  const query = useQuery({
    queryKey: ['consumer', profileId],
    queryFn: (): Promise<Consumer> => unwrap(bos.GET('/v1/consumers/{profile_id}', { params: { path: { profile_id: profileId } } })),
  });
  const consumer = query.data;
  const name = consumer === undefined ? undefined : (consumerLabel(consumer) ?? t('unnamed'));
  return (
    <>
      <p className="consumer-back">
        <Link to="/consumers">{t('detail.back')}</Link>
      </p>
      <PageHeader
        title={name ?? t('detail.loadingTitle')}
        actions={
          consumer === undefined ? undefined : (
            <>
              <ExportButton consumer={consumer} />
              {can('consumers:write') && consumer.merged_into === null && <EraseButton consumer={consumer} name={name ?? consumer.id} />}
            </>
          )
        }
      >
        {consumer !== undefined && (
          <p className="consumer-summary-line">
            <span className="mono muted">{consumer.id}</span>
            {consumer.lifecycle !== null && <StageBadge stage={consumer.lifecycle.stage} />}
          </p>
        )}
      </PageHeader>
      <QueryState query={query}>{(c) => <ConsumerBody consumer={c} />}</QueryState>
    </>
  );
}

function StageBadge({ stage }: { stage: string }) {
  const { t } = useTranslation('consumers');
  const { t: tc } = useTranslation();
  return (
    <span className={`badge consumer-stage consumer-stage-${stage}`}>
      <span className="visually-hidden">{t('facts.stage')}: </span>
      {tc(`stage.${stage}`)}
    </span>
  );
}

function ConsumerBody({ consumer }: { consumer: Consumer }) {
  const { t } = useTranslation('consumers');
  return (
    <>
      {consumer.merged_into !== null && (
        <div className="card consumer-merged" role="note">
          <p>
            {t('detail.merged')} <Link to={`/consumers/${consumer.merged_into}`}>{t('detail.mergedLink', { id: consumer.merged_into })}</Link>
          </p>
        </div>
      )}
      <div className="consumer-grid">
        <Facts consumer={consumer} />
        <Traits consumer={consumer} />
        <Identities consumer={consumer} />
        <ContactPoints consumer={consumer} />
        <ConsentCard consumer={consumer} />
      </div>
      <ConsumerTimeline profileId={consumer.id} />
    </>
  );
}

function Facts({ consumer }: { consumer: Consumer }) {
  const { t } = useTranslation('consumers');
  const { t: tc } = useTranslation();
  const f = useFormat();
  const currency = useSession().session?.merchant.default_currency ?? 'CNY';
  return (
    <Card title={t('facts.title')}>
      <dl className="facts">
        <dt>{t('facts.stage')}</dt>
        <dd>
          {consumer.lifecycle === null ? (
            <span className="muted">{t('facts.noStage')}</span>
          ) : (
            <>
              {tc(`stage.${consumer.lifecycle.stage}`)} <span className="muted">{t('facts.stageOn', { day: f.day(consumer.lifecycle.day) })}</span>
            </>
          )}
        </dd>
        <dt>{t('facts.email')}</dt>
        <dd className="consumer-contact">{consumer.contact.email ?? <span className="muted">{t('facts.noContact')}</span>}</dd>
        <dt>{t('facts.phone')}</dt>
        <dd className="consumer-contact">{consumer.contact.phone ?? <span className="muted">{t('facts.noContact')}</span>}</dd>
        <dt>{t('facts.firstSeen')}</dt>
        <dd>{f.dateTime(consumer.first_seen_at)}</dd>
        <dt>{t('facts.lastSeen')}</dt>
        <dd>{f.dateTime(consumer.last_seen_at)}</dd>
        <dt>{t('facts.events')}</dt>
        <dd>{f.number(consumer.events_count)}</dd>
        <dt>{t('facts.orders')}</dt>
        <dd>{f.number(consumer.orders_count)}</dd>
        <dt>{t('facts.spent')}</dt>
        <dd>
          {f.money(consumer.amount_spent_minor, currency)}
          {consumer.orders_without_amount > 0 && <span className="muted"> {t('facts.withoutAmount', { count: consumer.orders_without_amount })}</span>}
        </dd>
        <dt>{t('facts.lastPurchase')}</dt>
        <dd>{consumer.last_purchase_at === null ? <span className="muted">{t('facts.never')}</span> : f.dateTime(consumer.last_purchase_at)}</dd>
      </dl>
      {(consumer.contact.email !== null || consumer.contact.phone !== null) && <p className="hint">{t('facts.masked')}</p>}
    </Card>
  );
}

function Traits({ consumer }: { consumer: Consumer }) {
  const { t } = useTranslation('consumers');
  const entries = Object.entries(consumer.traits).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Card title={t('traits.title')}>
      {entries.length === 0 ? (
        <p className="muted">{t('traits.empty')}</p>
      ) : (
        <dl className="facts consumer-traits">
          {entries.map(([key, value]) => (
            <Fragment key={key}>
              <dt className="mono">{key}</dt>
              <dd>{value === null ? <span className="muted">{t('traits.null')}</span> : typeof value === 'object' ? <code className="mono">{formatValue(value, 300)}</code> : formatValue(value, 300)}</dd>
            </Fragment>
          ))}
        </dl>
      )}
    </Card>
  );
}

/** The addresses the brand may reach the consumer at: sealed in the data bank, shown only masked. */
function ContactPoints({ consumer }: { consumer: Consumer }) {
  const { t } = useTranslation('consumers');
  const { dateTime } = useFormat();
  const refused = Object.entries(consumer.consent.channels).filter(([, granted]) => granted === false).map(([channel]) => channel);
  return (
    <Card title={t('contactPoints.title')}>
      <p className="hint">{t('contactPoints.sealed')}</p>
      {refused.length > 0 && <p>{t('contactPoints.refused', { channels: refused.join(', ') })}</p>}
      {consumer.contact_points.length === 0 ? (
        <p className="muted">{t('contactPoints.empty')}</p>
      ) : (
        <table>
          <caption className="visually-hidden">{t('contactPoints.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('contactPoints.kind')}</th>
              <th scope="col">{t('contactPoints.masked')}</th>
              <th scope="col">{t('contactPoints.source')}</th>
              <th scope="col">{t('contactPoints.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {consumer.contact_points.map((p) => (
              <tr key={`${p.kind}:${p.masked}:${p.updated_at}`}>
                <td>{t(`contactPoints.kinds.${p.kind}`)}</td>
                <td className="mono">{p.masked}</td>
                <td>{t(`contactPoints.sources.${p.source}`, { defaultValue: p.source })}</td>
                <td>{dateTime(p.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function Identities({ consumer }: { consumer: Consumer }) {
  const { t } = useTranslation('consumers');
  return (
    <Card title={t('identities.title')}>
      <p className="hint">{t('identities.hashed')}</p>
      {consumer.identities.length === 0 ? (
        <p className="muted">{t('identities.empty')}</p>
      ) : (
        <table>
          <caption className="visually-hidden">{t('identities.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('identities.type')}</th>
              <th scope="col">{t('identities.value')}</th>
            </tr>
          </thead>
          <tbody>
            {consumer.identities.map((i) => (
              <tr key={`${i.type}:${i.value}`}>
                <td>{t(`identities.types.${i.type}`, { defaultValue: i.type })}</td>
                <td>
                  {hashedTypes.has(i.type) && <span className="badge consumer-hash-badge">{t('identities.hashBadge')}</span>} <span className="mono consumer-identity">{i.value}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
