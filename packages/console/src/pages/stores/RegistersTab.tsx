import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { fetchRegisters, fetchTillSessions, storeKeys, type TillSession } from './api';

/** The store's registers, and the clerks' till sessions at them with their totals. */
export function RegistersTab({ location_id }: { location_id: string }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const query = useQuery({
    queryKey: storeKeys.registers(location_id),
    queryFn: async () => {
      const [registers, sessions] = await Promise.all([fetchRegisters(location_id), fetchTillSessions(location_id)]);
      return { registers, sessions };
    },
  });
  return (
    <QueryState query={query}>
      {({ registers, sessions }) => {
        const registerName = (id: string) => registers.find((r) => r.id === id)?.name ?? id;
        const money = (s: TillSession, minor: number | null | undefined) => (minor == null ? '—' : f.money(minor, s.currency ?? 'CNY'));
        return (
          <div className="st-grid">
            <Card title={t('registersTitle')} className="st-wide">
              {registers.length === 0 ? (
                <p className="muted">{t('noRegisters')}</p>
              ) : (
                <DataTable
                  bare
                  caption={t('registersCaption')}
                  testId="store-registers"
                  rows={registers}
                  rowKey={(r) => r.id}
                  columns={[
                    { label: t('register'), rowHeader: true, cell: (r) => r.name },
                    { label: 'ID', cell: (r) => <span className="mono">{r.id}</span> },
                    { label: t('status'), cell: (r) => (r.status === undefined ? '—' : <span className="badge">{r.status}</span>) },
                  ]}
                />
              )}
            </Card>
            <Card title={t('tillsTitle')} className="st-wide">
              {sessions.length === 0 ? (
                <p className="muted">{t('noTills')}</p>
              ) : (
                <DataTable
                  bare
                  caption={t('tillsCaption')}
                  testId="store-tills"
                  rows={sessions}
                  rowKey={(s) => s.id}
                  columns={[
                    { label: t('register'), rowHeader: true, cell: (s) => registerName(s.register_id) },
                    { label: t('clerk'), cell: (s) => s.clerk ?? '—' },
                    { label: t('status'), cell: (s) => <span className="badge">{s.status}</span> },
                    { label: t('opened'), cell: (s) => f.dateTime(s.opened_at) },
                    { label: t('closedAt'), cell: (s) => (s.closed_at == null ? '—' : f.dateTime(s.closed_at)) },
                    { label: t('float'), num: true, cell: (s) => money(s, s.opening_float_minor) },
                    { label: t('salesCount'), num: true, cell: (s) => (s.totals === undefined ? '—' : f.number(s.totals.sales)) },
                    { label: t('takings'), num: true, cell: (s) => money(s, s.totals?.gross_minor) },
                    { label: t('refunds'), num: true, cell: (s) => money(s, s.totals?.refunds_minor) },
                    { label: t('cash'), num: true, cell: (s) => `${money(s, s.totals?.expected_cash_minor)} / ${money(s, s.totals?.counted_cash_minor)}` },
                  ]}
                />
              )}
            </Card>
          </div>
        );
      }}
    </QueryState>
  );
}
