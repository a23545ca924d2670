import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Recovery codes, shown the one time the server hands them out: a numbered list to copy or
 * write down, and why it matters. Each code works once.
 */
export function RecoveryCodes({ codes }: { codes: readonly string[] }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <div className="recovery-codes">
      <p>
        <strong>{t('twoFactor.recoveryTitle')}</strong> {t('twoFactor.recoveryIntro')}
      </p>
      <ol className="recovery-code-list" aria-label={t('twoFactor.recoveryTitle')} data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <button
        type="button"
        onClick={() => {
          void navigator.clipboard?.writeText(codes.join('\n')).then(() => setCopied(true));
        }}
      >
        {copied ? t('twoFactor.copied') : t('twoFactor.copyCodes')}
      </button>
    </div>
  );
}
