import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { bos, OpenBosError, unwrap } from '../../api';
import { TextField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';

const lastMerchantKey = 'openbos.last_merchant';

/** "Forgot password?": asks for a reset link. The answer is the same whether or not the account exists. */
export default function ForgotPassword() {
  const { t } = useTranslation('mail');
  const { t: tc } = useTranslation();
  const [merchant, setMerchant] = useState(() => localStorage.getItem(lastMerchantKey) ?? '');
  const [email, setEmail] = useState('');
  const [state, setState] = useState<'idle' | 'busy' | 'sent'>('idle');
  const [error, setError] = useState<string | undefined>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setState('busy');
    setError(undefined);
    try {
      await unwrap(bos.POST('/v1/console/password-resets', { body: { merchant: merchant.trim(), email: email.trim() } }));
      setState('sent');
    } catch (e) {
      setState('idle');
      setError(e instanceof OpenBosError && e.status === 429 ? t('forgot.tooMany') : tc('failed', { message: e instanceof Error ? e.message : String(e) }));
    }
  }

  return (
    <main id="main" className="sign-in">
      <div className="sign-in-card">
        <PageHeader title={t('forgot.title')} />
        {state === 'sent' ? (
          <p role="status">{t('forgot.sent')}</p>
        ) : (
          <form onSubmit={(e) => void submit(e)} noValidate>
            <p className="hint">{t('forgot.intro')}</p>
            <TextField label={tc('signIn.merchant')} hint={tc('signIn.merchantHint')} name="merchant" autoComplete="organization" required value={merchant} onChange={(e) => setMerchant(e.target.value)} />
            <TextField label={tc('signIn.email')} name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
            {error !== undefined && (
              <p className="form-error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="primary" disabled={state === 'busy'}>
              {state === 'busy' ? t('forgot.submitting') : t('forgot.submit')}
            </button>
          </form>
        )}
        <p>
          <Link to="/sign-in">{t('forgot.backToSignIn')}</Link>
        </p>
      </div>
    </main>
  );
}
