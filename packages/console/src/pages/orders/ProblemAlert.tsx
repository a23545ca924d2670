import { useTranslation } from 'react-i18next';
import { OpenBosError } from '../../api';

/**
 * What the server said when an order action failed: a sentence in the reader's language for the
 * problems a person can meet here, the server's own explanation, and its code for support.
 */
export function ProblemAlert({ error }: { error: unknown }) {
  const { t, i18n } = useTranslation('orders');
  if (error === null || error === undefined) return null;
  const code = error instanceof OpenBosError ? error.code : undefined;
  const message = error instanceof Error ? error.message : JSON.stringify(error);
  const known = code !== undefined && i18n.exists(`problem.${code}`, { ns: 'orders' });
  return (
    <div className="error-state" role="alert">
      <p>
        <strong>{known ? t(`problem.${code}`) : t('problem.generic')}</strong>
      </p>
      <p>
        {message}
        {code !== undefined && <span className="mono muted"> ({code})</span>}
      </p>
    </div>
  );
}
