import { Trans, useTranslation } from 'react-i18next';

const verifySample = `import { createHmac, timingSafeEqual } from 'node:crypto';

function verify(secret, header, rawBody, tolerance_s = 300) {
  const parts = header.split(',').map((p) => p.split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > tolerance_s) return false;
  const expected = createHmac('sha256', secret).update(\`\${t}.\${rawBody}\`).digest();
  return parts.some(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/.test(v)
    && timingSafeEqual(Buffer.from(v, 'hex'), expected));
}`;

/** How a receiver checks that a delivery came from OpenBOS (as docs/WEBHOOKS.md explains). */
export function SignatureHelp() {
  const { t } = useTranslation('settings');
  const code = <code className="mono" />;
  return (
    <details className="card settings-help">
      <summary>
        <strong>{t('webhooks.verifyTitle')}</strong>
      </summary>
      <p>
        <Trans t={t} i18nKey="webhooks.verifyIntro" components={{ code }} />
      </p>
      <ol>
        <li>
          <Trans t={t} i18nKey="webhooks.verifyStep1" components={{ code }} />
        </li>
        <li>
          <Trans t={t} i18nKey="webhooks.verifyStep2" components={{ code }} />
        </li>
        <li>
          <Trans t={t} i18nKey="webhooks.verifyStep3" components={{ code }} />
        </li>
        <li>
          <Trans t={t} i18nKey="webhooks.verifyStep4" components={{ code }} />
        </li>
      </ol>
      <p className="hint">{t('webhooks.verifySample')}</p>
      <pre className="settings-code" tabIndex={0} aria-label={t('webhooks.verifySample')}>
        <code>{verifySample}</code>
      </pre>
    </details>
  );
}
