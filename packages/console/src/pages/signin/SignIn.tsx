import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { OpenBosError } from '../../api';
import { TextField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { languages } from '../../i18n';
import { useSession, type SignInChallenge } from '../../session';
import { SecondFactorStep } from './SecondFactorStep';

const lastMerchantKey = 'openbos.last_merchant';

export default function SignIn() {
  const { t, i18n } = useTranslation();
  const { session, signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [merchant, setMerchant] = useState(() => localStorage.getItem(lastMerchantKey) ?? '');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [challenge, setChallenge] = useState<SignInChallenge | undefined>();
  const destination = (location.state as { from?: string } | null)?.from ?? '/';

  if (session !== null) return <Navigate to={destination} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const answer = await signIn({ merchant: merchant.trim(), email: email.trim(), password });
      localStorage.setItem(lastMerchantKey, merchant.trim());
      if ('challenge' in answer) {
        setChallenge(answer.challenge);
        setPassword('');
      } else {
        void navigate(destination, { replace: true });
      }
    } catch (e) {
      if (e instanceof OpenBosError && e.status === 429) {
        setError(t('signIn.tooMany', { minutes: 15 }));
      } else if (e instanceof OpenBosError && (e.status === 401 || e.status === 400)) {
        setError(t('signIn.invalid'));
      } else {
        setError(t('failed', { message: e instanceof Error ? e.message : String(e) }));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="sign-in">
      <div className="sign-in-card">
        <PageHeader title={challenge === undefined ? t('signIn.title') : t('twoFactor.title')} />
        {challenge !== undefined ? (
          <SecondFactorStep
            challenge={challenge}
            onSignedIn={() => void navigate(destination, { replace: true })}
            onRestart={() => {
              setChallenge(undefined);
              setError(t('twoFactor.expired'));
            }}
          />
        ) : (
          <form onSubmit={(e) => void submit(e)} noValidate>
            <TextField label={t('signIn.merchant')} hint={t('signIn.merchantHint')} name="merchant" autoComplete="organization" required value={merchant} onChange={(e) => setMerchant(e.target.value)} />
            <TextField label={t('signIn.email')} name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
            <TextField label={t('signIn.password')} name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            {error !== undefined && (
              <p className="form-error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="primary" disabled={busy}>
              {busy ? t('signIn.submitting') : t('signIn.submit')}
            </button>
          </form>
        )}
        {challenge === undefined && (
          <p>
            <Link to="/forgot-password">{t('signIn.forgot')}</Link>
          </p>
        )}
        <p className="hint">{t('signIn.demoHint')}</p>
        <label className="language">
          {t('language')}{' '}
          <select value={i18n.language} onChange={(e) => void i18n.changeLanguage(e.target.value)}>
            {languages.map((l) => (
              <option key={l.code} value={l.code}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
      </div>
    </main>
  );
}
