import { useRef, type ComponentType, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { PageHeader } from '../../components/PageHeader';
import { ApiKeysTab } from './ApiKeys';
import { ReachTab } from './Reach';
import { MembershipTab } from './Membership';
import { AuditTab } from './Audit';
import { SecurityTab } from './Security';
import { StoreTab } from './Store';
import { UsersTab } from './Users';
import { WebhooksTab } from './Webhooks';
import './settings.css';

const tabs = ['keys', 'webhooks', 'users', 'security', 'store', 'reach', 'membership', 'audit'] as const;
type Tab = (typeof tabs)[number];

function isTab(value: string | null): value is Tab {
  return (tabs as readonly (string | null)[]).includes(value);
}

const panels: Record<Tab, ComponentType> = { store: StoreTab, keys: ApiKeysTab, webhooks: WebhooksTab, users: UsersTab, security: SecurityTab, reach: ReachTab, membership: MembershipTab, audit: AuditTab };

/**
 * Settings: the store's profile (its time zone), API keys, webhooks, console users, security (two-factor sign-in) and the audit trail, one tab each. The open tab is
 * in the address (`?tab=`), so it can be linked to and survives a reload.
 */
export default function SettingsPage() {
  const { t } = useTranslation('settings');
  const [params, setParams] = useSearchParams();
  const requested = params.get('tab');
  const tab: Tab = isTab(requested) ? requested : 'keys';
  const buttons = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});

  function open(next: Tab, focus = false) {
    // The open tab, clicked again, leaves a sub-view (such as one webhook endpoint) for its start.
    if (next !== tab || [...params.keys()].some((key) => key !== 'tab')) setParams({ tab: next });
    if (focus) buttons.current[next]?.focus();
  }

  // Arrow keys move between tabs (and open them), Home and End go to the first and last.
  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = tabs.indexOf(tab);
    const target: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
    const to = target[event.key];
    if (to === undefined) return;
    event.preventDefault();
    open(tabs[(to + tabs.length) % tabs.length]!, true);
  }

  const Panel = panels[tab];
  return (
    <div className="settings-page">
      <PageHeader title={t('title')}>
        <p className="muted">{t('subtitle')}</p>
      </PageHeader>
      <div className="tabs" role="tablist" aria-label={t('tabsLabel')} onKeyDown={onKeyDown}>
        {tabs.map((id) => (
          <button
            key={id}
            ref={(el) => {
              buttons.current[id] = el;
            }}
            type="button"
            role="tab"
            id={`settings-tab-${id}`}
            aria-selected={id === tab}
            aria-controls={id === tab ? `settings-panel-${id}` : undefined}
            tabIndex={id === tab ? 0 : -1}
            onClick={() => open(id)}
          >
            {t(`tabs.${id}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`settings-panel-${tab}`} aria-labelledby={`settings-tab-${tab}`} className="settings-panel">
        <Panel key={tab} />
      </div>
    </div>
  );
}
