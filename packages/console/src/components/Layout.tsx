import { NavLink, Outlet, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { languages } from '../i18n';
import { useSession } from '../session';
import { NoticeSlot } from './Notices';

const sections = [
  { to: '/', key: 'overview', end: true },
  { to: '/catalog', key: 'catalog', end: false },
  { to: '/stock', key: 'stock', end: false },
  { to: '/orders', key: 'orders', end: false },
  { to: '/fulfilment', key: 'fulfilment', end: false, scope: 'fulfilments:read' },
  { to: '/pickup', key: 'pickup', end: false, scope: 'fulfilments:read' },
  { to: '/local-delivery', key: 'localDelivery', end: false, scope: 'fulfilments:read' },
  { to: '/stores', key: 'stores', end: false, scope: 'stores:read' },
  { to: '/shipments', key: 'shipments', end: false, scope: 'shipments:read' },
  { to: '/payouts', key: 'payouts', end: false },
  { to: '/promotions', key: 'promotions', end: false, scope: 'promotions:read' },
  { to: '/audiences', key: 'audiences', end: false, scope: 'audiences:read' },
  { to: '/campaigns', key: 'campaigns', end: false, scope: 'campaigns:read' },
  { to: '/consumers', key: 'consumers', end: false },
  { to: '/recommendations', key: 'recommendations', end: false, scope: 'recs:read' },
  { to: '/search', key: 'search', end: false, scope: 'search:read' },
  { to: '/forecasts', key: 'forecasts', end: false, scope: 'forecast:read' },
  { to: '/replenishment', key: 'replenishment', end: false, scope: 'replenishment:read' },
  { to: '/mail', key: 'mail', end: false },
  { to: '/settings', key: 'settings', end: false },
  // The platform operator's desk, shown only to people of the operator's account.
  { to: '/platform', key: 'platform', end: false, scope: 'platform:read' },
] as const;

/** The frame of every signed-in page: navigation, the merchant and person, language, sign-out. */
export function Layout() {
  const { t, i18n } = useTranslation();
  const { session, signOut, can } = useSession();
  const navigate = useNavigate();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header className="topbar">
        <span className="brand" aria-hidden="true">
          B
        </span>
        <strong className="merchant-name">{session?.merchant.name}</strong>
        <span className="spacer" />
        <label className="language">
          <span className="visually-hidden">{t('language')}</span>
          <select value={i18n.language} onChange={(e) => void i18n.changeLanguage(e.target.value)}>
            {languages.map((l) => (
              <option key={l.code} value={l.code} lang={l.code}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
        {session !== null && <span className="who">{t('signedInAs', { name: session.user.name, role: t(`role.${session.user.role}`) })}</span>}
        <button
          type="button"
          onClick={() =>
            void signOut().finally(() => {
              void navigate('/sign-in');
            })
          }
        >
          {t('signOut')}
        </button>
      </header>
      <div className="sidebar">
        <nav aria-label={t('nav.label')}>
          <ul>
            {sections.filter((s) => !('scope' in s) || can(s.scope)).map((s) => (
              <li key={s.key}>
                <NavLink to={s.to} end={s.end}>
                  {t(`nav.${s.key}`)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <NoticeSlot />
      </div>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
