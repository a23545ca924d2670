import './locale';
import { useRef, type ComponentType, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { PageHeader } from '../../components/PageHeader';
import { ModelsTab } from './ModelsTab';
import { PlacementsTab } from './PlacementsTab';
import { PreviewTab } from './PreviewTab';
import { RulesTab } from './RulesTab';
import { TrafficTab } from './TrafficTab';
import './recs.css';

const tabs = ['models', 'placements', 'traffic', 'rules', 'preview'] as const;
type Tab = (typeof tabs)[number];

function isTab(value: string | null): value is Tab {
  return (tabs as readonly (string | null)[]).includes(value);
}

const panels: Record<Tab, ComponentType> = { models: ModelsTab, placements: PlacementsTab, traffic: TrafficTab, rules: RulesTab, preview: PreviewTab };

/**
 * The brand's recommendations (docs/RECS.md): models with their offline scores and "Train now",
 * placements with live click-through, the recommendation-versus-search traffic per day, pins and
 * exclusions, and a preview of what a consumer would see and why. The open tab is in the address
 * (`?tab=`).
 */
export default function Recommendations() {
  const { t } = useTranslation('recs');
  const [params, setParams] = useSearchParams();
  const requested = params.get('tab');
  const tab: Tab = isTab(requested) ? requested : 'models';
  const buttons = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});

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
    <div className="recs-page">
      <PageHeader title={t('title')}>
        <p className="muted">{t('intro')}</p>
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
            id={`recs-tab-${id}`}
            aria-selected={id === tab}
            aria-controls={id === tab ? `recs-panel-${id}` : undefined}
            tabIndex={id === tab ? 0 : -1}
            onClick={() => open(id)}
          >
            {t(`tabs.${id}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`recs-panel-${tab}`} aria-labelledby={`recs-tab-${tab}`}>
        <Panel key={tab} />
      </div>
    </div>
  );
}
