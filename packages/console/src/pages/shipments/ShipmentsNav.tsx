import { useTranslation } from 'react-i18next';
import { NavLink } from 'react-router';

/** The two views of shipments: the list of every parcel, and how the carriers perform. */
export function ShipmentsNav() {
  const { t } = useTranslation('shipments');
  return (
    <nav className="shipments-views" aria-label={t('views.label')}>
      <NavLink to="/shipments" end>
        {t('views.list')}
      </NavLink>
      <NavLink to="/shipments/performance">{t('views.performance')}</NavLink>
    </nav>
  );
}
