import { useId, useRef, useState, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { useNotify } from '../../components/Notices';

/** Copies text to the clipboard; says so, or selects the text for a manual copy when the browser refuses. */
export function CopyButton({ text, target, label }: { text: string; target?: RefObject<HTMLInputElement | null>; label?: string }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const notify = useNotify();
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      if (!window.isSecureContext || typeof navigator.clipboard?.writeText !== 'function') throw new Error('clipboard unavailable');
      await navigator.clipboard.writeText(text);
      setCopied(true);
      notify('success', tc('copied'));
    } catch {
      target?.current?.focus();
      target?.current?.select();
      notify('error', t('copyFailed'));
    }
  }
  return (
    <button type="button" onClick={() => void copy()} aria-label={label}>
      {copied ? t('copiedShort') : tc('copy')}
    </button>
  );
}

/**
 * A secret shown once (an API key's token, a webhook's signing secret), with a copy button and
 * the warning that it cannot be shown again.
 */
export function SecretReveal({ label, value, warning, children }: { label: string; value: string; warning: string; children?: ReactNode }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const { t } = useTranslation('settings');
  return (
    <div className="settings-secret">
      <p className="settings-warning" role="note">
        <strong>{t('secretOnceTitle')}</strong> {warning}
      </p>
      <label htmlFor={id} className="settings-secret-label">
        {label}
      </label>
      <div className="settings-secret-row">
        <input ref={input} id={id} className="mono token" readOnly value={value} spellCheck={false} autoComplete="off" onFocus={(e) => e.currentTarget.select()} data-autofocus />
        <CopyButton text={value} target={input} label={t('copyLabel', { what: label })} />
      </div>
      {children}
    </div>
  );
}

/** A strong random password for a new or reset console user, from the browser's CSPRNG. */
export function generatePassword(length = 16): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_';
  const out: string[] = [];
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % alphabet.length);
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < limit && out.length < length) out.push(alphabet[byte % alphabet.length]!);
    }
  }
  return out.join('');
}
