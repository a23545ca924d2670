import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, OpenBosError, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { Dialog } from '../../components/Dialog';
import { SelectField, TextField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { parseMoney, useFormat } from '../../format';
import { useSession } from '../../session';
import { combinations, sameOptions, type Product } from './form';

/** The option combinations no variant has yet: what "Generate variants" will make. */
function missingCombinations(product: Product): Record<string, string>[] {
  if (product.options.length === 0) return [];
  return combinations(product.options).filter((c) => !product.variants.some((v) => sameOptions(v.option_values, c)));
}

/** An API error as one sentence, naming the variant of the row it is about ("Row 2 (TEE-RED-M): …"). */
function describe(error: unknown, rows: readonly { sku: string }[], t: (key: string, options?: Record<string, unknown>) => string): string {
  if (!(error instanceof OpenBosError)) return String(error);
  const fields = error.problem?.errors ?? [];
  if (fields.length === 0) return error.message;
  return fields
    .map((e) => {
      const row = /^rows\.(\d+)/.exec(e.field);
      if (row === null) return e.message;
      // The server's reasons in the console's language where it has them.
      const message = error.code === 'insufficient_stock' ? t('bulk.belowReserved') : error.code === 'not_found' ? t('bulk.notFound') : e.message;
      return t('bulk.rowError', { sku: rows[Number(row[1])]?.sku ?? '?', message });
    })
    .join(' ');
}

export function GenerateVariantsButton({ product, currency, disabled, onChanged }: { product: Product; currency: string; disabled: boolean; onChanged: (fresh: Product) => void }) {
  const { t } = useTranslation('catalog');
  const [open, setOpen] = useState(false);
  const missing = missingCombinations(product);
  if (product.options.length === 0) return <p className="hint">{t('generate.needsOptions')}</p>;
  return (
    <div className="cat-generate">
      <button type="button" disabled={disabled || missing.length === 0} onClick={() => setOpen(true)}>
        {t('generate.button')}
      </button>
      <span className="muted cat-small"> {missing.length === 0 ? t('generate.allExist') : t('generate.missing', { count: missing.length })}</span>
      <Dialog open={open} title={t('generate.title')} onClose={() => setOpen(false)}>
        <GenerateForm product={product} currency={currency} missing={missing} onDone={(fresh) => {
          setOpen(false);
          if (fresh !== undefined) onChanged(fresh);
        }} />
      </Dialog>
    </div>
  );
}

function GenerateForm({ product, currency, missing, onDone }: { product: Product; currency: string; missing: Record<string, string>[]; onDone: (fresh: Product | undefined) => void }) {
  const { t } = useTranslation('catalog');
  const { t: tc } = useTranslation();
  const notify = useNotify();
  const [pattern, setPattern] = useState('{base}-{values}');
  const [price, setPrice] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit() {
    const amount = price.trim() === '' ? undefined : parseMoney(price, currency);
    if (price.trim() !== '' && amount === undefined) return setError(t('generate.badPrice'));
    setBusy(true);
    setError(undefined);
    try {
      const result = await unwrap(
        bos.POST('/v1/products/{product_id}/variants/generate', {
          params: { path: { product_id: product.id } },
          body: { sku_pattern: pattern.trim(), ...(amount === undefined ? {} : { prices: [{ currency, amount_minor: amount }] }) },
          headers: idempotencyKey(),
        }),
      );
      notify('success', t('generate.done', { count: result.created_variant_ids.length }));
      onDone(result.product);
    } catch (e) {
      setError(describe(e, [], t));
      notify('error', tc('failed', { message: e instanceof Error ? e.message : String(e) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    // Not a <form>: this dialog sits inside the product's form, and forms do not nest.
    <div role="form" aria-label={t('generate.title')}>
      <p>{t('generate.intro', { count: missing.length })}</p>
      <ul className="cat-generate-preview">
        {missing.slice(0, 8).map((c) => (
          <li key={JSON.stringify(c)}>{Object.values(c).join(' / ')}</li>
        ))}
        {missing.length > 8 && <li className="muted">{t('moreSkus', { count: missing.length - 8 })}</li>}
      </ul>
      <TextField label={t('generate.pattern')} value={pattern} maxLength={64} required hint={t('generate.patternHint', { options: product.options.map((o) => `{${o.name}}`).join(' ') })} className="mono" onChange={(e) => setPattern(e.target.value)} data-autofocus />
      <TextField label={t('generate.price', { currency })} value={price} inputMode="decimal" hint={t('generate.priceHint')} className="cat-money-input" onChange={(e) => setPrice(e.target.value)} />
      {error !== undefined && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="cat-buttons cat-end">
        <button type="button" onClick={() => onDone(undefined)}>
          {tc('cancel')}
        </button>
        <button type="button" className="primary" disabled={busy || pattern.trim() === ''} onClick={() => void submit()}>
          {t('generate.submit', { count: missing.length })}
        </button>
      </div>
    </div>
  );
}

type StockMode = 'set' | 'adjust';

/**
 * Bulk edit: select variants, then set their base price in the merchant's currency and/or their
 * stock at one location (a counted quantity, or units added or taken away). One request: every
 * selected variant changes, or, when one row is refused, none does.
 */
export function BulkEditSection({ product, currency, readOnly, dirty, onChanged }: { product: Product; currency: string; readOnly: boolean; dirty: boolean; onChanged: (fresh: Product) => void }) {
  const { t } = useTranslation('catalog');
  const { t: tc } = useTranslation();
  const f = useFormat();
  const notify = useNotify();
  const { can } = useSession();
  const canStock = can('inventory:write');
  const variants = product.variants.filter((v) => v.status === 'active');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [price, setPrice] = useState('');
  const [location, setLocation] = useState('');
  const [mode, setMode] = useState<StockMode>('set');
  const [quantity, setQuantity] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const locations = useQuery({ queryKey: ['locations', 'all'], queryFn: () => unwrap(bos.GET('/v1/locations', { params: { query: { limit: 100 } } })), enabled: canStock });
  const locationId = location === '' ? (locations.data?.data[0]?.id ?? '') : location;
  const stock = useQuery({
    queryKey: ['stock', 'location', locationId],
    queryFn: () => unwrap(bos.GET('/v1/stock', { params: { query: { location_id: locationId, limit: 100 } } })),
    enabled: canStock && locationId !== '',
  });
  const onHand = (variant_id: string) => stock.data?.data.find((l) => l.variant_id === variant_id)?.on_hand;
  const basePrice = (v: Product['variants'][number]) => v.prices.find((p) => p.currency === currency && p.min_quantity === 1)?.amount_minor;

  const all = variants.length > 0 && variants.every((v) => selected.has(v.id));
  const toggle = (id: string) => setSelected((s) => (s.has(id) ? new Set([...s].filter((x) => x !== id)) : new Set([...s, id])));

  async function apply() {
    const chosen = variants.filter((v) => selected.has(v.id));
    const amount = price.trim() === '' ? undefined : parseMoney(price, currency);
    const units = quantity.trim() === '' ? undefined : Number(quantity.trim());
    if (chosen.length === 0) return setError(t('bulk.noneSelected'));
    if (price.trim() !== '' && amount === undefined) return setError(t('bulk.badPrice'));
    if (units !== undefined && (!Number.isInteger(units) || (mode === 'set' && units < 0))) return setError(t('bulk.badQuantity'));
    if (amount === undefined && units === undefined) return setError(t('bulk.nothingToChange'));
    const rows = chosen.map((v) => ({
      variant_id: v.id,
      ...(amount === undefined ? {} : { price: { currency, amount_minor: amount } }),
      ...(units === undefined ? {} : { stock: { location_id: locationId, ...(mode === 'set' ? { on_hand: units } : { on_hand_delta: units }) } }),
    }));
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(bos.POST('/v1/variants/bulk-edit', { body: { rows, ...(note.trim() === '' ? {} : { note: note.trim() }) }, headers: idempotencyKey() }));
      const fresh = await unwrap(bos.GET('/v1/products/{product_id}', { params: { path: { product_id: product.id } } }));
      await stock.refetch();
      onChanged(fresh);
      setPrice('');
      setQuantity('');
      setSelected(new Set());
      notify('success', t('bulk.done', { count: chosen.length }));
    } catch (e) {
      setError(describe(e, chosen, t));
      notify('error', tc('failed', { message: e instanceof Error ? e.message : String(e) }));
    } finally {
      setBusy(false);
    }
  }

  if (variants.length === 0) return null;
  const disabled = readOnly || dirty || busy;
  return (
    <Card title={t('bulk.title')} className="cat-bulk">
      <p className="hint">{dirty ? t('bulk.saveFirst') : t('bulk.hint')}</p>
      {/* Not a <form>: this card sits inside the product's form, and forms do not nest. */}
      <div role="form" aria-label={t('bulk.title')}>
        <div className="table-wrap">
          <table className="cat-bulk-table">
            <thead>
              <tr>
                <th scope="col">
                  <input type="checkbox" checked={all} disabled={disabled} aria-label={t('bulk.selectAll')} onChange={() => setSelected(all ? new Set() : new Set(variants.map((v) => v.id)))} />
                </th>
                <th scope="col">{t('field.sku')}</th>
                <th scope="col">{t('variantTitle')}</th>
                <th scope="col" className="num">
                  {t('bulk.price', { currency })}
                </th>
                {canStock && (
                  <th scope="col" className="num">
                    {t('bulk.onHand')}
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {variants.map((v) => {
                const amount = basePrice(v);
                const units = onHand(v.id);
                return (
                  <tr key={v.id} className={selected.has(v.id) ? 'cat-bulk-selected' : undefined}>
                    <td>
                      <input type="checkbox" checked={selected.has(v.id)} disabled={disabled} aria-label={t('bulk.select', { sku: v.sku })} onChange={() => toggle(v.id)} />
                    </td>
                    <td className="mono">{v.sku}</td>
                    <td>{v.title}</td>
                    <td className="num">{amount === undefined ? <span className="muted">—</span> : f.money(amount, currency)}</td>
                    {canStock && <td className="num">{units === undefined ? <span className="muted">0</span> : f.number(units)}</td>}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <div className="form-row cat-bulk-controls">
          <TextField label={t('bulk.newPrice', { currency })} value={price} inputMode="decimal" placeholder={t('bulk.unchanged')} className="cat-money-input" disabled={disabled} onChange={(e) => setPrice(e.target.value)} />
          {canStock && (
            <>
              <SelectField label={t('bulk.location')} value={locationId} disabled={disabled} onChange={(e) => setLocation(e.target.value)}>
                {(locations.data?.data ?? []).map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.name}
                  </option>
                ))}
              </SelectField>
              <SelectField label={t('bulk.stockMode')} value={mode} disabled={disabled} onChange={(e) => setMode(e.target.value as StockMode)}>
                <option value="set">{t('bulk.modeSet')}</option>
                <option value="adjust">{t('bulk.modeAdjust')}</option>
              </SelectField>
              <TextField label={t('bulk.quantity')} value={quantity} inputMode="numeric" placeholder={t('bulk.unchanged')} className="cat-qty-input" disabled={disabled} onChange={(e) => setQuantity(e.target.value)} />
              <TextField label={t('bulk.note')} value={note} maxLength={500} placeholder={t('bulk.notePlaceholder')} disabled={disabled} onChange={(e) => setNote(e.target.value)} />
            </>
          )}
        </div>
        {error !== undefined && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="cat-buttons cat-end">
          <button type="button" className="primary" disabled={disabled || selected.size === 0} onClick={() => void apply()}>
            {busy ? tc('saving') : t('bulk.apply', { count: selected.size })}
          </button>
        </div>
      </div>
    </Card>
  );
}
