import { useTranslation } from 'react-i18next';
import { OpenBosError } from '../api';

/** True when the server refused a read for lack of scope (the role may have changed since sign-in). */
export function isForbidden(error: unknown): boolean {
  return error instanceof OpenBosError && error.status === 403;
}

/** Said where a list or section would be, when the person's role may not see it. */
export function NotAllowed({ className }: { className?: string }) {
  const { t } = useTranslation();
  return <p className={className === undefined ? 'empty' : `empty ${className}`}>{t('notAllowed')}</p>;
}
