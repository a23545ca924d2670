import { useCallback, useEffect, useId, useRef, useState, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { OpenBosError } from '../../api';
import { Dialog } from '../../components/Dialog';
import { useNotify } from '../../components/Notices';

/** Cursor pagination with a way back: the cursors of the pages seen so far. */
export function useCursorPages() {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: stack[stack.length - 1],
    page: stack.length,
    next: (cursor: string) => setStack((s) => [...s, cursor]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([undefined]),
  };
}

export function Pager({ pages, nextCursor, label }: { pages: ReturnType<typeof useCursorPages>; nextCursor: string | null | undefined; label: string }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  if (pages.page === 1 && (nextCursor ?? null) === null) return null;
  return (
    <nav className="pager" aria-label={label}>
      <span className="muted settings-page-number">{t('pageNumber', { page: pages.page })}</span>
      <button type="button" onClick={pages.previous} disabled={pages.page === 1}>
        {t('previousPage')}
      </button>
      <button type="button" onClick={() => nextCursor != null && pages.next(nextCursor)} disabled={nextCursor == null}>
        {tc('next')}
      </button>
    </nav>
  );
}

/** True when the server refused a read for lack of scope (e.g. the role changed since sign-in). */
export function isForbidden(error: unknown): boolean {
  return error instanceof OpenBosError && error.status === 403;
}

export function NotAllowed() {
  const { t } = useTranslation();
  return <p className="empty settings-not-allowed">{t('notAllowed')}</p>;
}

/** The scopes named in an `insufficient_scope` problem's detail ("needs the scope `a`, `b`"). */
export function scopesInProblem(error: OpenBosError): string[] {
  return [...error.message.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((s) => s.length > 0);
}

/**
 * A person-readable sentence for a failed action: the problems the settings page expects have
 * their own wording; anything else shows the server's detail.
 */
export function useProblemText() {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  return useCallback(
    (error: unknown): string => {
      if (error instanceof OpenBosError) {
        switch (error.code) {
          case 'insufficient_scope':
            return tc('notAllowed');
          case 'last_owner':
            return t('problem.lastOwner');
          case 'cannot_disable_self':
            return t('problem.cannotDisableSelf');
          case 'email_taken':
            return t('problem.emailTaken');
          case 'webhook_endpoint_disabled':
            return t('problem.endpointDisabled');
          case 'webhook_endpoint_limit':
            return t('problem.endpointLimit');
          case 'not_found':
            return t('problem.notFound');
          case 'rate_limited':
            return t('problem.rateLimited');
          case 'validation_failed':
            return t('problem.validation', { details: error.problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ') ?? error.message });
        }
      }
      return tc('failed', { message: error instanceof Error ? error.message : String(error) });
    },
    [t, tc],
  );
}

/** The server's message for one field of a 400 `validation_failed`, if it named that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof OpenBosError) || error.code !== 'validation_failed') return undefined;
  const errors = error.fieldErrors();
  return errors[field] ?? Object.entries(errors).find(([name]) => name.startsWith(`${field}.`))?.[1];
}

/**
 * Moves focus into a dialog's form once the dialog is open: to the element marked
 * `data-autofocus`. (The dialog opens after its content mounts, so autoFocus alone is too early.)
 */
export function useAutoFocus(container: RefObject<HTMLElement | null>) {
  useEffect(() => {
    const frame = requestAnimationFrame(() => container.current?.querySelector<HTMLElement>('[data-autofocus]')?.focus());
    return () => cancelAnimationFrame(frame);
  }, [container]);
}

/** A form's failure, announced, and scrolled into view (it sits below long forms in dialogs). */
export function FormError({ message }: { message: string | undefined }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (message !== undefined) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [message]);
  if (message === undefined) return null;
  return (
    <p ref={ref} className="form-error settings-form-error" role="alert">
      {message}
    </p>
  );
}

/** A confirmation before something that cannot be undone, or that others will notice. */
export function ConfirmDialog({
  open,
  title,
  confirmLabel,
  busy,
  error,
  danger = true,
  onConfirm,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  confirmLabel: string;
  busy: boolean;
  error: string | undefined;
  danger?: boolean;
  onConfirm: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  const { t: tc } = useTranslation();
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      <ConfirmBody busy={busy} error={error} danger={danger} confirmLabel={confirmLabel} onConfirm={onConfirm} onClose={onClose} cancelLabel={tc('cancel')}>
        {children}
      </ConfirmBody>
    </Dialog>
  );
}

function ConfirmBody({ busy, error, danger, confirmLabel, cancelLabel, onConfirm, onClose, children }: { busy: boolean; error: string | undefined; danger: boolean; confirmLabel: string; cancelLabel: string; onConfirm: () => void; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useAutoFocus(ref);
  return (
    <div ref={ref}>
      <div className="settings-confirm-text">{children}</div>
      <FormError message={error} />
      <div className="dialog-actions">
        <button type="button" onClick={onClose} data-autofocus>
          {cancelLabel}
        </button>
        <button type="button" className={danger ? 'danger primary' : 'primary'} disabled={busy} aria-busy={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </div>
  );
}

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

export function Badge({ tone, children }: { tone: string; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** A radio button whose label is short and whose explanation is tied to it as its description. */
export function RadioOption({ name, checked, label, hint, onChange, value }: { name: string; checked: boolean; label: string; hint: string; onChange: () => void; value?: string }) {
  const id = useId();
  return (
    <div className="settings-radio">
      <input type="radio" id={id} name={name} value={value} checked={checked} onChange={onChange} aria-describedby={`${id}-hint`} />
      <span>
        <label htmlFor={id}>
          <strong>{label}</strong>
        </label>
        <span id={`${id}-hint`} className="hint settings-block">
          {hint}
        </span>
      </span>
    </div>
  );
}
