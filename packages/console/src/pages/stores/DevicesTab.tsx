import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../../components/DataTable';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { fetchDevices, fetchUnattended, setUnattended, storeKeys, type Device } from './api';

/** The store's gates, shelves, screens and registers with their health: online or not, last seen, events and errors. */
export function DevicesTab({ location_id }: { location_id: string }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const query = useQuery({ queryKey: storeKeys.devices(location_id), queryFn: () => fetchDevices(location_id), refetchInterval: 30_000 });
  return (
    <>
      <Unattended location_id={location_id} />
      <QueryState query={query} isEmpty={(rows) => rows.length === 0} empty={t('noDevices')}>
      {(rows) => (
        <>
          <p className="muted" data-testid="devices-summary">
            {t('devicesSummary', { online: rows.filter((d) => d.health.online).length, total: rows.length })}
          </p>
          <DataTable
            caption={t('devicesCaption')}
            testId="store-devices"
            rows={rows}
            rowKey={(d) => d.id}
            rowProps={(d) => ({ 'data-online': String(d.health.online) })}
            columns={[
              { label: t('device'), rowHeader: true, cell: (d: Device) => d.name },
              { label: t('kind'), cell: (d: Device) => t(`kinds.${d.kind}`, { defaultValue: d.kind }) },
              { label: t('health'), cell: (d: Device) => <span className={`badge ${d.health.online ? 'badge-paid' : 'badge-failed'}`}>{d.health.online ? t('online') : t('offline')}</span> },
              { label: t('lastSeen'), cell: (d: Device) => (d.health.last_seen_at === null ? t('never') : f.dateTime(d.health.last_seen_at)) },
              { label: t('eventsPerMinute'), num: true, cell: (d: Device) => f.number(d.health.events_last_minute) },
              { label: t('errors'), num: true, cell: (d: Device) => f.number(d.health.errors) },
              { label: t('lastError'), cell: (d: Device) => (d.health.last_error === null ? '—' : <span title={d.health.last_error_at === null ? undefined : f.dateTime(d.health.last_error_at)}>{d.health.last_error}</span>) },
            ]}
          />
        </>
      )}
      </QueryState>
    </>
  );
}

/** Whether the store is unattended (its gates open sessions and charge at the exit), and the switch. */
function Unattended({ location_id }: { location_id: string }) {
  const { t } = useTranslation('stores');
  const notify = useNotify();
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: storeKeys.unattended(location_id), queryFn: () => fetchUnattended(location_id) });
  const toggle = useMutation({
    mutationFn: (unattended: boolean) => setUnattended(location_id, unattended),
    onSuccess: (setting) => {
      queryClient.setQueryData(storeKeys.unattended(location_id), setting);
      notify('success', setting.unattended ? t('unattendedOn') : t('unattendedOff'));
    },
    onError: (error) => notify('error', error.message),
  });
  if (query.data === undefined) return null;
  const on = query.data.unattended;
  return (
    <p className="st-toolbar st-center" data-testid="unattended">
      <span className={`badge ${on ? 'badge-paid' : ''}`}>{on ? t('unattended') : t('attended')}</span>
      <button type="button" disabled={toggle.isPending} onClick={() => toggle.mutate(!on)}>
        {on ? t('makeAttended') : t('makeUnattended')}
      </button>
    </p>
  );
}
