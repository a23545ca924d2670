import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A form's failure, announced, and scrolled into view (it sits below long forms in dialogs). */
export function FormError({ message, className }: { message: ReactNode | undefined; className?: string }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (message !== undefined) ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [message]);
  if (message === undefined) return null;
  return (
    <p ref={ref} className={className === undefined ? 'form-error' : `form-error ${className}`} role="alert">
      {message}
    </p>
  );
}

/**
 * The buttons at the foot of a form in a dialog: Cancel, then the submit button, which says it
 * is busy (and refuses a second press) while the request runs.
 */
export function FormActions({
  onCancel,
  submitLabel,
  busy,
  busyLabel,
  danger = false,
  disabled = false,
  children,
}: {
  onCancel: () => void;
  submitLabel: string;
  busy: boolean;
  /** What the button says while busy; "Saving…" unless given. */
  busyLabel?: string;
  danger?: boolean;
  disabled?: boolean;
  /** More buttons, between Cancel and the submit button. */
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <div className="dialog-actions">
      <button type="button" onClick={onCancel}>
        {t('cancel')}
      </button>
      {children}
      <button type="submit" className={danger ? 'danger primary' : 'primary'} disabled={busy || disabled} aria-busy={busy}>
        {busy ? (busyLabel ?? t('saving')) : submitLabel}
      </button>
    </div>
  );
}

/** The one button that closes a dialog that only shows something ("Done"). */
export function DoneActions({ label, onDone, children }: { label: string; onDone: () => void; children?: ReactNode }) {
  return (
    <div className="dialog-actions">
      {children}
      <button type="button" className="primary" onClick={onDone}>
        {label}
      </button>
    </div>
  );
}
