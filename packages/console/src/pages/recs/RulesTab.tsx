import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../../components/DataTable';
import { FormError } from '../../components/Form';
import { SelectField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { addRule, fetchRules, placements, recsKeys, removeRule, type Placement, type Rule, type RuleAction } from './api';
import { ProductPicker, ProductTitle, useProductTitle, type Picked } from './ProductPicker';

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
  const { t } = useTranslation('recs');
  const client = useQueryClient();
  const notify = useNotify();
  const [action, setAction] = useState<RuleAction>('exclude');
  const [placement, setPlacement] = useState<Placement | 'all'>('all');
  const [picked, setPicked] = useState<Picked | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [round, setRound] = useState(0);
  const add = useMutation({
    mutationFn: (p: Picked) => addRule({ action, product_id: p.id, placement: placement === 'all' ? null : placement }),
    onSuccess: () => {
      notify('success', t('rules.added'));
      setPicked(undefined);
      setRound((r) => r + 1);
      void client.invalidateQueries({ queryKey: recsKeys.rules });
    },
  });

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
      <h2 id="recs-add-rule">{t('rules.addTitle')}</h2>
      <ProductPicker key={round} label={t('rules.findProduct')} picked={picked} onPick={setPicked} />
      <div className="recs-row">
        <SelectField label={t('rules.kind')} value={action} onChange={(e) => setAction(e.target.value as RuleAction)} fieldClassName="field recs-inline">
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

function RemoveButton({ rule, busy, onRemove }: { rule: Rule; busy: boolean; onRemove: (rule: Rule) => void }) {
  const { t } = useTranslation('recs');
  const title = useProductTitle(rule.product_id) ?? rule.product_id;
  return (
    <button type="button" aria-label={t('rules.removeLabel', { title })} disabled={busy} onClick={() => onRemove(rule)}>
      {t('rules.remove')}
    </button>
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
  return (
    <DataTable
      caption={t('rules.caption')}
      testId="recs-rules"
      rows={rules}
      rowKey={(r) => r.id}
      emptyRow={t('rules.none')}
      columns={[
        { label: t('rules.product'), rowHeader: true, cell: (r: Rule) => <ProductTitle product_id={r.product_id} /> },
        { label: t('rules.kind'), cell: (r) => <span className={`badge recs-${r.action}`}>{r.action === 'pin' && r.position !== null ? t('rules.pinAt', { position: r.position }) : t(`rules.kinds.${r.action}`)}</span> },
        { label: t('rules.placement'), cell: (r) => t(`placementNames.${r.placement ?? 'all'}`, { defaultValue: r.placement ?? '' }) },
        { label: t('rules.created'), cell: (r) => f.dateTime(r.created_at) },
        can('recs:write') && { label: t('rules.remove'), hidden: true, cell: (r) => <RemoveButton rule={r} busy={remove.isPending} onRemove={(rule) => remove.mutate(rule)} /> },
      ]}
    />
  );
}
