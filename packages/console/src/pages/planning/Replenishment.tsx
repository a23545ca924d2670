import './locale';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { TextField } from '../../components/Field';
import { FormError } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import {
  approveSuggestion,
  cancelPurchaseOrder,
  createSupplier,
  fetchLocations,
  fetchPurchaseOrders,
  fetchSuggestions,
  fetchSuppliers,
  plan,
  lineName,
  planKeys,
  receivePurchaseOrder,
  rejectSuggestion,
  type Location,
  type PurchaseOrder,
  type Suggestion,
  type SuggestionLine,
  type Supplier,
} from './api';
import './planning.css';
import { SubNav } from './SubNav';

const sections = ['inbox', 'orders', 'suppliers'] as const;
type Section = (typeof sections)[number];
const isSection = (value: string | undefined): value is Section => (sections as readonly (string | undefined)[]).includes(value);

/** Location names by id, for suggestions and orders that carry ids. */
function useLocationNames(): (id: string | null | undefined) => string {
  const locations = useQuery({ queryKey: planKeys.locations, queryFn: fetchLocations });
  const names = new Map((locations.data ?? []).map((l: Location) => [l.id, l.name]));
  return (id) => (id === null || id === undefined ? '—' : (names.get(id) ?? id));
}

/**
 * The replenishment inbox (docs/REPLENISHMENT.md): open suggestions, purchase orders per supplier
 * and transfers per route, each line with why (available, on order, reorder point, order-up-to,
 * safety stock), to edit, approve or reject; purchase orders to receive; suppliers. Each section has
 * its address (`/replenishment`, `/replenishment/orders`, `/replenishment/suppliers`).
 */
export default function Replenishment() {
  const { t } = useTranslation('replen');
  const requested = useParams().section;
  const section: Section = isSection(requested) ? requested : 'inbox';
  return (
    <div className="plan-page">
      <PageHeader title={t('title')}>
        <p className="muted">{t('intro')}</p>
      </PageHeader>
      <SubNav area="replen" />
      {section === 'inbox' ? <Inbox /> : section === 'orders' ? <PurchaseOrders /> : <Suppliers />}
    </div>
  );
}

function Inbox() {
  const { t } = useTranslation('replen');
  const f = useFormat();
  const { can } = useSession();
  const notify = useNotify();
  const client = useQueryClient();
  const suggestions = useQuery({ queryKey: planKeys.suggestions('open'), queryFn: () => fetchSuggestions('open') });
  const planNow = useMutation({
    mutationFn: plan,
    onSuccess: (answer) => {
      notify('success', t('inbox.planned', { purchaseOrders: f.number(answer.purchase_orders), transfers: f.number(answer.transfers) }));
      void client.invalidateQueries({ queryKey: ['replenishment'] });
    },
  });
  return (
    <div className="plan-grid">
      <Card title={t('inbox.title')} className="plan-wide">
        <p className="muted">{t('inbox.intro')}</p>
        {can('replenishment:write') && (
          <p>
            <button type="button" onClick={() => planNow.mutate()} disabled={planNow.isPending} aria-busy={planNow.isPending}>
              {planNow.isPending ? t('inbox.planning') : t('inbox.plan')}
            </button>
          </p>
        )}
        <FormError message={planNow.error?.message} />
      </Card>
      <QueryState query={suggestions} isEmpty={(list) => list.length === 0} empty={t('inbox.none')}>
        {(list) => (
          <>
            {(['transfer', 'purchase_order'] as const).map((kind) =>
              list
                .filter((s) => s.kind === kind)
                .map((s) => <SuggestionCard key={s.id} suggestion={s} />),
            )}
          </>
        )}
      </QueryState>
    </div>
  );
}

