import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { SelectField } from '../../components/Field';
import { FormError } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { sessionQueryKey, useSession } from '../../session';
import { useProblemText } from './problems';
import { DeliverySettingsCard } from './DeliverySettings';
import { auditQueryKey } from './queryKeys';

const merchantQueryKey = ['merchant'] as const;

/** Every IANA zone the browser knows, UTC first; the store's own is kept even if the browser lacks it. */
function timeZones(current: string): string[] {
  const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return ['UTC', ...new Set([current, ...supported].filter((z) => z !== 'UTC'))].sort((a, b) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)));
}

/** The store's profile (its time zone, which decides where the overview's and lifecycle's days begin) and its delivery settings. */
export function StoreTab() {
  const { t } = useTranslation('settings');
  const query = useQuery({ queryKey: merchantQueryKey, queryFn: () => unwrap(bos.GET('/v1/merchant')) });
  return (
    <>
      <Card title={t('store.title')}>
        <QueryState query={query}>{(merchant) => <StoreForm key={merchant.time_zone} merchant={merchant} />}</QueryState>
      </Card>
      <DeliverySettingsCard />
    </>
  );
}

function StoreForm({ merchant }: { merchant: { handle: string; default_currency: string; time_zone: string } }) {
  const { t } = useTranslation('settings');
  const { can } = useSession();
  const notify = useNotify();
  const problemText = useProblemText();
  const queryClient = useQueryClient();
  const [zone, setZone] = useState(merchant.time_zone);
  const save = useMutation({
    mutationFn: (time_zone: string) => unwrap(bos.PATCH('/v1/merchant', { body: { time_zone } })),
    onSuccess: async (saved) => {
      queryClient.setQueryData(merchantQueryKey, saved);
      notify('success', t('store.saved', { timeZone: saved.time_zone }));
      // The session carries the zone the console formats times in; figures are counted anew.
      await Promise.all([queryClient.invalidateQueries({ queryKey: sessionQueryKey }), queryClient.invalidateQueries({ queryKey: ['overview'] }), queryClient.invalidateQueries({ queryKey: auditQueryKey })]);
    },
  });
  const editable = can('merchant:write');
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(zone);
  }
  return (
    <form onSubmit={submit} className="settings-store">
      <dl className="facts">
        <dt>{t('store.handle')}</dt>
        <dd className="mono">{merchant.handle}</dd>
        <dt>{t('store.currency')}</dt>
        <dd>{merchant.default_currency}</dd>
      </dl>
      <SelectField label={t('store.timeZone')} hint={t('store.timeZoneHint')} name="time_zone" value={zone} disabled={!editable || save.isPending} onChange={(e) => setZone(e.target.value)}>
        {timeZones(merchant.time_zone).map((z) => (
          <option key={z} value={z}>
            {z}
          </option>
        ))}
      </SelectField>
      {editable ? (
        <button type="submit" className="primary" disabled={save.isPending || zone === merchant.time_zone}>
          {save.isPending ? t('store.saving') : t('store.save')}
        </button>
      ) : (
        <p className="hint">{t('store.readOnly')}</p>
      )}
      <FormError message={save.isError ? problemText(save.error) : undefined} />
    </form>
  );
}
