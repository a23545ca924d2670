import { NavLink } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useSession } from '../../session';

/**
 * The sections of one planning area, as links under the page title: the main navigation has one
 * entry per area (Forecasts, Replenishment), so that it still fits beside the notices.
 */
const areas = {
  forecast: [
    { to: '/forecasts', key: 'forecasts', scope: 'forecast:read' },
    { to: '/forecasts/insight', key: 'insight', scope: 'insight:read' },
  ],
  replen: [
    { to: '/replenishment', key: 'inbox', scope: 'replenishment:read' },
    { to: '/replenishment/orders', key: 'orders', scope: 'replenishment:read' },
    { to: '/replenishment/suppliers', key: 'suppliers', scope: 'replenishment:read' },
    { to: '/replenishment/health', key: 'health', scope: 'replenishment:read' },
  ],
} as const;

export function SubNav({ area }: { area: keyof typeof areas }) {
  const { t } = useTranslation('forecast');
  const { can } = useSession();
  return (
    <nav className="tabs plan-subnav" aria-label={t(`subnav.${area}`)}>
      {areas[area]
        .filter((s) => can(s.scope))
        .map((s) => (
          <NavLink key={s.key} to={s.to} end>
            {t(`subnav.${s.key}`)}
          </NavLink>
        ))}
    </nav>
  );
}
