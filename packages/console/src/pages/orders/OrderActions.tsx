import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, OpenBosError, unwrap, type Schemas } from '../../api';
import { Dialog } from '../../components/Dialog';
import { TextAreaField, TextField } from '../../components/Field';
import { useFocusFirstField } from '../../components/focus';
import { FormActions } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { minorToInput, parseMoney, useFormat } from '../../format';
import { ProblemAlert } from './ProblemAlert';

export type OrderDetail = Schemas['OrderDetail'];
/** The seller's next steps, as the server names them in `actions` (the last segment of the path). */
export type OrderAction = OrderDetail['actions'][number];
type ActionBody = { reason?: string; tracking_number?: string; amount_minor?: number; return_goods?: boolean };

/** The order the buttons appear in, whatever order the server lists them in. */
const actionOrder: readonly OrderAction[] = ['ship', 'deliver', 'refund-approve', 'refund-reject', 'refund-dispute', 'refund-request', 'cancel'];

interface Spec {
  style: 'primary' | 'danger' | 'plain';
  /** Asks first: what it changes cannot be undone, or it needs more input. */
  dialog: boolean;
  tracking?: true;
  amount?: true;
  reason: 'none' | 'optional' | 'required';
}

const specs: Record<OrderAction, Spec> = {
  ship: { style: 'primary', dialog: true, tracking: true, reason: 'none' },
  deliver: { style: 'plain', dialog: false, reason: 'none' },
  cancel: { style: 'danger', dialog: true, reason: 'optional' },
  'refund-request': { style: 'plain', dialog: true, amount: true, reason: 'optional' },
  'refund-approve': { style: 'danger', dialog: true, reason: 'optional' },
  'refund-reject': { style: 'plain', dialog: true, reason: 'required' },
  'refund-dispute': { style: 'plain', dialog: true, reason: 'required' },
};

function postAction(action: OrderAction, order_id: string, body: ActionBody): Promise<OrderDetail> {
  const init = { params: { path: { order_id } }, body, headers: idempotencyKey() };
  switch (action) {
    case 'ship':
      return unwrap(bos.POST('/v1/orders/{order_id}/ship', init));
    case 'deliver':
      return unwrap(bos.POST('/v1/orders/{order_id}/deliver', init));
    case 'cancel':
      return unwrap(bos.POST('/v1/orders/{order_id}/cancel', init));
    case 'refund-request':
      return unwrap(bos.POST('/v1/orders/{order_id}/refund-request', init));
    case 'refund-approve':
      if (body.return_goods === true) return approveWithReturn(order_id, body.reason);
      return unwrap(bos.POST('/v1/orders/{order_id}/refund-approve', init));
    case 'refund-reject':
      return unwrap(bos.POST('/v1/orders/{order_id}/refund-reject', init));
    case 'refund-dispute':
      return unwrap(bos.POST('/v1/orders/{order_id}/refund-dispute', init));
  }
}

/** The refund waits for the goods: the return is opened, and the order is what it is now (awaiting return). */
async function approveWithReturn(order_id: string, reason: string | undefined): Promise<OrderDetail> {
  await unwrap(bos.POST('/v1/orders/{order_id}/returns', { params: { path: { order_id } }, body: reason === undefined ? {} : { reason }, headers: idempotencyKey() }));
  return unwrap(bos.GET('/v1/orders/{order_id}', { params: { path: { order_id } } }));
}

/**
 * The buttons for what the seller may do next, from the server's `actions`. Each posts to
 * `/v1/orders/{id}/<action>` with an idempotency key; the answer is the order after the change.
 */
export function OrderActions({ order }: { order: OrderDetail }) {
  const { t } = useTranslation('orders');
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [open, setOpen] = useState<OrderAction | undefined>();
  const actions = actionOrder.filter((a) => order.actions.includes(a));

  const mutation = useMutation({
    mutationFn: ({ action, body }: { action: OrderAction; body: ActionBody }) => postAction(action, order.id, body),
    onSuccess: (updated, { action }) => {
      queryClient.setQueryData(['order', order.id], updated);
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      void queryClient.invalidateQueries({ queryKey: ['overview'] });
      void queryClient.invalidateQueries({ queryKey: ['order-payments', order.id] });
      void queryClient.invalidateQueries({ queryKey: ['order-shipments', order.id] });
      void queryClient.invalidateQueries({ queryKey: ['order-returns', order.id] });
      notify('success', updated.status === 'awaiting_return' ? t('returns.done') : t(`done.${action}`));
      setOpen(undefined);
      // The button that opened the dialog may be gone now; put focus back on the page's title.
      requestAnimationFrame(() => document.querySelector<HTMLElement>('#main h1')?.focus());
    },
    onError: (error) => {
      // Someone else (the buyer, a timer, a colleague) moved the order on: show what it is now.
      if (error instanceof OpenBosError && (error.code === 'illegal_order_transition' || error.status === 404)) void queryClient.invalidateQueries({ queryKey: ['order', order.id] });
    },
  });

  if (actions.length === 0) return null;

  function start(action: OrderAction) {
    mutation.reset();
    if (specs[action].dialog) setOpen(action);
    else mutation.mutate({ action, body: {} });
  }

  const pendingAction = mutation.isPending ? mutation.variables.action : undefined;
  return (
    <div className="order-actions">
      <div className="page-actions" role="group" aria-label={t('actionsLabel')}>
        {actions.map((action) => {
          const spec = specs[action];
          return (
            <button key={action} type="button" className={spec.style === 'plain' ? undefined : spec.style === 'danger' ? 'danger' : 'primary'} disabled={mutation.isPending} aria-haspopup={spec.dialog ? 'dialog' : undefined} onClick={() => start(action)}>
              {pendingAction === action && !spec.dialog ? t('working') : t(`action.${action}`)}
            </button>
          );
        })}
      </div>
      {open === undefined && mutation.isError && <ProblemAlert error={mutation.error} />}
      <Dialog open={open !== undefined} title={open === undefined ? '' : t(`dialog.${open}.title`)} onClose={() => setOpen(undefined)}>
        {open !== undefined && (
          <ActionForm
            key={open}
            action={open}
            order={order}
            pending={mutation.isPending}
            error={mutation.error}
            onCancel={() => setOpen(undefined)}
            onSubmit={(body) => mutation.mutate({ action: open, body })}
          />
        )}
      </Dialog>
    </div>
  );
}