function SuggestionCard({ suggestion }: { suggestion: Suggestion }) {
  const { t } = useTranslation('replen');
  const f = useFormat();
  const { can } = useSession();
  const notify = useNotify();
  const client = useQueryClient();
  const name = useLocationNames();
  const [quantities, setQuantities] = useState<Record<string, string>>(() => Object.fromEntries(suggestion.lines.map((l) => [l.variant_id, String(l.quantity)])));
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const title =
    suggestion.kind === 'transfer'
      ? t('inbox.transferTitle', { from: name(suggestion.from_location_id), to: name(suggestion.to_location_id) })
      : t('inbox.purchaseOrderTitle', { supplier: suggestion.supplier_name ?? '—', to: name(suggestion.to_location_id) });
  const edited = suggestion.lines.map((l) => ({ variant_id: l.variant_id, quantity: Number(quantities[l.variant_id] ?? l.quantity) }));
  const invalid = edited.some((l) => !Number.isInteger(l.quantity) || l.quantity < 0);
  const changed = suggestion.lines.some((l, i) => edited[i]!.quantity !== l.quantity);
  const done = () => {
    void client.invalidateQueries({ queryKey: ['replenishment'] });
  };
  const approve = useMutation({
    mutationFn: () => approveSuggestion(suggestion.id, changed ? edited : undefined),
    onSuccess: () => {
      notify('success', suggestion.kind === 'transfer' ? t('inbox.transferApproved') : t('inbox.purchaseOrderApproved'));
      done();
    },
  });
  const reject = useMutation({
    mutationFn: () => rejectSuggestion(suggestion.id, reason),
    onSuccess: () => {
      notify('success', t('inbox.rejected'));
      done();
    },
  });
  const writable = can('replenishment:write');
  const headingId = `suggestion-${suggestion.id}`;

  function submitReject(event: FormEvent) {
    event.preventDefault();
    reject.mutate();
  }

  return (
    <section className="card plan-wide plan-suggestion" aria-labelledby={headingId} data-testid="suggestion" data-kind={suggestion.kind} data-id={suggestion.id}>
      <h2 id={headingId}>
        <span className={`badge plan-kind-${suggestion.kind}`}>{t(`kinds.${suggestion.kind}`)}</span> {title}
      </h2>
      <DataTable
        caption={t('inbox.linesCaption', { title })}
        rows={suggestion.lines}
        rowKey={(l) => l.variant_id}
        columns={[
          { label: t('inbox.product'), rowHeader: true, cell: (l: SuggestionLine) => <>{lineName(l)}{l.title !== null && l.sku !== null && <div className="muted plan-small">{l.sku}</div>}</> },
          { label: t('why.available'), num: true, cell: (l) => f.number(l.why.available) },
          { label: t('why.onOrder'), num: true, cell: (l) => f.number(l.why.on_order) },
          { label: t('why.reorderPoint'), num: true, cell: (l) => f.number(Math.round(l.why.reorder_point)) },
          { label: t('why.orderUpTo'), num: true, cell: (l) => f.number(Math.round(l.why.order_up_to)) },
          { label: t('why.safetyStock'), num: true, cell: (l) => f.number(Math.round(l.why.safety_stock)) },
          { label: t('why.leadTime'), num: true, cell: (l) => t('why.days', { count: l.why.lead_time_days }) },
          { label: t('why.serviceLevel'), num: true, cell: (l) => `${f.number(Math.round(l.why.service_level * 1000) / 10)}%` },
          {
            label: t('inbox.quantity'),
            num: true,
            cell: (l) =>
              writable ? (
                <input
                  type="number"
                  min={0}
                  step={1}
                  className="plan-qty"
                  aria-label={t('inbox.quantityOf', { title: lineName(l) })}
                  value={quantities[l.variant_id] ?? ''}
                  onChange={(e) => setQuantities({ ...quantities, [l.variant_id]: e.target.value })}
                />
              ) : (
                f.number(l.quantity)
              ),
          },
        ]}
      />
      <p className="muted plan-small">{t('inbox.whyHint')}</p>
      {writable && (
        <div className="plan-actions">
          <button type="button" className="primary" disabled={invalid || approve.isPending || reject.isPending} onClick={() => approve.mutate()} aria-label={t('inbox.approveOf', { title })}>
            {changed ? t('inbox.approveEdited') : t('inbox.approve')}
          </button>
          {!rejecting ? (
            <button type="button" onClick={() => setRejecting(true)} aria-label={t('inbox.rejectOf', { title })}>
              {t('inbox.reject')}
            </button>
          ) : (
            <form className="plan-reject" onSubmit={submitReject}>
              <TextField label={t('inbox.reason')} value={reason} onChange={(e) => setReason(e.target.value)} fieldClassName="field plan-inline" />
              <button type="submit" disabled={reject.isPending}>
                {t('inbox.confirmReject')}
              </button>
              <button type="button" onClick={() => setRejecting(false)}>
                {t('inbox.cancel')}
              </button>
            </form>
          )}
        </div>
      )}
      <FormError message={approve.error?.message ?? reject.error?.message} />
    </section>
  );
}

