import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, OpenBosError, unwrap, type Schemas } from '../../api';
import { CodeField } from '../../components/CodeField';
import { TextField } from '../../components/Field';
import { FormError } from '../../components/Form';
import { QrCode } from '../../components/QrCode';
import { RecoveryCodes } from '../../components/RecoveryCodes';
import { useSession, type SignInChallenge } from '../../session';

/**
 * The step after the password: a code from the authenticator app (or a recovery code). Where the
 * store requires a second factor the person has not set up, the step first shows a QR code to
 * scan; the first code confirms it, and the recovery codes are shown before going in.
 */
export function SecondFactorStep({ challenge, onSignedIn, onRestart }: { challenge: SignInChallenge; onSignedIn: () => void; onRestart: () => void }) {
  const { t } = useTranslation();
  const { completeSignIn, adoptSession } = useSession();
  const [useRecovery, setUseRecovery] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [enrolment, setEnrolment] = useState<Schemas['TwoFactorEnrolment'] | undefined>();
  const [done, setDone] = useState<Schemas['ConsoleSessionWithRecoveryCodes'] | undefined>();
  const enrolling = challenge.purpose === 'enrol';

  useEffect(() => {
    if (!enrolling) return;
    unwrap(bos.POST('/v1/console/sessions/second-factor/enrolment', { body: { challenge_token: challenge.challenge_token } }))
      .then(setEnrolment)
      .catch((e: unknown) => setError(t('failed', { message: e instanceof Error ? e.message : String(e) })));
  }, [enrolling, challenge.challenge_token, t]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const proof = useRecovery ? { challenge_token: challenge.challenge_token, recovery_code: value.trim() } : { challenge_token: challenge.challenge_token, code: value.replace(/\s+/g, '') };
      const session = await completeSignIn(proof);
      if (session.recovery_codes === null) {
        adoptSession(session);
        onSignedIn();
      } else {
        setDone(session);
      }
    } catch (e) {
      if (e instanceof OpenBosError && e.status === 429) setError(t('signIn.tooMany', { minutes: 15 }));
      else if (e instanceof OpenBosError && e.code === 'challenge_expired') onRestart();
      else if (e instanceof OpenBosError && (e.status === 401 || e.status === 400)) setError(t('twoFactor.wrongCode'));
      else setError(t('failed', { message: e instanceof Error ? e.message : String(e) }));
    } finally {
      setBusy(false);
    }
  }

  if (done?.recovery_codes != null) {
    return (
      <div>
        <RecoveryCodes codes={done.recovery_codes} />
        <button
          type="button"
          className="primary"
          onClick={() => {
            adoptSession(done);
            onSignedIn();
          }}
        >
          {t('twoFactor.continue')}
        </button>
      </div>
    );
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      {enrolling ? (
        <>
          <p>{t('twoFactor.requiredIntro')}</p>
          {enrolment !== undefined && (
            <>
              <QrCode value={enrolment.otpauth_uri} label={t('twoFactor.qrLabel')} />
              <p className="hint">
                {t('twoFactor.secretHint')} <code data-testid="totp-secret">{enrolment.secret}</code>
              </p>
            </>
          )}
        </>
      ) : (
        <p>{useRecovery ? t('twoFactor.recoveryPrompt') : t('twoFactor.codePrompt')}</p>
      )}
      {useRecovery ? (
        <TextField label={t('twoFactor.recoveryCode')} name="recovery_code" autoComplete="off" required value={value} onChange={(e) => setValue(e.target.value)} />
      ) : (
        <CodeField label={t('twoFactor.code')} value={value} onChange={(e) => setValue(e.target.value)} autoFocus />
      )}
      <FormError message={error} />
      <button type="submit" className="primary" disabled={busy || (enrolling && enrolment === undefined)}>
        {busy ? t('signIn.submitting') : t('twoFactor.verify')}
      </button>
      {!enrolling && (
        <button
          type="button"
          className="link"
          onClick={() => {
            setUseRecovery(!useRecovery);
            setValue('');
            setError(undefined);
          }}
        >
          {useRecovery ? t('twoFactor.useApp') : t('twoFactor.useRecovery')}
        </button>
      )}
    </form>
  );
}
