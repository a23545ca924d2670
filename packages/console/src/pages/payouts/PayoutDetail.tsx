import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { bos, OpenBosError, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { useNotify } from '../../components/Notices';
import { DataTable } from '../../components/DataTable';
import { PageHeader } from '../../components/PageHeader';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { downloadText, statementAddsUp, statementCsv, statementFileName, statementTotals, type PayoutStatement } from './csv';
import { GuardedQueryState, NotAllowed } from './shared';
import './payouts.css';

/** A payout and its statement: every order, commission and refund that makes up the amount. */
export default function PayoutDetailPage() {
  const { t } = useTranslation('payouts');
  const { payoutId = '' } = useParams();
  const { can } = useSession();
  const f = useFormat();
  const allowed = can('payouts:read');
  const query = useQuery({
    queryKey: ['payout', payoutId],
    queryFn: (): Promise<PayoutStatement> => unwrap(bos.GET('/v1/payouts/{payout_id}', { params: { path: { payout_id: payoutId } } })),
    enabled: allowed,
  });
  const payout = query.data;
  // A malformed ID is refused as invalid (400), an unknown one as not found (404): both mean no such payout.
  const missing = query.isError && query.error instanceof OpenBosError && (query.error.status === 404 || query.error.status === 400);
  return (
    <>
      <p className="payout-back">
        <Link to="/payouts">{t('detail.back')}</Link>
      </p>
      <div className="payout-title">
        <PageHeader title={t('detail.title', { id: payoutId })} actions={payout === undefined ? undefined : <DownloadCsv payout={payout} />}>
          {payout !== undefined && (
            <p className="payout-headline">
              <span className="payout-amount" data-testid="payout-amount">
                {f.money(payout.amount_minor, payout.currency)}
              </span>
              <span className="muted">
                {t('detail.paidOn', { date: f.dateTime(payout.created_at) })} · {t('detail.orders', { count: payout.items.length })} · {payout.requested_by === null ? t('detail.scheduled') : t('detail.requested')}
              </span>
            </p>
          )}
        </PageHeader>
      </div>
      {!allowed ? (
        <NotAllowed />
      ) : missing ? (
        <p className="empty">
          {t('detail.notFound')} <Link to="/payouts">{t('detail.back')}</Link>
        </p>
      ) : (
        <GuardedQueryState query={query}>{(p) => <PayoutBody payout={p} />}</GuardedQueryState>
      )}
    </>
  );
}

function DownloadCsv({ payout }: { payout: PayoutStatement }) {
  const { t } = useTranslation('payouts');
  const notify = useNotify();
  function download() {
    const file = statementFileName(payout);
    const headings = {
      payout: t('csv.payout'),
      paidOutAt: t('csv.paidOutAt'),
      order: t('csv.order'),
      payment: t('csv.payment'),
      currency: t('csv.currency'),
      gross: t('csv.gross'),
      commission: t('csv.commission'),
      refunded: t('csv.refunded'),
      net: t('csv.net'),
      total: t('csv.total'),
    };
    downloadText(statementCsv(payout, headings), file);
    notify('success', t('detail.downloaded', { file }));
  }
  return (
    <button type="button" className="primary" onClick={download}>
      {t('detail.download')}
    </button>
  );
}

function PayoutBody({ payout }: { payout: PayoutStatement }) {
  const { t } = useTranslation('payouts');
  const addsUp = statementAddsUp(payout);
  return (
    <>
      {!addsUp && (
        <div className="error-state payout-mismatch" role="alert">
          <p>{t('detail.mismatch')}</p>
        </div>
      )}
      <Summary payout={payout} />
      <Statement payout={payout} />
    </>
  );
}

/** Gross, less commission and refunds, is what was paid out. */
function Summary({ payout: p }: { payout: PayoutStatement }) {
  const { t } = useTranslation('payouts');
  const f = useFormat();
  const money = (minor: number) => f.money(minor, p.currency);
  const figures = [
    { key: 'gross', sign: '', label: t('detail.gross'), hint: t('detail.grossHint'), value: money(p.gross_minor) },
    { key: 'commission', sign: '−', label: t('detail.commission'), hint: undefined, value: money(p.commission_minor) },
    { key: 'refunded', sign: '−', label: t('detail.refunded'), hint: undefined, value: money(p.refunded_minor) },
    { key: 'net', sign: '=', label: t('detail.net'), hint: undefined, value: money(p.amount_minor) },
  ];
  return (
    <Card title={t('detail.summary')} className="payout-summary">
      <dl className="payout-figures">
        {figures.map((x) => (
          <div key={x.key} className={`payout-figure payout-figure-${x.key}`}>
            <dt>
              {x.sign !== '' && (
                <span className="payout-sign" aria-hidden="true">
                  {x.sign}
                </span>
              )}
              {x.label}
            </dt>
            <dd data-testid={`summary-${x.key}`}>{x.value}</dd>
            {x.hint !== undefined && <dd className="muted payout-figure-hint">{x.hint}</dd>}
          </div>
        ))}
      </dl>
    </Card>
  );
}

/** Every order in the payout, with column totals that add up to the summary. */
function Statement({ payout: p }: { payout: PayoutStatement }) {
  const { t } = useTranslation('payouts');
  const f = useFormat();
  const money = (minor: number) => f.money(minor, p.currency);
  const totals = statementTotals(p.items);
  return (
    <Card title={t('detail.statement')} className="payout-statement">
      {p.items.length === 0 ? (
        <p className="empty">{t('detail.noItems')}</p>
      ) : (
        <DataTable
          caption={t('detail.caption', { count: p.items.length })}
          captionVisible
          rows={p.items}
          rowKey={(i) => i.payment_id}
          tableClassName="payouts-table"
          testId="statement-table"
          columns={[
            {
              label: t('detail.order'),
              rowHeader: true,
              cell: (i) => (
                <Link to={`/orders/${encodeURIComponent(i.order_id)}`} className="mono">
                  {i.order_id}
                </Link>
              ),
            },
            { label: t('detail.payment'), className: 'mono muted', cell: (i) => i.payment_id },
            { label: t('detail.itemGross'), num: true, cell: (i) => money(i.gross_minor) },
            { label: t('detail.itemCommission'), num: true, cell: (i) => money(i.commission_minor) },
            { label: t('detail.itemRefunded'), num: true, cell: (i) => money(i.refunded_minor) },
            { label: t('detail.itemNet'), num: true, cell: (i) => money(i.net_minor) },
          ]}
          footer={
            <tfoot>
              <tr>
                <th scope="row" colSpan={2}>
                  {t('detail.total')}
                </th>
                {(['gross', 'commission', 'refunded', 'net'] as const).map((k) => (
                  <td key={k} className="num" data-testid={`total-${k}`}>
                    {money(totals[`${k}_minor`])}
                  </td>
                ))}
              </tr>
            </tfoot>
          }
        />
      )}
    </Card>
  );
}
