import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { bos, OpenBosError, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { useFormat } from '../../format';
import { audienceQuery, estimate, storesQuery, traitsQuery, type AudienceDetail, type Estimate } from './api';
import { fromRule, leafKinds, newGroup, newLeaf, toRule, updateNode, type FormNode, type GroupMode, type LeafKind } from './rule-form';
import './audiences.css';

/** New or saved audience: its name and a rule built from conditions and groups, with its size live as the operator types. */
export default function AudienceBuilder() {
  const { audienceId } = useParams();
  const saved = useQuery({ ...audienceQuery(audienceId ?? ''), enabled: audienceId !== undefined });
  if (audienceId !== undefined && saved.data === undefined) return null;
  return <Builder key={audienceId ?? 'new'} audience={saved.data} />;
}

function Builder({ audience }: { audience: AudienceDetail | undefined }) {
  const { t } = useTranslation('audiences');
  const notify = useNotify();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [name, setName] = useState(audience?.name ?? '');
  const [description, setDescription] = useState(audience?.description ?? '');
  const [track, setTrack] = useState(audience?.track_membership ?? false);
  const [root, setRoot] = useState<FormNode>(() => (audience === undefined ? { ...newGroup('and'), children: [newLeaf('trait')] } : fromRule(audience.rule)));
  const rule = toRule(root);
  const save = useMutation({
    mutationFn: async () => {
      if (rule === undefined) throw new Error('empty rule');
      const body = { name, ...(description === '' ? {} : { description }), rule, track_membership: track };
      return audience === undefined
        ? unwrap(bos.POST('/v1/audiences', { body }))
        : unwrap(bos.PATCH('/v1/audiences/{audience_id}', { params: { path: { audience_id: audience.id } }, body }));
    },
    onSuccess: async (result) => {
      await client.invalidateQueries({ queryKey: ['audiences'] });
      notify('success', t('builder.saved', { name: result.name }));
      await navigate(`/audiences/${result.id}`);
    },
    onError: (error) => notify('error', error instanceof OpenBosError ? error.message : String(error)),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <>
      <PageHeader title={audience === undefined ? t('builder.newTitle') : t('builder.editTitle')}>
        <p className="muted">{t('intro')}</p>
      </PageHeader>
      <form className="audience-builder" onSubmit={submit}>
        <Card title={t('builder.conditions')}>
          <GroupEditor node={root} onChange={(id, change) => setRoot((r) => updateNode(r, id, change))} isRoot />
        </Card>
        <LiveSize rule={rule} />
        <Card title={t('name')}>
          <label className="field">
            <span>{t('name')}</span>
            <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label className="field">
            <span>{t('description')}</span>
            <input maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} />
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={track} onChange={(e) => setTrack(e.target.checked)} /> {t('tracked')}
          </label>
          <p className="muted">{t('trackHint')}</p>
          <div className="actions">
            <button className="button primary" type="submit" disabled={rule === undefined || name.trim() === '' || save.isPending}>
              {t('builder.save')}
            </button>
            <Link to="/audiences">{t('detail.back')}</Link>
          </div>
        </Card>
      </form>
    </>
  );
}

/** The rule's size, asked again 300 ms after the operator stops typing; an answer to an older rule is dropped. */
function LiveSize({ rule }: { rule: ReturnType<typeof toRule> }) {
  const { t } = useTranslation('audiences');
  const f = useFormat();
  const [answer, setAnswer] = useState<Estimate | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [pending, setPending] = useState(false);
  const asked = useRef(0);
  const text = rule === undefined ? '' : JSON.stringify(rule);
  useEffect(() => {
    if (text === '') return;
    const seq = ++asked.current;
    setPending(true);
    const timer = setTimeout(() => {
      estimate(JSON.parse(text) as NonNullable<typeof rule>).then(
        (result) => {
          if (seq !== asked.current) return;
          setAnswer(result);
          setProblem(undefined);
          setPending(false);
        },
        (error: unknown) => {
          if (seq !== asked.current) return;
          setProblem(error instanceof OpenBosError ? error.message : String(error));
          setPending(false);
        },
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [text]);
  return (
    <Card title={t('builder.liveSize')} className="audience-live">
      <output aria-live="polite">
        {problem !== undefined ? (
          <span className="error">{problem}</span>
        ) : answer === undefined ? (
          <span className="muted">{t('builder.estimating')}</span>
        ) : (
          <>
            <strong className="audience-size">{t('builder.consumers', { n: f.number(answer.size) })}</strong>
            <span className="muted"> {t('builder.answeredBy', { path: answer.path, ms: answer.took_ms })}</span>
            {pending ? <span className="muted"> · {t('builder.estimating')}</span> : null}
            <p className="muted">{answer.summary}</p>
          </>
        )}
      </output>
    </Card>
  );
}

type Change = (id: number, change: (node: FormNode) => FormNode | undefined) => void;

function GroupEditor({ node, onChange, isRoot = false }: { node: FormNode; onChange: Change; isRoot?: boolean }) {
  const { t } = useTranslation('audiences');
  if (node.type !== 'group') return null;
  const add = (child: FormNode) => onChange(node.id, (n) => (n.type === 'group' ? { ...n, children: [...n.children, child] } : n));
  return (
    <fieldset className="audience-group">
      <legend>
        <select aria-label={t('builder.conditions')} value={node.mode} onChange={(e) => onChange(node.id, (n) => (n.type === 'group' ? { ...n, mode: e.target.value as GroupMode } : n))}>
          <option value="and">{t('builder.all')}</option>
          <option value="or">{t('builder.any')}</option>
          <option value="not">{t('builder.none')}</option>
        </select>
        {isRoot ? null : (
          <button type="button" className="link" onClick={() => onChange(node.id, () => undefined)}>
            {t('builder.remove')}
          </button>
        )}
      </legend>
      {node.children.map((child) =>
        child.type === 'group' ? <GroupEditor key={child.id} node={child} onChange={onChange} /> : <LeafEditor key={child.id} node={child} onChange={onChange} />,
      )}
      <div className="actions">
        <select aria-label={t('builder.add')} value="" onChange={(e) => e.target.value !== '' && add(newLeaf(e.target.value as LeafKind))}>
          <option value="">{t('builder.add')}…</option>
          {leafKinds.map((k) => (
            <option key={k} value={k}>
              {t(`builder.kindOf.${k}`)}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => add(newGroup('or'))}>
          {t('builder.addGroup')}
        </button>
      </div>
    </fieldset>
  );
}

function LeafEditor({ node, onChange }: { node: FormNode; onChange: Change }) {
  const { t } = useTranslation('audiences');
  const traits = useQuery(traitsQuery);
  const stores = useQuery(storesQuery);
  if (node.type === 'group') return null;
  if (node.type === 'raw')
    return (
      <div className="audience-leaf">
        <code>{JSON.stringify(node.rule)}</code>
        <button type="button" className="link" onClick={() => onChange(node.id, () => undefined)}>
          {t('builder.remove')}
        </button>
      </div>
    );
  const f = node.fields;
  const set = (key: string) => (value: string) => onChange(node.id, (n) => (n.type === 'leaf' ? { ...n, fields: { ...n.fields, [key]: value } } : n));
  const input = (key: string, label: string, extra: { type?: string; list?: string } = {}) => (
    <label className="field" key={key}>
      <span>{label}</span>
      <input value={f[key] ?? ''} onChange={(e) => set(key)(e.target.value)} {...extra} />
    </label>
  );
  const select = (key: string, label: string, options: [string, string][]) => (
    <label className="field" key={key}>
      <span>{label}</span>
      <select value={f[key] ?? ''} onChange={(e) => set(key)(e.target.value)}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
  const ops: [string, string][] = ['eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'exists', 'contains'].map((o) => [o, o]);
  let fields;
  switch (node.kind) {
    case 'trait':
      fields = [input('trait', t('builder.trait'), { list: `traits-${node.id}` }), select('op', t('builder.op'), ops), f.op === 'exists' ? null : input('value', t('builder.value'))];
      break;
    case 'event':
      fields = [input('event', t('builder.event')), select('did', '', [['true', t('builder.did')], ['false', t('builder.didNot')]]), input('min_count', t('builder.minCount'), { type: 'number' }), input('within_days', t('builder.withinDays'), { type: 'number' })];
      break;
    case 'stage':
      fields = [select('stage', t('builder.stages'), (['aware', 'interested', 'purchased', 'loyal'] as const).map((s) => [s, t(`builder.stageOf.${s}`)]))];
      break;
    case 'purchase':
      fields = [input('recency_max', t('builder.recencyMax'), { type: 'number' }), input('frequency_min', t('builder.frequencyMin'), { type: 'number' }), input('monetary_min', t('builder.monetaryMin'), { type: 'number' })];
      break;
    case 'near':
      fields = [
        select('location_id', t('builder.location'), [['', '—'], ...(stores.data?.data ?? []).map((s): [string, string] => [s.id, s.name])]),
        input('radius_km', t('builder.radius'), { type: 'number' }),
        select('how', t('builder.how'), (['either', 'lives', 'seen'] as const).map((h) => [h, t(`builder.howOf.${h}`)])),
        f.how === 'lives' ? null : input('within_days', t('builder.withinDays'), { type: 'number' }),
      ];
      break;
    case 'consent':
      fields = [
        select('purpose', t('builder.purpose'), ['marketing', 'personalisation', 'analytics'].map((p) => [p, p])),
        select('channel', t('builder.channel'), [['', t('builder.anyChannel')], ...['email', 'sms', 'push', 'webhook', 'feed', 'screen'].map((c): [string, string] => [c, c])]),
      ];
      break;
  }
  return (
    <div className="audience-leaf">
      <strong>{t(`builder.kindOf.${node.kind}`)}</strong>
      {fields}
      {node.kind === 'trait' ? (
        <datalist id={`traits-${node.id}`}>
          {(traits.data?.traits ?? []).map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
      ) : null}
      <button type="button" className="link" onClick={() => onChange(node.id, () => undefined)}>
        {t('builder.remove')}
      </button>
    </div>
  );
}
