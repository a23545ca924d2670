import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap, type Schemas } from '../../api';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { Dialog } from '../../components/Dialog';
import { SelectField } from '../../components/Field';
import { FormActions } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { ErrorState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { useUrlState } from '../../urlState';
import { ProblemAlert } from '../orders/ProblemAlert';
import { locationsQuery } from '../stock/api';
import './fulfilment.css';

type Fulfilment = Schemas['Fulfilment'];
type PickList = Schemas['PickList'];

/** The queue: fulfilments still at the location (to pick, to pack, to hand over or put at the desk). */
const open = 'awaiting_pick,picking,packed,ready_for_pickup';
const queue_max = 100;
const carried: readonly Fulfilment['method'][] = ['standard', 'cross_border', 'seller'];

/**
 * A location's fulfilment work: the queue (open fulfilments, most urgent pick-by first, with
 * the time left; red once the promise is at risk) with its actions (start picking, pack with the
 * quantities confirmed per line, short allowed; hand over on the order page, where a parcel is
 * shipped by carrier), and the pick list gathered per product.
 */
export default function FulfilmentPage() {
  const { t } = useTranslation('fulfilment');
  const { params, update } = useUrlState('cursor');
  const locations = useQuery(locationsQuery);
  const active = (locations.data ?? []).filter((l) => l.active);
  const locationId = params.get('location_id') ?? active.find((l) => l.kind === 'store')?.id ?? active[0]?.id ?? '';
  return (
    <>
      <PageHeader title={t('title')}>
        <p className="muted">{t('subtitle')}</p>
      </PageHeader>
      {locations.isError && <ErrorState message={locations.error.message} onRetry={() => void locations.refetch()} />}
      <div className="filters">
        <SelectField label={t('location')} name="location_id" value={locationId} onChange={(e) => update({ location_id: e.target.value })}>
          {active.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name} ({l.code})
            </option>
          ))}
        </SelectField>
      </div>
      {locationId !== '' && (
        <div className="fulfilment-grid">
          <Queue locationId={locationId} />
          <PickListCard locationId={locationId} />
        </div>
      )}
    </>
  );
}

function TimeLeft({ minutes }: { minutes: number }) {
  const { t } = useTranslation('fulfilment');
  const late = minutes <= 0;
  return (
    <span className={late ? 'time-left at-risk' : 'time-left'} data-testid="time-left">
      {late ? t('atRisk', { minutes: -minutes }) : minutes < 120 ? t('minutesLeft', { minutes }) : t('hoursLeft', { hours: Math.floor(minutes / 60) })}
    </span>
  );
}

function Queue({ locationId }: { locationId: string }) {
  const { t } = useTranslation('fulfilment');
  const { can } = useSession();
  const [packing, setPacking] = useState<Fulfilment | undefined>();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ['fulfilments', locationId],
    queryFn: () => unwrap(bos.GET('/v1/fulfilments', { params: { query: { location_id: locationId, status: open, limit: queue_max } } })),
    refetchInterval: 30_000,
  });
  const startPick = useMutation({
    mutationFn: (id: string) => unwrap(bos.POST('/v1/fulfilments/{fulfilment_id}/start-pick', { params: { path: { fulfilment_id: id } }, body: {} })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['fulfilments'] }),
  });
  const ready = useMutation({
    mutationFn: (id: string) => unwrap(bos.POST('/v1/fulfilments/{fulfilment_id}/ready', { params: { path: { fulfilment_id: id } }, body: {} })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['fulfilments'] }),
  });
  const canWrite = can('fulfilments:write');
  return (
    <Card title={t('queue.title')} className="fulfilment-queue">
      {query.isError && <ProblemAlert error={query.error} />}
      <ProblemAlert error={startPick.error ?? ready.error} />
      {query.isSuccess && (
        <DataTable
          caption={t('queue.title')}
          testId="fulfilment-queue"
          rows={query.data.data}
          rowKey={(f) => f.id}
          rowProps={(f) => ({ 'data-fulfilment': f.id, 'data-status': f.status })}
          emptyRow={t('queue.empty')}
          columns={[
            { label: t('queue.order'), rowHeader: true, cell: (f) => <Link to={`/orders/${f.order_id}`}>{f.order_id}</Link> },
            { label: t('queue.method'), cell: (f) => t(`method.${f.method}`) },
            { label: t('queue.status'), cell: (f) => <span className={`badge badge-${f.status}`}>{t(`status.${f.status}`)}</span> },
            { label: t('queue.timeLeft'), cell: (f) => <TimeLeft minutes={f.minutes_to_pick_by} /> },
            {
              label: t('queue.lines'),
              cell: (f) => (
                <ul className="plain">
                  {f.lines.map((l) => (
                    <li key={l.line_no}>
                      <span className="mono">{l.sku}</span> × {l.picked_quantity ?? l.quantity}
                      {l.picked_quantity !== null && l.picked_quantity < l.quantity && <span className="muted"> {t('queue.short', { ordered: l.quantity })}</span>}
                    </li>
                  ))}
                </ul>
              ),
            },
            canWrite && {
              label: t('queue.actions'),
              hidden: true,
              cell: (f) => (
                <span className="row-actions">
                  {f.status === 'awaiting_pick' && (
                    <button type="button" onClick={() => startPick.mutate(f.id)} disabled={startPick.isPending}>
                      {t('actions.startPick')}
                    </button>
                  )}
                  {(f.status === 'awaiting_pick' || f.status === 'picking') && (
                    <button type="button" className="primary" aria-haspopup="dialog" onClick={() => setPacking(f)}>
                      {t('actions.pack')}
                    </button>
                  )}
                  {f.status === 'packed' && carried.includes(f.method) && <Link to={`/orders/${f.order_id}`}>{t('actions.handOver')}</Link>}
                  {f.status === 'packed' && f.method === 'pickup' && (
                    <button type="button" onClick={() => ready.mutate(f.id)} disabled={ready.isPending}>
                      {t('actions.ready')}
                    </button>
                  )}
                </span>
              ),
            },
          ]}
        />
      )}
      <Dialog open={packing !== undefined} title={t('pack.title')} onClose={() => setPacking(undefined)}>
        {packing !== undefined && <PackForm fulfilment={packing} onDone={() => setPacking(undefined)} />}
      </Dialog>
    </Card>
  );
}

