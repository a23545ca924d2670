import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../../components/DataTable';
import { FormError } from '../../components/Form';
import { SelectField, TextField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { localTitle, useFormat } from '../../format';
import { useSession } from '../../session';
import { addRule, fetchRules, placements, recsKeys, removeRule, searchProducts, type Placement, type Rule, type RuleKind } from './api';

interface Picked {
  id: string;
  title: string;
}

/** Pins (shown first) and exclusions (never recommended), for one placement or all: add by finding a product, remove from the list. */
export function RulesTab() {
  const { t } = useTranslation('recs');
  const { can } = useSession();
  const query = useQuery({ queryKey: recsKeys.rules, queryFn: fetchRules });
  return (
    <>
      <p className="muted">{t('rules.intro')}</p>
      {can('recs:write') && <AddRule />}
      <QueryState query={query}>{(rules) => <RulesTable rules={rules} />}</QueryState>
    </>
  );
}

function AddRule() {
  const { t, i18n } = useTranslation('recs');
  const client = useQueryClient();
  const notify = useNotify();
  const [kind, setKind] = useState<RuleKind>('exclude');
  const [placement, setPlacement] = useState<Placement | 'all'>('all');
  const [text, setText] = useState('');
  const [q, setQ] = useState<string | undefined>(undefined);
  const [picked, setPicked] = useState<Picked | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const found = useQuery({ queryKey: ['products', 'pick', q], queryFn: () => searchProducts(q!), enabled: q !== undefined });
  const add = useMutation({
    mutationFn: (p: Picked) => addRule({ kind, product_id: p.id, placement: placement === 'all' ? null : placement }),
    onSuccess: () => {
      notify('success', t('rules.added'));
      setPicked(undefined);
      setQ(undefined);
      setText('');
      void client.invalidateQueries({ queryKey: recsKeys.rules });
    },
  });

  function find(event: FormEvent) {
    event.preventDefault();
    if (text.trim() !== '') setQ(text.trim());
  }

  function submit() {
    if (picked === undefined) {
      setError(t('rules.pickFirst'));
      return;
    }
    setError(undefined);
    add.mutate(picked);
  }

  return (
    <section className="card recs-form" aria-labelledby="recs-add-rule">
      <h2 id="recs-add-rule">{t('rules.add')}</h2>
      <form className="recs-row" onSubmit={find} role="search" aria-label={t('rules.findProduct')}>
        <TextField label={t('rules.findProduct')} value={text} onChange={(e) => setText(e.target.value)} fieldClassName="field recs-grow" />
        <button type="submit">{t('rules.find')}</button>
      </form>
      {q !== undefined && (
        <QueryState query={found}>
          {(products) =>
            products.length === 0 ? (
              <p className="muted">{t('rules.noProducts', { q })}</p>
            ) : (
              <ul className="recs-picks" aria-label={t('rules.productResults')} data-testid="product-picks">
                {products.map((p) => {
                  const title = localTitle(p, i18n.language);
                  return (
                    <li key={p.id}>
                      <button type="button" aria-pressed={picked?.id === p.id} onClick={() => setPicked({ id: p.id, title })}>
                        {t('rules.pick')}
                      </button>{' '}
                      {title} <span className="muted">{p.status}</span>
                    </li>
                  );
                })}
              </ul>
            )
          }
        </QueryState>
      )}
      {picked !== undefined && (
        <p role="status" data-testid="picked-product">
          {t('rules.picked', { title: picked.title })}
        </p>
      )}
      <div className="recs-row">
        <SelectField label={t('rules.kind')} value={kind} onChange={(e) => setKind(e.target.value as RuleKind)} fieldClassName="field recs-inline">
          <option value="exclude">{t('rules.kinds.exclude')}</option>
          <option value="pin">{t('rules.kinds.pin')}</option>
        </SelectField>
        <SelectField label={t('rules.placement')} value={placement} onChange={(e) => setPlacement(e.target.value as Placement | 'all')} fieldClassName="field recs-inline">
          <option value="all">{t('placementNames.all')}</option>
          {placements.map((p) => (
            <option key={p} value={p}>
              {t(`placementNames.${p}`)}
            </option>
          ))}
        </SelectField>
        <button type="button" className="primary" onClick={submit} disabled={add.isPending} aria-busy={add.isPending}>
          {add.isPending ? t('rules.adding') : t('rules.add')}
        </button>
      </div>
      <FormError message={error ?? add.error?.message} />
    </section>
  );
}

function RulesTable({ rules }: { rules: Rule[] }) {
  const { t } = useTranslation('recs');
  const f = useFormat();
  const { can } = useSession();
  const client = useQueryClient();
  const notify = useNotify();
  const remove = useMutation({
    mutationFn: (rule: Rule) => removeRule(rule.id),
    onSuccess: () => {
      notify('success', t('rules.removed'));
      void client.invalidateQueries({ queryKey: recsKeys.rules });
    },
    onError: (e) => notify('error', e.message),
  });
  const name = (r: Rule) => r.title ?? r.product_id;
  return (
    <DataTable
      caption={t('rules.caption')}
      testId="recs-rules"
      rows={rules}
      rowKey={(r) => r.id}
      emptyRow={t('rules.none')}
      columns={[
        { label: t('rules.product'), rowHeader: true, cell: (r: Rule) => name(r) },
        { label: t('rules.kind'), cell: (r) => <span className={`badge recs-${r.kind}`}>{t(`rules.kinds.${r.kind}`)}</span> },
        { label: t('rules.placement'), cell: (r) => t(`placementNames.${r.placement ?? 'all'}`, { defaultValue: r.placement ?? '' }) },
        { label: t('rules.created'), cell: (r) => f.dateTime(r.created_at) },
        can('recs:write') && {
          label: t('rules.remove'),
          hidden: true,
          cell: (r) => (
            <button type="button" aria-label={t('rules.removeLabel', { title: name(r) })} disabled={remove.isPending} onClick={() => remove.mutate(r)}>
              {t('rules.remove')}
            </button>
          ),
        },
      ]}
    />
  );
}
