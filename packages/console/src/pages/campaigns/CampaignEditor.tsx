import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { bos, OpenBosError, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { SelectField, TextAreaField, TextField } from '../../components/Field';
import { FormError } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { PageHeader } from '../../components/PageHeader';
import { useSession } from '../../session';
import { actionsOf, campaignAction, campaignQuery, type Campaign, type CampaignAction, type CampaignEntry, type CampaignStep } from './api';
import './campaigns.css';

type EntryKind = CampaignEntry['kind'];
type StepKind = CampaignStep['kind'];
const channels = ['email', 'sms', 'push', 'webhook', 'feed', 'screen'] as const;

const newStep = (kind: StepKind, index: number): CampaignStep => {
  switch (kind) {
    case 'send':
      return { kind, channel: 'email', message: { subject: '', text: '' } };
    case 'wait':
      return { kind, days: 2 };
    case 'branch':
      return { kind, if: { event: 'Order Paid', since: 'entry', where: [] }, then: index + 1, else: index + 1 };
    case 'coupon':
      return { kind, promotion_id: '' };
    case 'exit':
      return { kind };
  }
};

const localInput = (iso: string | null | undefined) => (iso == null ? '' : new Date(iso).toISOString().slice(0, 16));
const isoOf = (local: string) => (local === '' ? null : new Date(local).toISOString());

/** A campaign's editor: its entry, its steps, its control share and schedule; a started one shows its counts and lifecycle. */
export default function CampaignEditor() {
  const { t } = useTranslation('campaigns');
  const { campaignId } = useParams();
  const existing = useQuery({ ...campaignQuery(campaignId ?? ''), enabled: campaignId !== undefined });
  if (campaignId !== undefined && existing.data === undefined) return <PageHeader title={t('title')} />;
  return <Editor campaign={existing.data} />;
}

function Editor({ campaign }: { campaign: Campaign | undefined }) {
  const { t } = useTranslation('campaigns');
  const { can } = useSession();
  const navigate = useNavigate();
  const notify = useNotify();
  const client = useQueryClient();
  const [name, setName] = useState(campaign?.name ?? '');
  const [entryKind, setEntryKind] = useState<EntryKind>(campaign?.entry.kind ?? 'audience');
  const [audienceId, setAudienceId] = useState(campaign !== undefined && 'audience_id' in campaign.entry ? (campaign.entry.audience_id ?? '') : '');
  const [rule, setRule] = useState(campaign !== undefined && 'rule' in campaign.entry && campaign.entry.rule !== undefined ? JSON.stringify(campaign.entry.rule, null, 2) : '{ "kind": "consent", "purpose": "marketing" }');
  const [event, setEvent] = useState(campaign?.entry.kind === 'event' ? campaign.entry.event : 'Signed Up');
  const [at, setAt] = useState(campaign?.entry.kind === 'date' ? localInput(campaign.entry.at) : '');
  const [steps, setSteps] = useState<CampaignStep[]>(campaign?.steps ?? [newStep('send', 0)]);
  const [controlPct, setControlPct] = useState(String(Math.round((campaign?.control_share ?? 0.1) * 100)));
  const [startsAt, setStartsAt] = useState(localInput(campaign?.starts_at));
  const [endsAt, setEndsAt] = useState(localInput(campaign?.ends_at));
  const [error, setError] = useState<string | undefined>();
  useEffect(() => setError(undefined), [name, steps, entryKind]);
  const editable = campaign === undefined || campaign.status === 'draft';

  const entry = (): CampaignEntry => {
    const source = audienceId.trim() !== '' ? { audience_id: audienceId.trim() } : { rule: JSON.parse(rule) as never };
    switch (entryKind) {
      case 'audience':
        return { kind: 'audience', ...source };
      case 'date':
        return { kind: 'date', at: isoOf(at) ?? '', ...source };
      case 'event':
        return { kind: 'event', event };
      case 'audience_entered':
        return { kind: 'audience_entered', audience_id: audienceId.trim() };
    }
  };
  const save = useMutation({
    mutationFn: async () => {
      const body = { name, entry: entry(), steps, control_share: Number(controlPct) / 100, starts_at: isoOf(startsAt), ends_at: isoOf(endsAt) };
      if (campaign === undefined) return unwrap(bos.POST('/v1/campaigns', { body }));
      const changes = editable ? body : { name, ends_at: body.ends_at };
      return unwrap(bos.PATCH('/v1/campaigns/{campaign_id}', { params: { path: { campaign_id: campaign.id } }, body: changes }));
    },
    onSuccess: async (c) => {
      notify('success', t('saved', { name: c.name }));
      await client.invalidateQueries({ queryKey: ['campaigns'] });
      if (campaign === undefined) void navigate(`/campaigns/${c.id}`);
    },
    onError: (e) => setError(e instanceof OpenBosError ? [e.message, ...(e.problem?.errors ?? []).map((x) => `${x.field}: ${x.message}`)].join(' — ') : String(e)),
  });
  const act = useMutation({
    mutationFn: (action: CampaignAction) => campaignAction(campaign!.id, action),
    onSuccess: async (c) => {
      notify('success', t('changed', { name: c.name, status: t(`statusOf.${c.status}`) }));
      await client.invalidateQueries({ queryKey: ['campaigns'] });
    },
    onError: (e) => notify('error', e instanceof OpenBosError ? e.message : String(e)),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    try {
      save.mutate();
    } catch {
      setError(t('badRule'));
    }
  };
  const setStep = (i: number, s: CampaignStep) => setSteps(steps.map((x, k) => (k === i ? s : x)));
  const stepRefs = steps.map((_, k) => (
    <option key={k} value={k}>
      {t('stepNumber', { n: k + 1 })}
    </option>
  ));

  return (
    <>
      <PageHeader title={campaign === undefined ? t('newCampaign') : campaign.name}>
        {campaign !== undefined ? (
          <p className="muted">
            {t(`statusOf.${campaign.status}`)}
            {campaign.enrolments === undefined ? '' : ` · ${t('counts', campaign.enrolments)}`}
          </p>
        ) : null}
      </PageHeader>
      {campaign !== undefined && can('campaigns:write') ? (
        <p className="campaign-actions">
          {actionsOf(campaign.status).map((action) => (
            <button key={action} type="button" className="button" disabled={act.isPending} onClick={() => act.mutate(action)}>
              {t(`action.${action}`)}
            </button>
          ))}
        </p>
      ) : null}
      <form onSubmit={submit}>
        <Card title={t('entry')}>
          <TextField label={t('name')} value={name} onChange={(e) => setName(e.target.value)} required />
          <SelectField label={t('entryKind')} value={entryKind} disabled={!editable} onChange={(e) => setEntryKind(e.target.value as EntryKind)}>
            {(['audience', 'event', 'audience_entered', 'date'] as const).map((k) => (
              <option key={k} value={k}>
                {t(`entryOf.${k}`)}
              </option>
            ))}
          </SelectField>
          {entryKind === 'event' ? <TextField label={t('entryEvent')} value={event} disabled={!editable} onChange={(e) => setEvent(e.target.value)} /> : null}
          {entryKind !== 'event' ? <TextField label={t('audienceId')} hint={entryKind === 'audience_entered' ? undefined : t('audienceOrRule')} value={audienceId} disabled={!editable} onChange={(e) => setAudienceId(e.target.value)} /> : null}
          {(entryKind === 'audience' || entryKind === 'date') && audienceId.trim() === '' ? <TextAreaField label={t('rule')} rows={4} value={rule} disabled={!editable} onChange={(e) => setRule(e.target.value)} /> : null}
          {entryKind === 'date' ? <TextField label={t('entryAt')} type="datetime-local" value={at} disabled={!editable} onChange={(e) => setAt(e.target.value)} /> : null}
        </Card>
        <Card title={t('steps')}>
          <ol className="campaign-steps">
            {steps.map((s, i) => (
              <li key={i}>
                <div className="campaign-step-fields">
                  <SelectField label={t('stepKind')} value={s.kind} disabled={!editable} onChange={(e) => setStep(i, newStep(e.target.value as StepKind, i))}>
                    {(['send', 'wait', 'branch', 'coupon', 'exit'] as const).map((k) => (
                      <option key={k} value={k}>
                        {t(`stepOf.${k}`)}
                      </option>
                    ))}
                  </SelectField>
                  {s.kind === 'send' ? (
                    <>
                      <SelectField label={t('channel')} value={s.channel} disabled={!editable} onChange={(e) => setStep(i, { ...s, channel: e.target.value as (typeof channels)[number] })}>
                        {channels.map((c) => (
                          <option key={c} value={c}>
                            {c}
                          </option>
                        ))}
                      </SelectField>
                      <TextField label={t('subject')} value={s.message.subject} disabled={!editable} onChange={(e) => setStep(i, { ...s, message: { ...s.message, subject: e.target.value } })} />
                      <TextField label={t('text')} value={s.message.text} disabled={!editable} onChange={(e) => setStep(i, { ...s, message: { ...s.message, text: e.target.value } })} />
                      <TextField label={t('url')} value={s.message.url ?? ''} disabled={!editable} onChange={(e) => setStep(i, { ...s, message: { ...s.message, ...(e.target.value === '' ? { url: undefined } : { url: e.target.value }) } })} />
                    </>
                  ) : null}
                  {s.kind === 'wait' ? <TextField label={t('waitDays')} type="number" min={1} value={String(s.days ?? 1)} disabled={!editable} onChange={(e) => setStep(i, { kind: 'wait', days: Number(e.target.value) })} /> : null}
                  {s.kind === 'branch' ? (
                    <>
                      <TextField label={t('branchEvent')} value={s.if.event} disabled={!editable} onChange={(e) => setStep(i, { ...s, if: { ...s.if, event: e.target.value } })} />
                      <SelectField label={t('since')} value={s.if.since ?? 'entry'} disabled={!editable} onChange={(e) => setStep(i, { ...s, if: { ...s.if, since: e.target.value as 'entry' | 'last_step' } })}>
                        <option value="entry">{t('sinceEntry')}</option>
                        <option value="last_step">{t('sinceLastStep')}</option>
                      </SelectField>
                      <SelectField label={t('then')} value={String(s.then)} disabled={!editable} onChange={(e) => setStep(i, { ...s, then: Number(e.target.value) })}>
                        {stepRefs}
                      </SelectField>
                      <SelectField label={t('else')} value={String(s.else)} disabled={!editable} onChange={(e) => setStep(i, { ...s, else: Number(e.target.value) })}>
                        {stepRefs}
                      </SelectField>
                    </>
                  ) : null}
                  {s.kind === 'coupon' ? <TextField label={t('promotionId')} value={s.promotion_id} disabled={!editable} onChange={(e) => setStep(i, { kind: 'coupon', promotion_id: e.target.value })} /> : null}
                  {editable && steps.length > 1 ? (
                    <button type="button" className="button small" onClick={() => setSteps(steps.filter((_, k) => k !== i))}>
                      {t('removeStep')}
                    </button>
                  ) : null}
                </div>
              </li>
            ))}
          </ol>
          {editable ? (
            <button type="button" className="button" onClick={() => setSteps([...steps, newStep('send', steps.length)])}>
              {t('addStep')}
            </button>
          ) : null}
        </Card>
        <Card title={t('schedule')}>
          <TextField label={t('controlShare')} hint={t('controlHint')} type="number" min={0} max={50} value={controlPct} disabled={!editable} onChange={(e) => setControlPct(e.target.value)} />
          <TextField label={t('startsAt')} hint={t('startsHint')} type="datetime-local" value={startsAt} disabled={!editable} onChange={(e) => setStartsAt(e.target.value)} />
          <TextField label={t('endsAt')} type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} />
        </Card>
        <FormError message={error} />
        {can('campaigns:write') && campaign?.status !== 'completed' && campaign?.status !== 'cancelled' ? (
          <button type="submit" className="button primary" disabled={save.isPending}>
            {t('save')}
          </button>
        ) : null}
      </form>
    </>
  );
}