function PurchaseOrders() {
  const { t } = useTranslation('replen');
  const orders = useQuery({ queryKey: planKeys.purchaseOrders, queryFn: fetchPurchaseOrders });
  const suppliers = useQuery({ queryKey: planKeys.suppliers, queryFn: fetchSuppliers });
  const supplierName = (id: string) => suppliers.data?.find((s) => s.id === id)?.name ?? id;
  return (
    <div className="plan-grid">
      <QueryState query={orders} isEmpty={(list) => list.length === 0} empty={t('orders.none')}>
        {(list) => (
          <>
            {list.map((po) => (
              <PurchaseOrderCard key={po.id} order={po} supplier={supplierName(po.supplier_id)} />
            ))}
          </>
        )}
      </QueryState>
    </div>
  );
}

function PurchaseOrderCard({ order, supplier }: { order: PurchaseOrder; supplier: string }) {
  const { t } = useTranslation('replen');
  const f = useFormat();
  const { can } = useSession();
  const notify = useNotify();
  const client = useQueryClient();
  const name = useLocationNames();
  const [perLine, setPerLine] = useState(false);
  const [quantities, setQuantities] = useState<Record<string, string>>({});
  const open = order.status === 'approved' || order.status === 'partially_received';
  const title = t('orders.title', { supplier, to: name(order.location_id) });
  const receive = useMutation({
    mutationFn: (lines?: { variant_id: string; quantity: number }[]) => receivePurchaseOrder(order.id, lines),
    onSuccess: (received) => {
      notify('success', received.status === 'received' ? t('orders.receivedAll') : t('orders.receivedSome'));
      setPerLine(false);
      setQuantities({});
      void client.invalidateQueries({ queryKey: ['replenishment'] });
    },
  });
  const cancel = useMutation({
    mutationFn: () => cancelPurchaseOrder(order.id),
    onSuccess: () => {
      notify('success', t('orders.cancelled'));
      void client.invalidateQueries({ queryKey: ['replenishment'] });
    },
  });
  const lines = order.lines.map((l) => ({ variant_id: l.variant_id, quantity: Number(quantities[l.variant_id] ?? '0') })).filter((l) => l.quantity > 0);
  const invalid = order.lines.some((l) => {
    const q = Number(quantities[l.variant_id] ?? '0');
    return !Number.isInteger(q) || q < 0 || q > l.quantity - l.received_quantity;
  });
  const currency = order.currency;
  const headingId = `po-${order.id}`;
  return (
    <section className="card plan-wide" aria-labelledby={headingId} data-testid="purchase-order" data-id={order.id} data-status={order.status}>
      <h2 id={headingId}>
        {title} <span className={`badge badge-${order.status}`}>{t(`orders.statuses.${order.status}`)}</span>
      </h2>
      <p className="muted">
        {t('orders.created', { at: f.dateTime(order.created_at) })}
        {order.expected_at !== null && ` · ${t('orders.expected', { at: f.dateTime(order.expected_at) })}`}
        {order.total_minor !== undefined && currency !== undefined && ` · ${t('orders.total', { total: f.money(order.total_minor, currency) })}`}
      </p>
      <DataTable
        caption={t('orders.linesCaption', { title })}
        rows={order.lines}
        rowKey={(l) => l.variant_id}
        columns={[
          { label: t('inbox.product'), rowHeader: true, cell: (l) => <>{lineName(l)}{l.title != null && l.sku !== null && <div className="muted plan-small">{l.sku}</div>}</> },
          { label: t('orders.ordered'), num: true, cell: (l) => f.number(l.quantity) },
          { label: t('orders.received'), num: true, cell: (l) => f.number(l.received_quantity) },
          { label: t('orders.unitCost'), num: true, cell: (l) => (currency === undefined ? f.number(l.unit_cost_minor) : f.money(l.unit_cost_minor, currency)) },
          perLine && {
            label: t('orders.receiveNow'),
            num: true,
            cell: (l) => (
              <input
                type="number"
                min={0}
                max={l.quantity - l.received_quantity}
                step={1}
                className="plan-qty"
                aria-label={t('orders.receiveNowOf', { sku: lineName(l) })}
                value={quantities[l.variant_id] ?? ''}
                placeholder="0"
                onChange={(e) => setQuantities({ ...quantities, [l.variant_id]: e.target.value })}
              />
            ),
          },
        ]}
      />
      {open && can('replenishment:write') && (
        <div className="plan-actions">
          {perLine ? (
            <>
              <button type="button" className="primary" disabled={invalid || lines.length === 0 || receive.isPending} onClick={() => receive.mutate(lines)}>
                {t('orders.receiveLines')}
              </button>
              <button type="button" onClick={() => setPerLine(false)}>
                {t('inbox.cancel')}
              </button>
            </>
          ) : (
            <>
              <button type="button" className="primary" disabled={receive.isPending} onClick={() => receive.mutate(undefined)} aria-label={t('orders.receiveAllOf', { title })}>
                {t('orders.receiveAll')}
              </button>
              <button type="button" onClick={() => setPerLine(true)}>
                {t('orders.receivePerLine')}
              </button>
              <button type="button" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
                {t('orders.cancel')}
              </button>
            </>
          )}
        </div>
      )}
      <FormError message={receive.error?.message ?? cancel.error?.message} />
    </section>
  );
}

