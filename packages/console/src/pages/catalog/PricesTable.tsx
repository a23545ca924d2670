import { useTranslation } from 'react-i18next';
import { DataTable } from '../../components/DataTable';
import { limits, priceRow, type Errors, type PriceRow } from './form';
import { replaceAt } from './sections';
import { CellInput, CellSelect } from './shared';

/** Currencies offered for prices: the merchant's own first, then common ones and any already used. */
const commonCurrencies = ['CNY', 'HKD', 'TWD', 'USD', 'EUR', 'GBP', 'JPY', 'KRW', 'SGD', 'AUD', 'CAD'];

/** A variant's prices: one row per currency and quantity tier. */
export function PricesTable({ prices, path, errors, readOnly, currency, onChange, variantName }: { prices: PriceRow[]; path: string; errors: Errors; readOnly: boolean; currency: string; onChange: (prices: PriceRow[]) => void; variantName: string }) {
  const { t } = useTranslation('catalog');
  const { t: tc } = useTranslation();
  const currencies = [...new Set([currency, ...commonCurrencies, ...prices.map((p) => p.currency)])];
  const set = (j: number, change: Partial<PriceRow>) => onChange(replaceAt(prices, j, (p) => ({ ...p, ...change })));
  function addPrice() {
    const hasBase = prices.some((p) => p.currency === currency && (p.min_quantity.trim() === '' || p.min_quantity.trim() === '1'));
    onChange([...prices, priceRow(currency, hasBase ? '' : '1')]);
  }
  return (
    <div className="cat-prices">
      <h3>{t('prices')}</h3>
      {errors[path] !== undefined && <p className="field-error">{errors[path]}</p>}
      {prices.length === 0 ? (
        <p className="muted">{t('noPrices')}</p>
      ) : (
        <DataTable
          bare
          tableClassName="cat-edit-table"
          caption={t('pricesOf', { name: variantName })}
          rows={prices}
          rowKey={(p) => p.key}
          columns={[
            {
              label: t('currency'),
              cell: (p, j) => (
                <CellSelect label={t('currencyOfN', { name: variantName, n: j + 1 })} value={p.currency} disabled={readOnly} error={errors[`${path}.${j}.currency`]} onChange={(e) => set(j, { currency: e.target.value })}>
                  {currencies.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </CellSelect>
              ),
            },
            {
              label: t('fromQuantity'),
              cell: (p, j) => (
                <CellInput label={t('fromQuantityOfN', { name: variantName, n: j + 1 })} inputMode="numeric" value={p.min_quantity} placeholder="1" className="cat-qty-input" readOnly={readOnly} error={errors[`${path}.${j}.min_quantity`]} onChange={(e) => set(j, { min_quantity: e.target.value })} />
              ),
            },
            {
              label: t('price'),
              cell: (p, j) => (
                <CellInput label={t('priceOfN', { name: variantName, n: j + 1 })} inputMode="decimal" value={p.amount} placeholder="0.00" className="cat-money-input" readOnly={readOnly} error={errors[`${path}.${j}.amount_minor`]} onChange={(e) => set(j, { amount: e.target.value })} />
              ),
            },
            !readOnly && {
              label: tc('actions'),
              hidden: true,
              cell: (_p, j) => (
                <button type="button" className="danger" aria-label={t('removePriceN', { name: variantName, n: j + 1 })} onClick={() => onChange(prices.filter((_, k) => k !== j))}>
                  {t('remove')}
                </button>
              ),
            },
          ]}
        />
      )}
      {!readOnly && prices.length < limits.prices && (
        <button type="button" onClick={addPrice}>
          {t('addPrice')}
        </button>
      )}
      <p className="hint">{t('tiersHint')}</p>
    </div>
  );
}
