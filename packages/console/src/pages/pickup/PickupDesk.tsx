import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, OpenBosError, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { SelectField, TextField } from '../../components/Field';
import { isForbidden, NotAllowed } from '../../components/NotAllowed';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { useUrlState } from '../../urlState';
import { locationsQuery } from '../stock/api';
import './pickup.css';

/** A parcel waiting at the desk (the recipient's name masked), and with its lines once found by its code. */
interface Waiting {
  fulfilment_id: string;
  order_id: string;
  hold_until: string;
  ready_at: string;
  recipient_name: string | null;
  units: number;
}
type Found = Waiting & { lines: { line_no: number; sku: string; title: string; quantity: number }[] };

const code_pattern = /^[0-9]{6}$/;

/** The pickup desk of a store: type the buyer's code, check the parcel, hand it over; and what waits. */
export default function PickupDesk() {
  const { t } = useTranslation('pickup');
  const { can } = useSession();
  const { params, update } = useUrlState('cursor');
  const locations = useQuery({ ...locationsQuery, enabled: can('locations:read') });
  const stores = (locations.data ?? []).filter((l) => l.active);
  const locationId = params.get('location') ?? (stores.length === 1 ? stores[0]!.id : '');
  const waiting = useQuery({
    queryKey: ['pickups', locationId],
    queryFn: () => unwrap(bos.GET('/v1/locations/{location_id}/pickups', { params: { path: { location_id: locationId } } })),
    enabled: locationId !== '' && can('fulfilments:read'),
  });

  return (
    <>
      <PageHeader title={t('title')}>
        <p className="muted">{t('intro')}</p>
      </PageHeader>
      {!can('fulfilments:read') || isForbidden(waiting.error) ? (
        <NotAllowed />
      ) : (
        <>
          <SelectField label={t('location')} name="location" value={locationId} onChange={(e) => update({ location: e.target.value })}>
            <option value="">{t('chooseLocation')}</option>
            {stores.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </SelectField>
          {locationId === '' ? (
            <p className="muted">{t('pickStore')}</p>
          ) : (
            <>
              {can('fulfilments:write') && <Desk key={locationId} locationId={locationId} />}
              <Card title={t('waiting')}>
                <QueryState query={waiting} isEmpty={(page) => page.data.length === 0} empty={t('noneWaiting')}>
                  {(page) => <WaitingTable rows={page.data} />}
                </QueryState>
              </Card>
            </>
          )}
        </>
      )}
    </>
  );
}

function problemText(t: (key: string, options?: Record<string, unknown>) => string, error: unknown): string {
  if (error instanceof OpenBosError && error.status === 429) {
    const seconds = Number(/Retry after (\d+)/.exec(error.message)?.[1] ?? 60);
    return t('throttled', { minutes: Math.max(1, Math.ceil(seconds / 60)) });
  }
  if (error instanceof OpenBosError && error.code === 'pickup_code_wrong') return t('wrongCode');
  return error instanceof Error ? error.message : String(error);
}

function Desk({ locationId }: { locationId: string }) {
  const { t } = useTranslation('pickup');
  const f = useFormat();
  const notify = useNotify();
  const client = useQueryClient();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [found, setFound] = useState<Found | undefined>();
  const verify = useMutation({
    mutationFn: (typed: string) => unwrap(bos.POST('/v1/locations/{location_id}/pickups/verify', { params: { path: { location_id: locationId } }, body: { code: typed } })),
    onSuccess: (parcel) => (setFound(parcel), setError(undefined)),
    onError: (e) => (setFound(undefined), setError(problemText(t, e))),
  });
  const collect = useMutation({
    mutationFn: (parcel: Found) => unwrap(bos.POST('/v1/fulfilments/{fulfilment_id}/collect', { params: { path: { fulfilment_id: parcel.fulfilment_id } }, body: { code } })),
    onSuccess: (_done, parcel) => {
      notify('success', t('handedOver', { order: parcel.order_id }));
      setFound(undefined);
      setCode('');
      void client.invalidateQueries({ queryKey: ['pickups', locationId] });
    },
    onError: (e) => setError(problemText(t, e)),
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const typed = code.trim();
    if (!code_pattern.test(typed)) return setError(t('codeFormat'));
    verify.mutate(typed);
  }

  return (
    <Card title={t('desk')}>
      <form className="pickup-code-form" onSubmit={submit} noValidate>
        <TextField label={t('code')} hint={t('codeHint')} name="code" inputMode="numeric" autoComplete="off" maxLength={6} value={code} error={error} onChange={(e) => (setCode(e.target.value), setFound(undefined))} />
        <button type="submit" className="primary" disabled={verify.isPending}>
          {verify.isPending ? t('finding') : t('find')}
        </button>
      </form>
      {found !== undefined && (
        <section aria-label={t('parcel', { order: found.order_id })} className="pickup-parcel">
          <h3>{t('parcel', { order: found.order_id })}</h3>
          <dl className="facts">
            <dt>{t('order')}</dt>
            <dd>
              <Link to={`/orders/${found.order_id}`}>{found.order_id}</Link>
            </dd>
            <dt>{t('recipient')}</dt>
            <dd>{found.recipient_name ?? '—'}</dd>
            <dt>{t('holdUntil')}</dt>
            <dd>
              <time dateTime={found.hold_until}>{f.dateTime(found.hold_until)}</time>
            </dd>
          </dl>
          <DataTable
            caption={t('linesCaption')}
            rows={found.lines}
            rowKey={(l) => String(l.line_no)}
            columns={[
              { label: t('item'), rowHeader: true, cell: (l) => l.title },
              { label: t('sku'), cell: (l) => l.sku },
              { label: t('quantity'), num: true, cell: (l) => f.number(l.quantity) },
            ]}
          />
          <button type="button" className="primary" disabled={collect.isPending} onClick={() => collect.mutate(found)}>
            {collect.isPending ? t('handingOver') : t('handOver')}
          </button>
        </section>
      )}
    </Card>
  );
}

function WaitingTable({ rows }: { rows: readonly Waiting[] }) {
  const { t } = useTranslation('pickup');
  const f = useFormat();
  return (
    <DataTable
      caption={t('waitingCaption')}
      rows={rows}
      rowKey={(w) => w.fulfilment_id}
      columns={[
        { label: t('order'), rowHeader: true, cell: (w) => <Link to={`/orders/${w.order_id}`}>{w.order_id}</Link> },
        { label: t('recipient'), cell: (w) => w.recipient_name ?? '—' },
        { label: t('units'), num: true, cell: (w) => f.number(w.units) },
        { label: t('readyAt'), cell: (w) => <time dateTime={w.ready_at}>{f.dateTime(w.ready_at)}</time> },
        { label: t('holdUntil'), cell: (w) => <time dateTime={w.hold_until}>{f.dateTime(w.hold_until)}</time> },
      ]}
    />
  );
}
