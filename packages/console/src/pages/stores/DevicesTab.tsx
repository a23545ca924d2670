import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../../components/DataTable';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { fetchDevices, storeKeys, type Device } from './api';

/** The store's gates, shelves, screens and registers with their health: online or not, last seen, events and errors. */
export function DevicesTab({ location_id }: { location_id: string }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const query = useQuery({ queryKey: storeKeys.devices(location_id), queryFn: () => fetchDevices(location_id), refetchInterval: 30_000 });
  return (
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
  );
}
