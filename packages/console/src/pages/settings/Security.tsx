import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, unwrap, type Schemas } from '../../api';
import { CodeField } from '../../components/CodeField';
import { FormError } from '../../components/Form';
import { QrCode } from '../../components/QrCode';
import { QueryState } from '../../components/QueryState';
import { RecoveryCodes } from '../../components/RecoveryCodes';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { useProblemText } from './problems';
import { auditQueryKey, twoFactorQueryKey } from './queryKeys';
import { Badge, SettingsSection } from './shared';
import { TwoFactorPolicy } from './TwoFactorPolicy';

type Status = Schemas['TwoFactorStatus'];

/** Settings → Security: the signed-in person's own second factor, and for owners the store's rule. */
export function SecurityTab() {
  const { t } = useTranslation('settings');
  const { can } = useSession();
  const query = useQuery({ queryKey: twoFactorQueryKey, queryFn: () => unwrap(bos.GET('/v1/console/two-factor')) });
  return (
    <SettingsSection id="security" title={t('security.title')} intro={t('security.intro')}>
      <QueryState query={query}>{(status) => (status.enabled ? <TwoFactorOn status={status} /> : <TwoFactorSetup />)}</QueryState>
      {can('users:write') && <TwoFactorPolicy />}
    </SettingsSection>
  );
}

/** Off: scan a QR code, confirm with the first code, then see the recovery codes once. */
function TwoFactorSetup() {
  const { t } = useTranslation('settings');
  const problemText = useProblemText();
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | undefined>();
  const start = useMutation({ mutationFn: () => unwrap(bos.POST('/v1/console/two-factor/enrolment')) });
  const confirm = useMutation({
    mutationFn: () => unwrap(bos.POST('/v1/console/two-factor/enrolment/confirm', { body: { code: code.replace(/\s+/g, '') } })),
    onSuccess: (answer) => setCodes(answer.recovery_codes),
  });

  if (codes !== undefined) {
    return (
      <div className="card">
        <RecoveryCodes codes={codes} />
        <button type="button" className="primary" onClick={() => void queryClient.invalidateQueries({ queryKey: twoFactorQueryKey }).then(() => queryClient.invalidateQueries({ queryKey: auditQueryKey }))}>
          {t('security.done')}
        </button>
      </div>
    );
  }
  if (start.data === undefined) {
    return (
      <div className="card">
        <p>
          <Badge tone="disabled">{t('security.off')}</Badge> {t('security.offIntro')}
        </p>
        <FormError message={start.isError ? problemText(start.error) : undefined} />
        <button type="button" className="primary" disabled={start.isPending} onClick={() => start.mutate()}>
          {t('security.setUp')}
        </button>
      </div>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    confirm.mutate();
  };
  return (
    <form className="card" onSubmit={submit} noValidate>
      <p>{t('security.scan')}</p>
      <QrCode value={start.data.otpauth_uri} label={t('security.qrLabel')} />
      <p className="hint">
        {t('security.secretHint')} <code data-testid="totp-secret">{start.data.secret}</code>
      </p>
      <CodeField label={t('security.code')} value={code} onChange={(e) => setCode(e.target.value)} />
      <FormError message={confirm.isError ? problemText(confirm.error) : undefined} />
      <button type="submit" className="primary" disabled={confirm.isPending}>
        {t('security.turnOn')}
      </button>
    </form>
  );
}

/** On: when, how many recovery codes are left; new codes or turning it off, each with a current code. */
function TwoFactorOn({ status }: { status: Status }) {
  const { t } = useTranslation('settings');
  const f = useFormat();
  const problemText = useProblemText();
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | undefined>();
  const refresh = async () => {
    setCode('');
    await queryClient.invalidateQueries({ queryKey: twoFactorQueryKey });
    await queryClient.invalidateQueries({ queryKey: auditQueryKey });
  };
  const regenerate = useMutation({
    mutationFn: () => unwrap(bos.POST('/v1/console/two-factor/recovery-codes', { body: { code: code.replace(/\s+/g, '') } })),
    onSuccess: async (answer) => {
      setCodes(answer.recovery_codes);
      await refresh();
    },
  });
  const disable = useMutation({ mutationFn: () => unwrap(bos.POST('/v1/console/two-factor/disable', { body: { code: code.replace(/\s+/g, '') } })), onSuccess: refresh });
  const failed = regenerate.error ?? disable.error;
  return (
    <div className="card">
      <p>
        <Badge tone="enabled">{t('security.on')}</Badge>{' '}
        {t('security.onSince', { date: status.enabled_at === null ? '' : f.dateTime(status.enabled_at), count: status.recovery_codes_left })}
      </p>
      {codes !== undefined && <RecoveryCodes codes={codes} />}
      <form onSubmit={(e) => e.preventDefault()} noValidate>
        <CodeField label={t('security.code')} hint={t('security.codeHint')} value={code} onChange={(e) => setCode(e.target.value)} />
        <FormError message={failed === null ? undefined : problemText(failed)} />
        <div className="dialog-actions">
          <button type="button" disabled={regenerate.isPending} onClick={() => regenerate.mutate()}>
            {t('security.newCodes')}
          </button>
          <button type="button" className="danger" disabled={disable.isPending || status.required_by_merchant} onClick={() => disable.mutate()}>
            {t('security.turnOff')}
          </button>
        </div>
        {status.required_by_merchant && <p className="hint">{t('security.requiredHint')}</p>}
      </form>
    </div>
  );
}
