import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap, type Schemas } from '../../api';
import { Card } from '../../components/Card';
import { TextField } from '../../components/Field';
import { FormError } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useSession } from '../../session';
import { useProblemText } from './problems';

type ReachSettings = Schemas['ReachSettings'];
type ReachSend = Schemas['ReachSend'];
const reachSettingsQueryKey = ['reach-settings'] as const;
const channels = ['email', 'sms', 'push', 'webhook', 'feed', 'screen'] as const;
const reasons = ['no_consent', 'capped', 'quiet_hours', 'erased', 'no_contact', 'duplicate', 'interrupted'] as const;

/** What the form holds, as typed: empty means "no cap" / "no quiet hours". */
interface Draft {
  cap_across_channels: string;
  cap_window_days: string;
  per_channel: Record<(typeof channels)[number], string>;
  quiet_from: string;
  quiet_to: string;
  dedupe_window_hours: string;
  email_from_name: string;
  webhook_url: string;
  webhook_secret: string;
}

function draftOf(s: ReachSettings): Draft {
  return {
    cap_across_channels: s.cap_across_channels === null ? '' : String(s.cap_across_channels),
    cap_window_days: String(s.cap_window_days),
    per_channel: Object.fromEntries(channels.map((c) => [c, s.cap_per_channel[c] === undefined ? '' : String(s.cap_per_channel[c])])) as Draft['per_channel'],
    quiet_from: s.quiet_hours?.from ?? '',
    quiet_to: s.quiet_hours?.to ?? '',
    dedupe_window_hours: String(s.dedupe_window_hours),
    email_from_name: s.email_from_name ?? '',
    webhook_url: s.webhook_url ?? '',
    webhook_secret: '',
  };
}

/**
 * Reach: how often a consumer may be sent marketing (caps per channel and across channels), the
 * quiet hours in the consumer's time zone, the window between two campaigns, the email sender's
 * name and the SMS / push provider's webhook; and the log of sends with why each suppressed one
 * was not sent.
 */
export function ReachTab() {
  const { t } = useTranslation('settings');
  const query = useQuery({ queryKey: reachSettingsQueryKey, queryFn: () => unwrap(bos.GET('/v1/reach/settings')) });
  return (
    <>
      <Card title={t('reach.title')}>
        <QueryState query={query}>{(settings) => <ReachForm key={JSON.stringify(settings)} settings={settings} />}</QueryState>
      </Card>
      <SendsLog />
    </>
  );
}

