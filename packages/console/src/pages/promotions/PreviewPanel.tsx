import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { SelectField, TextField } from '../../components/Field';
import { FormError } from '../../components/Form';
import { parseMoney, useFormat } from '../../format';
import { variantsQuery } from '../stock/api';
import type { Preview } from './api';

interface Line {
  variant_id: string;
  quantity: string;
}

/**
 * "This cart would get …": the cart priced by the server as a checkout prices it now, with the
 * promotions as saved (so save a change to see it here), every discount applied and the reason
 * for every promotion that was not. Nothing is taken.
 */
export function PreviewPanel({ currency }: { currency: string }) {
  const { t, i18n } = useTranslation('promotions');
  const variants = useQuery(variantsQuery(i18n.language));
  const [lines, setLines] = useState<Line[]>([{ variant_id: '', quantity: '1' }]);
  const [codes, setCodes] = useState('');
  const [delivery, setDelivery] = useState('');
  const run = useMutation({
    mutationFn: () => {
      const delivery_minor = delivery.trim() === '' ? undefined : parseMoney(delivery, currency);
      const items = lines.filter((l) => l.variant_id !== '').map((l) => ({ variant_id: l.variant_id, quantity: Number(l.quantity) }));
      const typed = codes.split(/[\s,]+/).filter((c) => c !== '');
      return unwrap(bos.POST('/v1/promotions/preview', { body: { currency, items, ...(typed.length > 0 ? { codes: typed } : {}), ...(delivery_minor === undefined ? {} : { delivery_minor }) } }));
    },
  });
  const setLine = (i: number, change: Partial<Line>) => setLines((ls) => ls.map((l, j) => (j === i ? { ...l, ...change } : l)));
  function submit(e: FormEvent) {
    e.preventDefault();
    run.mutate();
  }
  return (
    <Card title={t('preview.title')}>
      <p className="hint">{t('preview.intro')}</p>
      <form onSubmit={submit} noValidate aria-label={t('preview.title')}>
        {lines.map((line, i) => (
          <div className="promo-line" key={i}>
            <SelectField label={`${t('preview.variant')} ${i + 1}`} name={`items.${i}.variant_id`} value={line.variant_id} onChange={(e) => setLine(i, { variant_id: e.target.value })}>
              <option value="">{t('preview.chooseVariant')}</option>
              {(variants.data ?? []).map((v) => (
                <option key={v.id} value={v.id}>
                  {v.label} ({v.sku})
                </option>
              ))}
            </SelectField>
            <TextField label={`${t('preview.quantity')} ${i + 1}`} name={`items.${i}.quantity`} type="number" min={1} value={line.quantity} onChange={(e) => setLine(i, { quantity: e.target.value })} />
            {lines.length > 1 ? (
              <button type="button" className="field" aria-label={t('preview.removeLine', { n: i + 1 })} onClick={() => setLines((ls) => ls.filter((_, j) => j !== i))}>
                ×
              </button>
            ) : (
              <span />
            )}
          </div>
        ))}
        <p>
          <button type="button" onClick={() => setLines((ls) => [...ls, { variant_id: '', quantity: '1' }])}>
            {t('preview.addLine')}
          </button>
        </p>
        <div className="form-row">
          <TextField label={t('preview.codes')} name="codes" autoComplete="off" value={codes} onChange={(e) => setCodes(e.target.value)} />
          <TextField label={t('preview.delivery')} name="delivery_minor" inputMode="decimal" value={delivery} onChange={(e) => setDelivery(e.target.value)} />
        </div>
        <button type="submit" className="primary" disabled={run.isPending} aria-busy={run.isPending}>
          {run.isPending ? t('preview.running') : t('preview.run')}
        </button>
      </form>
      <FormError message={run.error?.message} />
      {run.data !== undefined && <PreviewResult preview={run.data} />}
    </Card>
  );
}

function PreviewResult({ preview: p }: { preview: Preview }) {
  const { t } = useTranslation('promotions');
  const f = useFormat();
  const money = (minor: number) => f.money(minor, p.currency);
  return (
    <section className="promo-result" aria-label={t('preview.result', { discount: money(p.discount_minor), total: money(p.total_minor) })}>
      <p className="promo-total" role="status">
        {t('preview.result', { discount: money(p.discount_minor), total: money(p.total_minor) })}
      </p>
      <DataTable
        caption={t('preview.lines')}
        rows={p.lines}
        rowKey={(l) => l.variant_id}
        columns={[
          { label: t('preview.item'), rowHeader: true, cell: (l) => `${l.title} × ${l.quantity}` },
          { label: t('preview.list'), num: true, cell: (l) => money(l.list_minor) },
          { label: t('preview.discount'), num: true, cell: (l) => (l.discount_minor === 0 ? '—' : `−${money(l.discount_minor)}`) },
          { label: t('preview.total'), num: true, cell: (l) => money(l.total_minor) },
        ]}
      />
      {p.delivery_minor > 0 && (
        <p>
          {t('preview.deliveryLine')}: {money(p.delivery_minor)}
          {p.delivery_discount_minor > 0 && ` (−${money(p.delivery_discount_minor)})`}
        </p>
      )}
      <h3>{t('preview.applied')}</h3>
      {p.pricing.applied.length === 0 ? (
        <p className="muted">{t('preview.noneApplied')}</p>
      ) : (
        <ul>
          {p.pricing.applied.map((a) => (
            <li key={a.promotion_id}>
              <strong>{a.name}</strong>
              {a.code !== null && ` (${a.code})`}: −{money(a.amount_minor)} · {a.detail}
            </li>
          ))}
        </ul>
      )}
      {p.pricing.not_applied.length > 0 && (
        <>
          <h3>{t('preview.notApplied')}</h3>
          <ul>
            {p.pricing.not_applied.map((r) => (
              <li key={r.promotion_id}>
                <strong>{r.name}</strong>: {t(`preview.reasonOf.${r.reason}`, { defaultValue: r.reason })} · {r.detail}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