/** Confirms the quantity picked per line; less than ordered is a short pick, re-routed or refunded by the server. */
function PackForm({ fulfilment, onDone }: { fulfilment: Fulfilment; onDone: () => void }) {
  const { t } = useTranslation('fulfilment');
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [picked, setPicked] = useState<Record<number, string>>(() => Object.fromEntries(fulfilment.lines.map((l) => [l.line_no, String(l.quantity)])));
  const [invalid, setInvalid] = useState<Record<number, string>>({});
  const mutation = useMutation({
    mutationFn: (lines: { line_no: number; picked_quantity: number }[]) => unwrap(bos.POST('/v1/fulfilments/{fulfilment_id}/pack', { params: { path: { fulfilment_id: fulfilment.id } }, body: { lines } })),
    onSuccess: (after) => {
      void queryClient.invalidateQueries({ queryKey: ['fulfilments'] });
      void queryClient.invalidateQueries({ queryKey: ['pick-list'] });
      const refunded = after.lines.reduce((s, l) => s + l.refunded_quantity, 0);
      const short = after.lines.reduce((s, l) => s + l.quantity - (l.picked_quantity ?? l.quantity), 0);
      if (short === 0) notify('success', t('pack.done'));
      else notify('success', t('pack.doneShort', { short, rerouted: short - refunded, refunded }));
      onDone();
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const problems: Record<number, string> = {};
    const lines = fulfilment.lines.map((l) => {
      const q = Number((picked[l.line_no] ?? '').trim());
      if (!Number.isInteger(q) || q < 0 || q > l.quantity) problems[l.line_no] = t('pack.invalid', { max: l.quantity });
      return { line_no: l.line_no, picked_quantity: q };
    });
    setInvalid(problems);
    if (Object.keys(problems).length === 0) mutation.mutate(lines);
  }

  return (
    <form onSubmit={submit} noValidate>
      <p>{t('pack.body')}</p>
      <table className="pack-lines">
        <thead>
          <tr>
            <th scope="col">{t('pick.sku')}</th>
            <th scope="col">{t('pick.product')}</th>
            <th scope="col" className="num">{t('pack.ordered')}</th>
            <th scope="col" className="num">{t('pack.picked')}</th>
          </tr>
        </thead>
        <tbody>
          {fulfilment.lines.map((l) => (
            <tr key={l.line_no}>
              <td className="mono">{l.sku}</td>
              <td>{l.title}</td>
              <td className="num">{l.quantity}</td>
              <td className="num">
                <input
                  aria-label={t('pack.pickedOf', { sku: l.sku })}
                  name={`picked-${l.line_no}`}
                  inputMode="numeric"
                  autoComplete="off"
                  size={4}
                  value={picked[l.line_no] ?? ''}
                  aria-invalid={invalid[l.line_no] !== undefined}
                  onChange={(e) => {
                    setPicked({ ...picked, [l.line_no]: e.target.value });
                    setInvalid(Object.fromEntries(Object.entries(invalid).filter(([k]) => Number(k) !== l.line_no)));
                  }}
                />
                {invalid[l.line_no] !== undefined && <span className="field-error">{invalid[l.line_no]}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">{t('pack.shortHint')}</p>
      <ProblemAlert error={mutation.error} />
      <FormActions onCancel={onDone} busy={mutation.isPending} busyLabel={t('pack.working')} submitLabel={t('pack.submit')} />
    </form>
  );
}

function PickListCard({ locationId }: { locationId: string }) {
  const { t } = useTranslation('fulfilment');
  const f = useFormat();
  const query = useQuery({
    queryKey: ['pick-list', locationId],
    queryFn: () => unwrap(bos.GET('/v1/locations/{location_id}/pick-list', { params: { path: { location_id: locationId } } })),
    refetchInterval: 30_000,
  });
  const rows: PickList['data'] = query.data?.data ?? [];
  return (
    <Card title={t('pick.title')} className="pick-list">
      {query.isError && <ProblemAlert error={query.error} />}
      {query.isSuccess && (
        <DataTable
          caption={t('pick.title')}
          testId="pick-list"
          rows={rows}
          rowKey={(e) => e.variant_id}
          emptyRow={t('pick.empty')}
          columns={[
            { label: t('pick.sku'), rowHeader: true, cell: (e) => <span className="mono">{e.sku}</span> },
            { label: t('pick.product'), cell: (e) => e.title },
            { label: t('pick.quantity'), num: true, cell: (e) => f.number(e.quantity) },
            { label: t('pick.orders'), cell: (e) => e.fulfilments.map((x) => x.order_id).join(', ') },
            { label: t('pick.pickBy'), cell: (e) => <TimeLeft minutes={e.minutes_to_pick_by} /> },
          ]}
        />
      )}
      {query.data?.truncated === true && <p className="muted">{t('pick.truncated')}</p>}
    </Card>
  );
}
