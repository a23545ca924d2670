import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap, type Schemas } from '../../api';
import { Card } from '../../components/Card';
import { TextField } from '../../components/Field';
import { FormError } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useSession } from '../../session';
import { useProblemText } from './problems';
import { auditQueryKey } from './queryKeys';

type DeliverySettings = Schemas['DeliverySettings'];
const deliverySettingsQueryKey = ['fulfilment-settings'] as const;

/** What the form holds: the radius in km and prices in yuan, as a merchant types them. */
interface Draft {
  express_radius_km: string;
  express_price: string;
  pickup_price: string;
  standard_base_price: string;
  cross_border_base_price: string;
  cross_border_enabled: boolean;
  pickup_hold_h: string;
}

const major = (minor: number) => (minor / 100).toFixed(2);
const minor = (major: string) => Math.round(Number(major) * 100);

function draftOf(s: DeliverySettings): Draft {
  return {
    express_radius_km: String(s.express_radius_m / 1_000),
    express_price: major(s.express_price_minor),
    pickup_price: major(s.pickup_price_minor),
    standard_base_price: major(s.standard_base_price_minor),
    cross_border_base_price: major(s.cross_border_base_price_minor),
    cross_border_enabled: s.cross_border_enabled,
    pickup_hold_h: String(s.pickup_hold_h),
  };
}

function settingsOf(d: Draft): DeliverySettings {
  return {
    express_radius_m: Math.round(Number(d.express_radius_km) * 1_000),
    express_price_minor: minor(d.express_price),
    pickup_price_minor: minor(d.pickup_price),
    standard_base_price_minor: minor(d.standard_base_price),
    cross_border_base_price_minor: minor(d.cross_border_base_price),
    cross_border_enabled: d.cross_border_enabled,
    pickup_hold_h: Math.round(Number(d.pickup_hold_h)),
  };
}

/**
 * Delivery: how far express reaches from each store, what each option costs the buyer, whether
 * buyers abroad are served, and how long a pickup order waits. The storefront's delivery options
 * and checkout use these at once.
 */
export function DeliverySettingsCard() {
  const { t } = useTranslation('settings');
  const query = useQuery({ queryKey: deliverySettingsQueryKey, queryFn: () => unwrap(bos.GET('/v1/fulfilment/settings')) });
  return (
    <Card title={t('delivery.title')}>
      <QueryState query={query}>{(settings) => <DeliveryForm key={JSON.stringify(settings)} settings={settings} />}</QueryState>
    </Card>
  );
}

function DeliveryForm({ settings }: { settings: DeliverySettings }) {
  const { t } = useTranslation('settings');
  const { can } = useSession();
  const notify = useNotify();
  const problemText = useProblemText();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(() => draftOf(settings));
  const save = useMutation({
    mutationFn: (body: DeliverySettings) => unwrap(bos.PUT('/v1/fulfilment/settings', { body })),
    onSuccess: async (saved) => {
      queryClient.setQueryData(deliverySettingsQueryKey, saved);
      notify('success', t('delivery.saved'));
      await queryClient.invalidateQueries({ queryKey: auditQueryKey });
    },
  });
  const editable = can('locations:write');
  const disabled = !editable || save.isPending;
  const set = (key: keyof Draft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value }));
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(settingsOf(draft));
  }
  const price = (key: 'express_price' | 'pickup_price' | 'standard_base_price' | 'cross_border_base_price', hint?: string) => (
    <TextField label={t(`delivery.${key}`)} {...(hint === undefined ? {} : { hint })} name={key} type="number" min={0} step="0.01" inputMode="decimal" required value={draft[key]} disabled={disabled} onChange={set(key)} />
  );
  return (
    <form onSubmit={submit} className="settings-delivery">
      <p className="hint">{t('delivery.intro')}</p>
      <TextField label={t('delivery.express_radius_km')} hint={t('delivery.express_radius_hint')} name="express_radius_km" type="number" min={0.1} max={50} step="0.1" inputMode="decimal" required value={draft.express_radius_km} disabled={disabled} onChange={set('express_radius_km')} />
      {price('express_price')}
      {price('pickup_price', t('delivery.pickup_price_hint'))}
      {price('standard_base_price', t('delivery.base_price_hint'))}
      {price('cross_border_base_price', t('delivery.base_price_hint'))}
      <label className="checkbox">
        <input type="checkbox" name="cross_border_enabled" checked={draft.cross_border_enabled} disabled={disabled} onChange={(e) => setDraft((d) => ({ ...d, cross_border_enabled: e.target.checked }))} /> {t('delivery.cross_border_enabled')}
      </label>
      <TextField label={t('delivery.pickup_hold_h')} hint={t('delivery.pickup_hold_hint')} name="pickup_hold_h" type="number" min={1} max={336} step="1" required value={draft.pickup_hold_h} disabled={disabled} onChange={set('pickup_hold_h')} />
      {editable ? (
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? t('store.saving') : t('store.save')}
        </button>
      ) : (
        <p className="hint">{t('delivery.readOnly')}</p>
      )}
      <FormError message={save.isError ? problemText(save.error) : undefined} />
    </form>
  );
}
