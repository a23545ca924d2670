import { useTranslation } from 'react-i18next';

/**
 * Cursor paging as the API offers it: back to the first page, or on to the next. A button shows
 * only when its move is possible (pass undefined otherwise).
 */
export function Pager({ label, onFirst, onNext }: { label: string; onFirst: (() => void) | undefined; onNext: (() => void) | undefined }) {
  const { t } = useTranslation();
  return (
    <nav className="pager" aria-label={label}>
      {onFirst !== undefined && (
        <button type="button" onClick={onFirst}>
          {t('previous')}
        </button>
      )}
      {onNext !== undefined && (
        <button type="button" onClick={onNext}>
          {t('next')}
        </button>
      )}
    </nav>
  );
}
