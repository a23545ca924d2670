import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { bos, OpenBosError, unwrap } from '../../api';
import { TextField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';

/** Opened from the emailed link (`/console/reset-password?token=…`): sets a new password with its token. */
export default function ResetPassword() {
  const { t } = useTranslation('mail');
  const { t: tc } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [state, setState] = useState<'idle' | 'busy' | 'done' | 'invalid'>('idle');
  const [error, setError] = useState<string | undefined>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== repeat) {
      setError(t('reset.mismatch'));
      return;
    }
    setState('busy');
    setError(undefined);
    try {
      await unwrap(bos.POST('/v1/console/password-resets/confirm', { body: { token, password } }));
      setState('done');
    } catch (e) {
      if (e instanceof OpenBosError && e.code === 'reset_token_invalid') {
        setState('invalid');
        return;
      }
      setState('idle');
      setError(e instanceof OpenBosError && e.code === 'validation_failed' ? t('reset.passwordHint') : tc('failed', { message: e instanceof Error ? e.message : String(e) }));
    }
  }

  return (
    <main id="main" className="sign-in">
      <div className="sign-in-card">
        <PageHeader title={t('reset.title')} />
        {token === '' && <p role="alert">{t('reset.noToken')}</p>}
        {state === 'done' && <p role="status">{t('reset.done')}</p>}
        {state === 'invalid' && (
          <p role="alert">
            {t('reset.invalid')} <Link to="/forgot-password">{t('reset.askAgain')}</Link>
          </p>
        )}
        {token !== '' && (state === 'idle' || state === 'busy') && (
          <form onSubmit={(e) => void submit(e)} noValidate>
            <TextField label={t('reset.password')} hint={t('reset.passwordHint')} name="new-password" type="password" autoComplete="new-password" required minLength={10} value={password} onChange={(e) => setPassword(e.target.value)} />
            <TextField label={t('reset.repeat')} name="repeat-password" type="password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.target.value)} />
            {error !== undefined && (
              <p className="form-error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="primary" disabled={state === 'busy'}>
              {state === 'busy' ? t('reset.submitting') : t('reset.submit')}
            </button>
          </form>
        )}
        <p>
          <Link to="/sign-in">{t('reset.signIn')}</Link>
        </p>
      </div>
    </main>
  );
}
