import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { bos, unwrap, type Schemas } from '../../api';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { isForbidden, NotAllowed, Pager, useCursorPages } from './shared';
import { usersQueryKey } from './Users';

type AuditEvent = Schemas['AuditEvent'];
type ConsoleUser = Schemas['ConsoleUser'];

const page_size = 25;

/** Actions the server records (recordAudit in src/modules); others are shown by their code. */
const knownActions = [
  'api_key.create',
  'api_key.revoke',
  'console_session.sign_in',
  'console_session.sign_out',
  'console_user.create',
  'console_user.update',
  'consumer.consent',
  'consumer.erase',
  'consumer.unmerge',
  'merchant.create',
  'webhook_endpoint.create',
  'webhook_endpoint.delete',
  'webhook_endpoint.update',
] as const;

/** The merchant's audit trail: privileged actions, newest first. */
export function AuditTab() {
  const { t } = useTranslation('settings');
  const { can } = useSession();
  const canRead = can('audit:read');
  const pages = useCursorPages();
  const query = useQuery({
    queryKey: ['audit-events', { cursor: pages.cursor ?? null }],
    queryFn: () => unwrap(bos.GET('/v1/audit-events', { params: { query: { limit: page_size, cursor: pages.cursor } } })),
    enabled: canRead,
    placeholderData: keepPreviousData,
  });
  // Names for the people in the trail, when the role may read them.
  const users = useQuery({ queryKey: usersQueryKey, queryFn: () => unwrap(bos.GET('/v1/console-users')), enabled: canRead && can('users:read') });
  const byId = new Map((users.data?.data ?? []).map((u) => [u.id, u]));

  return (
    <section aria-labelledby="settings-audit-heading">
      <div className="settings-section-head">
        <div>
          <h2 id="settings-audit-heading">{t('audit.title')}</h2>
          <p className="muted">{t('audit.intro')}</p>
        </div>
        {canRead && (
          <button type="button" onClick={() => void query.refetch()} disabled={query.isFetching} aria-busy={query.isFetching}>
            {query.isFetching ? t('refreshing') : t('refresh')}
          </button>
        )}
      </div>
      {!canRead || isForbidden(query.error) ? (
        <NotAllowed />
      ) : (
        <QueryState query={query} isEmpty={(p) => p.data.length === 0 && pages.page === 1} empty={t('audit.empty')}>
          {(p) => (
            <>
              <div className={`table-wrap${query.isPlaceholderData ? ' settings-stale' : ''}`} aria-busy={query.isPlaceholderData}>
                <table>
                  <caption className="visually-hidden">{t('audit.title')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('audit.time')}</th>
                      <th scope="col">{t('audit.actor')}</th>
                      <th scope="col">{t('audit.action')}</th>
                      <th scope="col">{t('audit.target')}</th>
                      <th scope="col">{t('audit.details')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.data.map((e) => (
                      <AuditRow key={e.id} event={e} users={byId} />
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager pages={pages} nextCursor={p.next_cursor} label={t('audit.pagination')} />
            </>
          )}
        </QueryState>
      )}
    </section>
  );
}

function AuditRow({ event, users }: { event: AuditEvent; users: Map<string, ConsoleUser> }) {
  const { t } = useTranslation('settings');
  const f = useFormat();
  const known = (knownActions as readonly string[]).includes(event.action);
  return (
    <tr>
      <td className="settings-nowrap">
        <time dateTime={event.occurred_at}>{f.dateTime(event.occurred_at)}</time>
      </td>
      <td>
        <Actor actor={event.actor} users={users} />
      </td>
      <th scope="row" className="settings-row-head settings-normal">
        {known ? t(`audit.actions.${event.action.replace('.', '_')}`) : event.action}
        {known && <div className="muted mono settings-small">{event.action}</div>}
      </th>
      <td>
        <Target target={event.target} users={users} />
      </td>
      <td>
        <Details details={event.details} />
      </td>
    </tr>
  );
}

function Actor({ actor, users }: { actor: string; users: Map<string, ConsoleUser> }) {
  const { t } = useTranslation('settings');
  const [kind, id] = actor.includes(':') ? [actor.slice(0, actor.indexOf(':')), actor.slice(actor.indexOf(':') + 1)] : [actor, ''];
  if (kind === 'user') {
    const user = users.get(id);
    return user === undefined ? (
      <>
        {t('audit.consoleUser')}
        <div className="muted mono settings-small">{id}</div>
      </>
    ) : (
      <>
        {user.name}
        <div className="muted settings-small">{user.email}</div>
      </>
    );
  }
  if (kind === 'key') {
    return (
      <>
        {t('audit.apiKey')}
        <div className="muted mono settings-small">{id}</div>
      </>
    );
  }
  if (actor === 'platform') return <>{t('audit.platform')}</>;
  return <span className="mono">{actor}</span>;
}

function Target({ target, users }: { target: string; users: Map<string, ConsoleUser> }) {
  const user = users.get(target);
  if (user !== undefined) {
    return (
      <>
        {user.name}
        <div className="muted mono settings-small">{target}</div>
      </>
    );
  }
  return <span className="mono settings-break">{target}</span>;
}

function Details({ details }: { details: Record<string, unknown> }) {
  const { t: tc } = useTranslation();
  const entries = Object.entries(details);
  if (entries.length === 0) return <span className="muted">—</span>;
  const show = (value: unknown): string => {
    if (typeof value === 'boolean') return value ? tc('yes') : tc('no');
    if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
    if (typeof value === 'string') return value;
    return JSON.stringify(value);
  };
  return (
    <dl className="settings-details">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt className="mono">{key}</dt>
          <dd>{show(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
