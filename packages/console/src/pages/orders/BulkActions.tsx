import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, unwrap, type Schemas } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { TextField } from '../../components/Field';
import { FormActions } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { ProblemAlert } from './ProblemAlert';

type Order = Schemas['OrderListItem'];
type Outcome = Schemas['BulkOrderOutcomes']['data'][number];

/**
 * The bar over the orders list while orders are selected: ship them (a tracking number each)
 * or cancel the unpaid ones, in one request (`POST /v1/orders/bulk`). The server answers per
 * order; the ones it refused are listed with why, and stay selected.
 */
export function BulkActions({ selected, onDone, onClear }: { selected: readonly Order[]; onDone: (refused: string[]) => void; onClear: () => void }) {
  const { t } = useTranslation('orders');
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [open, setOpen] = useState<'ship' | 'cancel' | undefined>();
  const [refusals, setRefusals] = useState<{ number: number; reason: string }[]>([]);

  const mutation = useMutation({
    mutationFn: (body: { action: 'ship' | 'cancel'; order_ids: string[]; tracking_numbers?: Record<string, string> }) => unwrap(bos.POST('/v1/orders/bulk', { body, headers: idempotencyKey() })),
    onSuccess: (answer, { action }) => {
      const ok = answer.data.filter((o) => o.ok).length;
      const refused = answer.data.filter((o) => !o.ok);
      const numberOf = (o: Pick<Outcome, 'order_id'>) => selected.find((s) => s.id === o.order_id)?.number ?? 0;
      setRefusals(refused.map((o) => ({ number: numberOf(o), reason: o.problem?.detail ?? o.problem?.title ?? '' })));
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      void queryClient.invalidateQueries({ queryKey: ['overview'] });
      if (ok > 0) notify('success', t(`bulk.done.${action}`, { count: ok }));
      setOpen(undefined);
      onDone(refused.map((o) => o.order_id));
    },
  });

  if (selected.length === 0 && refusals.length === 0) return null;
  return (
    <div className="orders-bulk" role="region" aria-label={t('bulk.label')}>
      {selected.length > 0 && (
        <div className="orders-bulk-bar">
          <strong>{t('bulk.selected', { count: selected.length })}</strong>
          <button type="button" className="primary" aria-haspopup="dialog" disabled={mutation.isPending} onClick={() => (mutation.reset(), setOpen('ship'))}>
            {t('bulk.ship')}
          </button>
          <button type="button" className="danger" aria-haspopup="dialog" disabled={mutation.isPending} onClick={() => (mutation.reset(), setOpen('cancel'))}>
            {t('bulk.cancel')}
          </button>
          <button type="button" onClick={onClear}>
            {t('bulk.clear')}
          </button>
        </div>
      )}
      {refusals.length > 0 && (
        <div className="error-state orders-bulk-refused" role="alert">
          <p>{t('bulk.refused', { count: refusals.length })}</p>
          <ul>
            {refusals.map((r) => (
              <li key={r.number}>
                #{r.number}: {r.reason}
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => setRefusals([])}>
            {t('bulk.dismiss')}
          </button>
        </div>
      )}
      <Dialog open={open === 'ship'} title={t('bulk.shipTitle', { count: selected.length })} onClose={() => setOpen(undefined)}>
        {open === 'ship' && <ShipForm orders={selected} pending={mutation.isPending} error={mutation.error} onCancel={() => setOpen(undefined)} onSubmit={(tracking_numbers) => mutation.mutate({ action: 'ship', order_ids: selected.map((o) => o.id), tracking_numbers })} />}
      </Dialog>
      <ConfirmDialog
        open={open === 'cancel'}
        title={t('bulk.cancelTitle', { count: selected.length })}
        confirmLabel={t('bulk.cancelConfirm')}
        busy={mutation.isPending}
        error={mutation.error?.message}
        onConfirm={() => mutation.mutate({ action: 'cancel', order_ids: selected.map((o) => o.id) })}
        onClose={() => setOpen(undefined)}
      >
        <p>{t('bulk.cancelBody')}</p>
      </ConfirmDialog>
    </div>
  );
}

/** A tracking number per selected order (optional each); orders that are not paid are refused by the server and reported. */
function ShipForm({ orders, pending, error, onCancel, onSubmit }: { orders: readonly Order[]; pending: boolean; error: Error | null; onCancel: () => void; onSubmit: (tracking: Record<string, string>) => void }) {
  const { t } = useTranslation('orders');
  const [tracking, setTracking] = useState<Record<string, string>>({});
  function submit(event: FormEvent) {
    event.preventDefault();
    const given: Record<string, string> = {};
    for (const [id, n] of Object.entries(tracking)) if (n.trim() !== '') given[id] = n.trim();
    onSubmit(given);
  }
  const unpaid = orders.filter((o) => o.status !== 'paid').length;
  return (
    <form onSubmit={submit} noValidate>
      <p>{t('bulk.shipBody')}</p>
      {unpaid > 0 && <p className="muted">{t('bulk.shipNotPaid', { count: unpaid })}</p>}
      <div className="orders-bulk-tracking">
        {orders.map((o) => (
          <TextField key={o.id} label={t('bulk.trackingFor', { number: o.number })} name={`tracking-${o.id}`} autoComplete="off" maxLength={100} value={tracking[o.id] ?? ''} onChange={(e) => setTracking({ ...tracking, [o.id]: e.target.value })} />
        ))}
      </div>
      <ProblemAlert error={error} />
      <FormActions onCancel={onCancel} busy={pending} busyLabel={t('working')} submitLabel={t('bulk.shipSubmit', { count: orders.length })} />
    </form>
  );
}