function Suppliers() {
  const { t } = useTranslation('replen');
  const { can } = useSession();
  const suppliers = useQuery({ queryKey: planKeys.suppliers, queryFn: fetchSuppliers });
  return (
    <div className="plan-grid">
      <Card title={t('suppliers.title')} className="plan-wide">
        <QueryState query={suppliers} isEmpty={(list) => list.length === 0} empty={t('suppliers.none')}>
          {(list) => (
            <DataTable
              caption={t('suppliers.title')}
              testId="suppliers"
              rows={list}
              rowKey={(s) => s.id}
              columns={[
                { label: t('suppliers.name'), rowHeader: true, cell: (s: Supplier) => s.name },
                { label: t('suppliers.email'), cell: (s) => s.email ?? '—' },
                { label: t('suppliers.currency'), cell: (s) => s.currency },
                { label: t('suppliers.leadTime'), num: true, cell: (s) => t('why.days', { count: s.lead_time_days }) },
                { label: t('suppliers.status'), cell: (s) => t(`suppliers.statuses.${s.status}`) },
              ]}
            />
          )}
        </QueryState>
      </Card>
      {can('replenishment:write') && <NewSupplier />}
    </div>
  );
}

function NewSupplier() {
  const { t } = useTranslation('replen');
  const notify = useNotify();
  const client = useQueryClient();
  const currency = useSession().session?.merchant.default_currency ?? 'CNY';
  const [form, setForm] = useState({ name: '', email: '', currency, lead_time_days: '7' });
  const create = useMutation({
    mutationFn: () => createSupplier({ name: form.name.trim(), ...(form.email.trim() === '' ? {} : { email: form.email.trim() }), currency: form.currency.trim().toUpperCase(), lead_time_days: Number(form.lead_time_days) }),
    onSuccess: (supplier) => {
      notify('success', t('suppliers.created', { name: supplier.name }));
      setForm({ name: '', email: '', currency, lead_time_days: '7' });
      void client.invalidateQueries({ queryKey: planKeys.suppliers });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  return (
    <Card title={t('suppliers.new')} className="plan-wide">
      <form className="plan-toolbar" onSubmit={submit}>
        <TextField label={t('suppliers.name')} required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} fieldClassName="field plan-inline" />
        <TextField label={t('suppliers.email')} type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} fieldClassName="field plan-inline" />
        <TextField label={t('suppliers.currency')} required maxLength={3} value={form.currency} onChange={(e) => setForm({ ...form, currency: e.target.value })} fieldClassName="field plan-inline" />
        <TextField label={t('suppliers.leadTimeDays')} required type="number" min={0} step={1} value={form.lead_time_days} onChange={(e) => setForm({ ...form, lead_time_days: e.target.value })} fieldClassName="field plan-inline" />
        <button type="submit" className="primary" disabled={create.isPending}>
          {t('suppliers.create')}
        </button>
      </form>
      <FormError message={create.error?.message} />
    </Card>
  );
}


