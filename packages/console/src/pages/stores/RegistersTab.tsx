import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { fetchRegisters, fetchTillSession, storeKeys, type Register, type TillSession } from './api';

/** The store's registers, each with the clerk's session open at it and that session's totals as they stand. */
export function RegistersTab({ location_id }: { location_id: string }) {
  const { t } = useTranslation('stores');
  const f = useFormat();
  const query = useQuery({
    queryKey: storeKeys.registers(location_id),
    queryFn: async () => {
      const registers = await fetchRegisters(location_id);
      const open = registers.map((r) => r.open_session_id).filter((id): id is string => id !== null);
      const sessions = await Promise.all(open.map(fetchTillSession));
      return { registers, sessions };
    },
    refetchInterval: 30_000,
  });
  return (
    <QueryState query={query}>
      {({ registers, sessions }) => {
        const registerName = (id: string) => registers.find((r) => r.id === id)?.name ?? id;
        const money = (s: TillSession, minor: number | null) => (minor === null ? '—' : f.money(minor, s.totals.currency));
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
                    { label: t('register'), rowHeader: true, cell: (r: Register) => r.name },
                    { label: 'ID', cell: (r: Register) => <span className="mono">{r.id}</span> },
                    { label: t('status'), cell: (r: Register) => <span className={`badge ${r.open_session_id === null ? '' : 'badge-paid'}`}>{r.open_session_id === null ? t('registerIdle') : t('registerOpen')}</span> },
                    { label: t('since'), cell: (r: Register) => f.dateTime(r.created_at) },
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
                    { label: t('register'), rowHeader: true, cell: (s: TillSession) => registerName(s.register_id) },
                    { label: t('clerk'), cell: (s: TillSession) => <span className="mono">{s.opened_by}</span> },
                    { label: t('opened'), cell: (s: TillSession) => f.dateTime(s.opened_at) },
                    { label: t('float'), num: true, cell: (s: TillSession) => money(s, s.opening_float_minor) },
                    { label: t('salesCount'), num: true, cell: (s: TillSession) => f.number(s.totals.sales_count) },
                    { label: t('takings'), num: true, cell: (s: TillSession) => money(s, s.totals.net_minor) },
                    { label: t('refunds'), num: true, cell: (s: TillSession) => `${f.number(s.totals.refunds_count)} · ${money(s, s.totals.refunds_minor)}` },
                    { label: t('byMethod'), cell: (s: TillSession) => Object.entries(s.totals.by_method).map(([m, v]) => `${t(`methods.${m}`, { defaultValue: m })} ${money(s, v)}`).join(', ') || '—' },
                    { label: t('cash'), num: true, cell: (s: TillSession) => money(s, s.totals.expected_cash_minor) },
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
