import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { bos, unwrap, type Schemas } from '../../api';
import { DataTable } from '../../components/DataTable';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { auditQueryKey, usersQueryKey } from './queryKeys';
import { PagedList, RefreshButton, SettingsSection, useCursorPages } from './shared';

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
  'merchant.update',
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
    queryKey: [...auditQueryKey, { cursor: pages.cursor ?? null }],
    queryFn: () => unwrap(bos.GET('/v1/audit-events', { params: { query: { limit: page_size, cursor: pages.cursor } } })),
    enabled: canRead,
    placeholderData: keepPreviousData,
  });
  // Names for the people in the trail, when the role may read them.
  const users = useQuery({ queryKey: usersQueryKey, queryFn: () => unwrap(bos.GET('/v1/console-users')), enabled: canRead && can('users:read') });
  const f = useFormat();
  const byId = new Map((users.data?.data ?? []).map((u) => [u.id, u]));

  return (
    <SettingsSection id="audit" title={t('audit.title')} intro={t('audit.intro')} action={canRead && <RefreshButton query={query} />}>
      <PagedList query={query} pages={pages} allowed={canRead} empty={t('audit.empty')} label={t('audit.pagination')}>
        {(events) => (
          <DataTable
            caption={t('audit.title')}
            rows={events}
            rowKey={(e) => e.id}
            stale={query.isPlaceholderData}
            columns={[
              { label: t('audit.time'), className: 'settings-nowrap', cell: (e) => <time dateTime={e.occurred_at}>{f.dateTime(e.occurred_at)}</time> },
              { label: t('audit.actor'), cell: (e) => <Actor actor={e.actor} users={byId} /> },
              { label: t('audit.action'), rowHeader: true, className: 'settings-row-head settings-normal', cell: (e) => <Action action={e.action} /> },
              { label: t('audit.target'), cell: (e) => <Target target={e.target} users={byId} /> },
              { label: t('audit.details'), cell: (e) => <Details details={e.details} /> },
            ]}
          />
        )}
      </PagedList>
    </SettingsSection>
  );
}

function Action({ action }: { action: string }) {
  const { t } = useTranslation('settings');
  const known = (knownActions as readonly string[]).includes(action);
  return (
    <>
      {known ? t(`audit.actions.${action.replace('.', '_')}`) : action}
      {known && <div className="muted mono settings-small">{action}</div>}
    </>
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
