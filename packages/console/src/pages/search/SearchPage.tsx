import '../recs/locale';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { Card } from '../../components/Card';
import { DataTable } from '../../components/DataTable';
import { FormError } from '../../components/Form';
import { TextField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { localTitle, useFormat } from '../../format';
import { useSession } from '../../session';
import { addSynonym, fetchSynonyms, fetchZeroResults, recsKeys, removeSynonym, trySearch, type Facets, type SearchAnswer, type SearchHit, type Synonym, type ZeroResult } from '../recs/api';
import { categoriesQuery, categoryLabel } from '../catalog/shared';
import '../recs/recs.css';

/**
 * Product search as the merchant sees it (docs/SEARCH.md): try a search as a shopper would (the
 * corrected query, the results, the facets), the brand's synonyms, and the searches that found
 * nothing, the demand the catalogue does not meet. The tried query is in the address (`?q=`); the
 * merchant's own tries are not shoppers' demand, so the platform neither logs them nor counts them
 * as search traffic (docs/SEARCH.md).
 */
export default function SearchPage() {
  const { t } = useTranslation('search');
  return (
    <div className="search-page">
      <PageHeader title={t('title')}>
        <p className="muted">{t('intro')}</p>
      </PageHeader>
      <div className="recs-grid search-grid">
        <TrySearch />
        <Synonyms />
        <ZeroResults />
      </div>
    </div>
  );
}

function TrySearch() {
  const { t } = useTranslation('search');
  const [params, setParams] = useSearchParams();
  const q = params.get('q')?.trim() || undefined;
  const [text, setText] = useState(q ?? '');
  const query = useQuery({ queryKey: recsKeys.search(q ?? ''), queryFn: () => trySearch(q!), enabled: q !== undefined });

  function submit(event: FormEvent) {
    event.preventDefault();
    const next = text.trim();
    if (next === '') return;
    setParams({ q: next });
  }

  return (
    <Card title={t('tryTitle')} className="recs-wide">
      <form className="recs-row" onSubmit={submit} role="search" aria-label={t('tryTitle')}>
        <TextField label={t('query')} hint={t('queryHint')} value={text} onChange={(e) => setText(e.target.value)} fieldClassName="field recs-grow" />
        <button type="submit" className="primary">
          {t('submit')}
        </button>
      </form>
      {q !== undefined && <QueryState query={query}>{(answer) => <Answer answer={answer} />}</QueryState>}
    </Card>
  );
}

function Answer({ answer }: { answer: SearchAnswer }) {
  const { t, i18n } = useTranslation('search');
  const f = useFormat();
  const corrected = answer.corrected_query ?? undefined;
  return (
    <div data-testid="search-answer">
      {corrected !== undefined && corrected !== answer.query && (
        <p role="status" data-testid="corrected-query">
          {t('corrected', { corrected, query: answer.query })}
        </p>
      )}
      <p className="muted" data-testid="search-total">
        {answer.total === 0 ? t('none', { query: answer.query }) : t('total', { count: answer.total })}
      </p>
      {answer.total > 0 && (
        <>
          <DataTable
            caption={t('caption')}
            testId="search-results"
            rows={answer.data}
            rowKey={(hit) => hit.product_id}
            columns={[
              { label: t('product'), rowHeader: true, cell: (hit: SearchHit) => <HitTitle hit={hit} language={i18n.language} /> },
              { label: t('price'), num: true, cell: (hit) => (hit.price === null ? '—' : hit.price.min_minor === hit.price.max_minor ? f.money(hit.price.min_minor, hit.price.currency) : `${f.money(hit.price.min_minor, hit.price.currency)} – ${f.money(hit.price.max_minor, hit.price.currency)}`) },
              { label: t('score'), num: true, cell: (hit) => f.number(Math.round(hit.score * 1000) / 1000) },
            ]}
          />
          <FacetsView facets={answer.facets} currency={answer.data.find((hit) => hit.price !== null)?.price?.currency} />
        </>
      )}
    </div>
  );
}

/** The title in the reader's language, and the product's other titles beneath (a shopper may have searched in either). */
function HitTitle({ hit, language }: { hit: SearchHit; language: string }) {
  const shown = localTitle(hit, language);
  const others = [...new Set([hit.title, ...Object.values(hit.title_i18n ?? {})])].filter((title) => title !== shown);
  return (
    <>
      {shown}
      {others.length > 0 && (
        <div className="muted recs-small" lang={others.some((o) => /[\u4e00-\u9fff]/.test(o)) ? 'zh-CN' : undefined}>
          {others.join(' · ')}
        </div>
      )}
    </>
  );
}

function FacetsView({ facets, currency }: { facets: Facets; currency: string | undefined }) {
  const { t } = useTranslation('search');
  const f = useFormat();
  const categories = useQuery(categoriesQuery);
  const money = (minor: number) => (currency === undefined ? f.number(minor) : f.money(minor, currency));
  const range = (p: Facets['price'][number]) =>
    p.to !== null ? (p.from === 0 ? t('priceUpTo', { to: money(p.to) }) : `${money(p.from)} – ${money(p.to)}`) : t('priceFrom', { from: money(p.from) });
  return (
    <section aria-labelledby="search-facets" data-testid="search-facets">
      <h3 id="search-facets">{t('facets')}</h3>
      <div className="recs-facets">
        {facets.category.length > 0 && (
          <div>
            <strong>{t('facetCategory')}</strong>
            <ul>
              {facets.category.map((c) => (
                <li key={c.value}>
                  {categories.data === undefined ? c.value : categoryLabel(categories.data, c.value)} ({f.number(c.count)})
                </li>
              ))}
            </ul>
          </div>
        )}
        {facets.price.length > 0 && (
          <div>
            <strong>{t('facetPrice')}</strong>
            <ul>
              {facets.price.map((p, i) => (
                <li key={i}>
                  {range(p)} ({f.number(p.count)})
                </li>
              ))}
            </ul>
          </div>
        )}
        {Object.entries(facets.attributes).map(([name, values]) => (
          <div key={name}>
            <strong>{name}</strong>
            <ul>
              {values.map((v) => (
                <li key={v.value}>
                  {v.value} ({f.number(v.count)})
                </li>
              ))}
            </ul>
          </div>
        ))}
        {facets.in_stock_nearby != null && <p>{t('facetInStock', { count: facets.in_stock_nearby })}</p>}
      </div>
    </section>
  );
}

function Synonyms() {
  const { t } = useTranslation('search');
  const { can } = useSession();
  const client = useQueryClient();
  const notify = useNotify();
  const query = useQuery({ queryKey: recsKeys.synonyms, queryFn: fetchSynonyms });
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const add = useMutation({
    mutationFn: addSynonym,
    onSuccess: () => {
      notify('success', t('synonymAdded'));
      setText('');
      void client.invalidateQueries({ queryKey: recsKeys.synonyms });
    },
  });
  const remove = useMutation({
    mutationFn: (s: Synonym) => removeSynonym(s.id),
    onSuccess: () => {
      notify('success', t('synonymRemoved'));
      void client.invalidateQueries({ queryKey: recsKeys.synonyms });
    },
    onError: (e) => notify('error', e.message),
  });
  const writable = can('search:write');

  function submit(event: FormEvent) {
    event.preventDefault();
    const terms = [...new Set(text.split(/[,，、;；\n]/).map((x) => x.trim()).filter((x) => x !== ''))];
    if (terms.length < 2) {
      setError(t('termsTooFew'));
      return;
    }
    setError(undefined);
    add.mutate(terms);
  }

  return (
    <Card title={t('synonymsTitle')}>
      <p className="muted">{t('synonymsIntro')}</p>
      {writable && (
        <form className="recs-row" onSubmit={submit}>
          <TextField label={t('terms')} hint={t('termsHint')} value={text} onChange={(e) => setText(e.target.value)} fieldClassName="field recs-grow" />
          <button type="submit" disabled={add.isPending} aria-busy={add.isPending}>
            {t('addSynonym')}
          </button>
        </form>
      )}
      <FormError message={error ?? add.error?.message} />
      <QueryState query={query}>
        {(synonyms) => (
          <DataTable
            bare
            caption={t('synonymsCaption')}
            testId="synonyms"
            rows={synonyms}
            rowKey={(s) => s.id}
            emptyRow={t('noSynonyms')}
            columns={[
              {
                label: t('terms'),
                rowHeader: true,
                cell: (s: Synonym) => (
                  <span className="recs-terms">
                    {s.terms.map((term) => (
                      <span key={term} className="badge">
                        {term}
                      </span>
                    ))}
                  </span>
                ),
              },
              writable && {
                label: t('removeSynonym'),
                hidden: true,
                cell: (s) => (
                  <button type="button" aria-label={t('removeSynonymLabel', { terms: s.terms.join(', ') })} disabled={remove.isPending} onClick={() => remove.mutate(s)}>
                    {t('removeSynonym')}
                  </button>
                ),
              },
            ]}
          />
        )}
      </QueryState>
    </Card>
  );
}

function ZeroResults() {
  const { t } = useTranslation('search');
  const f = useFormat();
  const query = useQuery({ queryKey: recsKeys.zeroResults, queryFn: fetchZeroResults });
  return (
    <Card title={t('zeroTitle')}>
      <p className="muted">{t('zeroIntro')}</p>
      <QueryState query={query}>
        {(rows) => (
          <DataTable
            bare
            caption={t('zeroCaption')}
            testId="zero-results"
            rows={rows}
            rowKey={(r) => `${r.day} ${r.query}`}
            emptyRow={t('noZero')}
            columns={[
              { label: t('searched'), rowHeader: true, cell: (r: ZeroResult) => r.query },
              { label: t('day'), cell: (r) => f.day(r.day) },
              { label: t('times'), num: true, cell: (r) => f.number(r.count) },
              { label: t('lastAt'), cell: (r) => f.dateTime(r.last_at) },
            ]}
          />
        )}
      </QueryState>
    </Card>
  );
}
