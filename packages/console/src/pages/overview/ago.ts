import { useTranslation } from 'react-i18next';
import { localeOf } from '../../format';

/** "3 hours ago", "yesterday", in the chosen language: how long since a moment. */
export function useAgo(): (iso: string) => string {
  const { i18n } = useTranslation();
  const format = new Intl.RelativeTimeFormat(localeOf(i18n.language), { numeric: 'auto' });
  return (iso: string) => {
    const minutes = Math.round((Date.parse(iso) - Date.now()) / 60_000);
    if (Math.abs(minutes) < 60) return format.format(minutes, 'minute');
    const hours = Math.round(minutes / 60);
    if (Math.abs(hours) < 48) return format.format(hours, 'hour');
    return format.format(Math.round(hours / 24), 'day');
  };
}
