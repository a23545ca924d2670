import { useQuery } from '@tanstack/react-query';
import { useRef, type ComponentType, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { PageHeader } from '../../components/PageHeader';
import { locationsQuery } from '../stock/api';
import { DevicesTab } from './DevicesTab';
import { DisputesTab } from './DisputesTab';
import { FiguresTab } from './FiguresTab';
import { MessagesTab } from './MessagesTab';
import { RegistersTab } from './RegistersTab';
import { SessionsTab } from './SessionsTab';
import { TwinTab } from './TwinTab';
import './stores.css';

const tabs = ['twin', 'sessions', 'registers', 'devices', 'messages', 'figures', 'disputes'] as const;
type Tab = (typeof tabs)[number];

function isTab(value: string | null): value is Tab {
  return (tabs as readonly (string | null)[]).includes(value);
}

const panels: Record<Tab, ComponentType<{ location_id: string }>> = { twin: TwinTab, sessions: SessionsTab, registers: RegistersTab, devices: DevicesTab, messages: MessagesTab, figures: FiguresTab, disputes: DisputesTab };

/**
 * One store: its twin (what a shopper sees), live shopping sessions and their review, registers
 * and till sessions, devices and their health, messages to its guides, its figures beside the
 * chain's other stores, and disputes. The open tab is in the address (`?tab=`).
 */
export default function StorePage() {
  const { t } = useTranslation('stores');
  const { locationId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const requested = params.get('tab');
  const tab: Tab = isTab(requested) ? requested : 'twin';
  const buttons = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});
  const locations = useQuery(locationsQuery);
  const name = locations.data?.find((l) => l.id === locationId)?.name ?? t('store');

  function open(next: Tab, focus = false) {
    if (next !== tab || [...params.keys()].some((key) => key !== 'tab')) setParams({ tab: next });
    if (focus) buttons.current[next]?.focus();
  }

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
    <div className="store-page">
      <PageHeader title={name}>
        <p className="muted">
          <Link to="/stores">{t('back')}</Link>
        </p>
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
            id={`store-tab-${id}`}
            aria-selected={id === tab}
            aria-controls={id === tab ? `store-panel-${id}` : undefined}
            tabIndex={id === tab ? 0 : -1}
            onClick={() => open(id)}
          >
            {t(`tabs.${id}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`store-panel-${tab}`} aria-labelledby={`store-tab-${tab}`} className="store-panel">
        <Panel key={`${tab}-${locationId}`} location_id={locationId} />
      </div>
    </div>
  );
}
