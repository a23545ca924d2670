import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, unwrap, type Schemas } from '../../api';
import { DataTable } from '../../components/DataTable';
import { TextField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { Pager } from '../../components/Pager';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { useUrlState } from '../../urlState';
import './consumers.css';
import { consumerContact, consumerLabel } from './traits';

type Consumer = Schemas['ConsumerProfile'];
const page_size = 25;

export default function ConsumersPage() {
  const { t } = useTranslation('consumers');
  const { t: tc } = useTranslation();
  const { params, setParams, goTo } = useUrlState('cursor');
  const q = params.get('q')?.trim() || undefined;
  const cursor = params.get('cursor') ?? undefined;

  const query = useQuery({
    queryKey: ['consumers', { q, cursor }],
    queryFn: () => unwrap(bos.GET('/v1/consumers', { params: { query: { q, cursor, limit: page_size } } })),
    placeholderData: keepPreviousData,
  });

  function search(text: string | undefined) {
    setParams(text === undefined || text.trim() === '' ? {} : { q: text.trim() });
  }

  const firstPage = (
    <button type="button" onClick={() => goTo(undefined)}>
      {tc('previous')}
    </button>
  );

  return (
    <>
      <PageHeader title={t('title')}>
        <p className="muted">{t('subtitle')}</p>
      </PageHeader>
      <SearchBar key={q ?? ''} q={q} onSearch={search} />
      <QueryState
        query={query}
        isEmpty={(data) => data.data.length === 0}
        empty={
          q !== undefined ? (
            <>
              {t('emptySearch', { q })}{' '}
              <button type="button" onClick={() => search(undefined)}>
                {t('search.clear')}
              </button>
            </>
          ) : cursor !== undefined ? (
            <>
              {t('emptyPage')} {firstPage}
            </>
          ) : (
            t('emptyAll')
          )
        }
      >
        {(data) => (
          <>
            {q !== undefined && <p className="muted" role="status">{t('resultsFor', { count: data.data.length, q, more: data.next_cursor === null ? '' : '+' })}</p>}
            <ConsumersTable consumers={data.data} busy={query.isPlaceholderData} />
            <Pager label={t('pagination')} onFirst={cursor === undefined ? undefined : () => goTo(undefined)} onNext={data.next_cursor === null ? undefined : () => goTo(data.next_cursor ?? undefined)} />
          </>
        )}
      </QueryState>
    </>
  );
}

function SearchBar({ q, onSearch }: { q: string | undefined; onSearch: (text: string | undefined) => void }) {
  const { t } = useTranslation('consumers');
  const { t: tc } = useTranslation();
  const [text, setText] = useState(q ?? '');
  function submit(event: FormEvent) {
    event.preventDefault();
    onSearch(text);
  }
  return (
    <form className="toolbar consumers-search" role="search" onSubmit={submit}>
      <TextField label={t('search.label')} hint={t('search.hint')} type="search" name="q" maxLength={200} autoComplete="off" value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit" className="primary">
        {tc('search')}
      </button>
      {q !== undefined && (
        <button type="button" onClick={() => onSearch(undefined)}>
          {t('search.clear')}
        </button>
      )}
    </form>
  );
}

function ConsumersTable({ consumers, busy }: { consumers: Consumer[]; busy: boolean }) {
  const { t } = useTranslation('consumers');
  const f = useFormat();
  const currency = useSession().session?.merchant.default_currency ?? 'CNY';
  return (
    <DataTable
      caption={t('table.caption')}
      rows={consumers}
      rowKey={(c) => c.id}
      busy={busy}
      className="consumers-table-wrap"
      tableClassName="consumers-table"
      columns={[
        { label: t('table.consumer'), rowHeader: true, className: 'consumers-name', cell: (c) => <ConsumerCell consumer={c} /> },
        { label: t('table.firstSeen'), cell: (c) => <time dateTime={c.first_seen_at}>{f.dateTime(c.first_seen_at)}</time> },
        { label: t('table.lastSeen'), cell: (c) => <time dateTime={c.last_seen_at}>{f.dateTime(c.last_seen_at)}</time> },
        { label: t('table.orders'), num: true, cell: (c) => f.number(c.orders_count) },
        { label: t('table.spent', { currency }), num: true, cell: (c) => f.money(c.amount_spent_minor, currency) },
      ]}
    />
  );
}

function ConsumerCell({ consumer: c }: { consumer: Consumer }) {
  const { t } = useTranslation('consumers');
  const label = consumerLabel(c);
  const contact = consumerContact(c);
  return (
    <>
      <Link to={`/consumers/${c.id}`}>{label ?? t('unnamed')}</Link>
      {c.name !== null && contact !== undefined && <div className="consumers-email">{contact}</div>}
      <div className="mono muted">{c.id}</div>
    </>
  );
}