function ReachForm({ settings }: { settings: ReachSettings }) {
  const { t } = useTranslation('settings');
  const { can } = useSession();
  const notify = useNotify();
  const problemText = useProblemText();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(() => draftOf(settings));
  const save = useMutation({
    mutationFn: (d: Draft) => {
      const per: Record<string, number> = {};
      for (const c of channels) if (d.per_channel[c].trim() !== '') per[c] = Math.round(Number(d.per_channel[c]));
      return unwrap(
        bos.PUT('/v1/reach/settings', {
          body: {
            cap_per_channel: per,
            cap_across_channels: d.cap_across_channels.trim() === '' ? null : Math.round(Number(d.cap_across_channels)),
            cap_window_days: Math.round(Number(d.cap_window_days)),
            quiet_hours: d.quiet_from === '' || d.quiet_to === '' ? null : { from: d.quiet_from, to: d.quiet_to },
            dedupe_window_hours: Math.round(Number(d.dedupe_window_hours)),
            email_from_name: d.email_from_name.trim() === '' ? null : d.email_from_name.trim(),
            webhook_url: d.webhook_url.trim() === '' ? null : d.webhook_url.trim(),
            ...(d.webhook_secret === '' ? {} : { webhook_secret: d.webhook_secret }),
          },
        }),
      );
    },
    onSuccess: (saved) => {
      queryClient.setQueryData(reachSettingsQueryKey, saved);
      notify('success', t('reach.saved'));
    },
  });
  const editable = can('reach:write');
  const disabled = !editable || save.isPending;
  const set = (key: Exclude<keyof Draft, 'per_channel'>) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value }));
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(draft);
  }
  return (
    <form onSubmit={submit} className="settings-reach">
      <p className="hint">{t('reach.intro')}</p>
      <TextField label={t('reach.cap_across')} hint={t('reach.cap_hint')} name="cap_across_channels" type="number" min={0} max={1000} step="1" value={draft.cap_across_channels} disabled={disabled} onChange={set('cap_across_channels')} />
      <TextField label={t('reach.window_days')} name="cap_window_days" type="number" min={1} max={90} step="1" required value={draft.cap_window_days} disabled={disabled} onChange={set('cap_window_days')} />
      <fieldset className="settings-reach-channels">
        <legend>{t('reach.per_channel')}</legend>
        {channels.map((c) => (
          <TextField key={c} label={t(`reach.channels.${c}`)} name={`cap_${c}`} type="number" min={0} max={1000} step="1" value={draft.per_channel[c]} disabled={disabled} onChange={(e) => setDraft((d) => ({ ...d, per_channel: { ...d.per_channel, [c]: e.target.value } }))} />
        ))}
      </fieldset>
      <TextField label={t('reach.quiet_from')} hint={t('reach.quiet_hint')} name="quiet_from" type="time" value={draft.quiet_from} disabled={disabled} onChange={set('quiet_from')} />
      <TextField label={t('reach.quiet_to')} name="quiet_to" type="time" value={draft.quiet_to} disabled={disabled} onChange={set('quiet_to')} />
      <TextField label={t('reach.dedupe_hours')} hint={t('reach.dedupe_hint')} name="dedupe_window_hours" type="number" min={0} max={720} step="1" required value={draft.dedupe_window_hours} disabled={disabled} onChange={set('dedupe_window_hours')} />
      <TextField label={t('reach.from_name')} name="email_from_name" maxLength={100} value={draft.email_from_name} disabled={disabled} onChange={set('email_from_name')} />
      <TextField label={t('reach.webhook_url')} hint={t('reach.webhook_hint')} name="webhook_url" type="url" value={draft.webhook_url} disabled={disabled} onChange={set('webhook_url')} />
      <TextField
        label={t('reach.webhook_secret')}
        hint={settings.webhook_secret_set ? t('reach.secret_set') : t('reach.secret_unset')}
        name="webhook_secret"
        type="password"
        autoComplete="new-password"
        minLength={16}
        value={draft.webhook_secret}
        disabled={disabled}
        onChange={set('webhook_secret')}
      />
      {editable ? (
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? t('store.saving') : t('store.save')}
        </button>
      ) : (
        <p className="hint">{t('reach.readOnly')}</p>
      )}
      <FormError message={save.isError ? problemText(save.error) : undefined} />
    </form>
  );
}

function SendsLog() {
  const { t } = useTranslation('settings');
  const [reason, setReason] = useState<'' | (typeof reasons)[number]>('');
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const query = useQuery({
    queryKey: ['reach-sends', reason, cursor],
    queryFn: () => unwrap(bos.GET('/v1/reach/sends', { params: { query: { limit: 50, ...(reason === '' ? {} : { reason }), ...(cursor === undefined ? {} : { cursor }) } } })),
  });
  return (
    <Card title={t('reach.sends')}>
      <label>
        {t('reach.filter_reason')}{' '}
        <select
          value={reason}
          onChange={(e) => {
            setReason(e.target.value as typeof reason);
            setCursor(undefined);
          }}
        >
          <option value="">{t('reach.all')}</option>
          {reasons.map((r) => (
            <option key={r} value={r}>
              {t(`reach.reasons.${r}`)}
            </option>
          ))}
        </select>
      </label>
      <QueryState query={query}>
        {(page) =>
          page.data.length === 0 ? (
            <p className="muted">{t('reach.none')}</p>
          ) : (
            <>
              <table className="table">
                <thead>
                  <tr>
                    <th>{t('reach.when')}</th>
                    <th>{t('reach.consumer')}</th>
                    <th>{t('reach.channel')}</th>
                    <th>{t('reach.campaign')}</th>
                    <th>{t('reach.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.data.map((s: ReachSend) => (
                    <tr key={s.id}>
                      <td>{new Date(s.created_at).toLocaleString()}</td>
                      <td>
                        <code>{s.profile_id}</code>
                      </td>
                      <td>{t(`reach.channels.${s.channel}`)}</td>
                      <td>{s.campaign_id ?? '—'}</td>
                      <td title={s.error ?? undefined}>
                        {t(`reach.statuses.${s.status}`)}
                        {s.reason === null ? '' : ` · ${t(`reach.reasons.${s.reason}`)}`}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {page.next_cursor === null ? null : (
                <button type="button" onClick={() => setCursor(page.next_cursor ?? undefined)}>
                  {t('reach.older')}
                </button>
              )}
            </>
          )
        }
      </QueryState>
    </Card>
  );
}
