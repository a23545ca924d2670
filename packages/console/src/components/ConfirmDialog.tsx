import { useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from './Dialog';
import { useFocusWithin } from './focus';
import { FormError } from './Form';

/**
 * A confirmation before something that cannot be undone, or that others will notice. Focus
 * starts on Cancel, so Enter never confirms by accident.
 */
export function ConfirmDialog({
  open,
  title,
  confirmLabel,
  busy,
  error,
  danger = true,
  errorClassName,
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
  errorClassName?: string;
  onConfirm: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      <ConfirmBody busy={busy} error={error} errorClassName={errorClassName} danger={danger} confirmLabel={confirmLabel} onConfirm={onConfirm} onClose={onClose}>
        {children}
      </ConfirmBody>
    </Dialog>
  );
}

function ConfirmBody({ busy, error, errorClassName, danger, confirmLabel, onConfirm, onClose, children }: { busy: boolean; error: string | undefined; errorClassName: string | undefined; danger: boolean; confirmLabel: string; onConfirm: () => void; onClose: () => void; children: ReactNode }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  useFocusWithin(ref);
  return (
    <div ref={ref}>
      <div className="confirm-text">{children}</div>
      <FormError message={error} {...(errorClassName === undefined ? {} : { className: errorClassName })} />
      <div className="dialog-actions">
        <button type="button" onClick={onClose} data-autofocus>
          {t('cancel')}
        </button>
        <button type="button" className={danger ? 'danger primary' : 'primary'} disabled={busy} aria-busy={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </div>
  );
}