function ActionForm({ action, order, pending, error, onCancel, onSubmit }: { action: OrderAction; order: OrderDetail; pending: boolean; error: Error | null; onCancel: () => void; onSubmit: (body: ActionBody) => void }) {
  const { t } = useTranslation('orders');
  const f = useFormat();
  const spec = specs[action];
  const [tracking, setTracking] = useState('');
  const [amount, setAmount] = useState(() => minorToInput(order.total_minor, order.currency));
  const [reason, setReason] = useState('');
  // Goods that left the store may be asked back before the money is; the default when they reached the buyer.
  const requestedFrom = [...order.transitions].reverse().find((x) => x.action === 'request_refund')?.from_status;
  const goodsLeft = requestedFrom === 'shipped' || requestedFrom === 'delivered';
  const [returnGoods, setReturnGoods] = useState(goodsLeft);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const formRef = useFocusFirstField();
  const serverFields = error instanceof OpenBosError ? error.fieldErrors() : {};
  const fieldError = (field: string, serverField: string) => invalid[field] ?? serverFields[serverField];
  const total = f.money(order.total_minor, order.currency);
  const requested = f.money(order.refund_amount_minor ?? order.total_minor, order.currency);

  function submit(event: FormEvent) {
    event.preventDefault();
    const problems: Record<string, string> = {};
    const body: ActionBody = {};
    if (spec.tracking === true && tracking.trim() !== '') body.tracking_number = tracking.trim();
    if (spec.amount === true) {
      const minor = parseMoney(amount, order.currency);
      if (minor === undefined) problems.amount = t('dialog.amountInvalid');
      else if (minor < 1 || minor > order.total_minor) problems.amount = t('dialog.amountRange', { total });
      else body.amount_minor = minor;
    }
    if (action === 'refund-approve' && goodsLeft && returnGoods) body.return_goods = true;
    if (spec.reason !== 'none') {
      if (reason.trim() !== '') body.reason = reason.trim();
      else if (spec.reason === 'required') problems.reason = t('dialog.reasonRequired');
    }
    setInvalid(problems);
    if (Object.keys(problems).length === 0) onSubmit(body);
  }

  return (
    <form ref={formRef} onSubmit={submit} noValidate>
      <p>{action === 'refund-approve' && goodsLeft && returnGoods ? t('returns.approveBody', { requested }) : t(`dialog.${action}.body`, { total, requested })}</p>
      {action === 'refund-approve' && goodsLeft && (
        <p className="field">
          <label>
            <input type="checkbox" name="return_goods" checked={returnGoods} onChange={(e) => setReturnGoods(e.target.checked)} /> {t('returns.mustComeBack')}
          </label>
        </p>
      )}
      {spec.tracking === true && (
        <TextField label={t('dialog.tracking')} hint={t('dialog.trackingHint')} name="tracking_number" autoComplete="off" maxLength={100} value={tracking} error={fieldError('tracking', 'tracking_number')} onChange={(e) => setTracking(e.target.value)} />
      )}
      {spec.amount === true && (
        <TextField label={t('dialog.amount', { currency: order.currency })} hint={t('dialog.amountHint', { total })} name="amount" inputMode="decimal" autoComplete="off" required value={amount} error={fieldError('amount', 'amount_minor')} onChange={(e) => setAmount(e.target.value)} />
      )}
      {spec.reason !== 'none' && (
        <TextAreaField
          label={spec.reason === 'required' ? t('dialog.reasonRequiredLabel') : t('dialog.reason')}
          name="reason"
          maxLength={500}
          required={spec.reason === 'required'}
          value={reason}
          error={fieldError('reason', 'reason')}
          onChange={(e) => setReason(e.target.value)}
        />
      )}
      <ProblemAlert error={error} />
      <FormActions onCancel={onCancel} busy={pending} busyLabel={t('working')} submitLabel={action === 'refund-approve' && goodsLeft && returnGoods ? t('returns.approveSubmit') : t(`dialog.${action}.submit`)} danger={spec.style === 'danger'} />
    </form>
  );
}
