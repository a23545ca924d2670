import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, unwrap } from '../../api';
import { Card } from '../../components/Card';
import { useNotify } from '../../components/Notices';
import { useSession } from '../../session';
import type { Consumer } from './types';

const purposes = ['analytics', 'personalisation', 'marketing'] as const;
type Purpose = (typeof purposes)[number];
type Consent = Record<Purpose, boolean | null>;

function stateKey(value: boolean | null): 'granted' | 'denied' | 'notGiven' {
  return value === null ? 'notGiven' : value ? 'granted' : 'denied';
}

/**
 * Consent per purpose: granted, denied, or not given (never asked, or withdrawn back to that).
 * People with `consumers:write` record a change (the consumer told the shop in person, by phone or
 * in writing); it is audited.
 */
export function ConsentCard({ consumer }: { consumer: Consumer }) {
  const { t } = useTranslation('consumers');
  const { can } = useSession();
  const editable = can('consumers:write') && consumer.merged_into === null;
  return (
    <Card title={t('consent.title')}>
      {editable ? (
        <ConsentForm key={JSON.stringify(consumer.consent)} consumer={consumer} />
      ) : (
        <table className="consent-table">
          <caption className="visually-hidden">{t('consent.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('consent.purpose')}</th>
              <th scope="col">{t('consent.state')}</th>
            </tr>
          </thead>
          <tbody>
            {purposes.map((p) => (
              <tr key={p}>
                <th scope="row" className="consent-purpose">
                  {t(`consent.purposes.${p}`)}
                  <div className="hint">{t(`consent.descriptions.${p}`)}</div>
                </th>
                <td>
                  <ConsentBadge value={consumer.consent[p]} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function ConsentBadge({ value }: { value: boolean | null }) {
  const { t } = useTranslation('consumers');
  const key = stateKey(value);
  return <span className={`badge consent-badge consent-${key}`}>{t(`consent.${key}`)}</span>;
}

function ConsentForm({ consumer }: { consumer: Consumer }) {
  const { t } = useTranslation('consumers');
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const [draft, setDraft] = useState<Consent>(consumer.consent);
  const changes = Object.fromEntries(purposes.filter((p) => draft[p] !== consumer.consent[p]).map((p) => [p, draft[p]])) as Partial<Consent>;
  const changed = Object.keys(changes).length > 0;

  const mutation = useMutation({
    mutationFn: () => unwrap(bos.PUT('/v1/consumers/{profile_id}/consent', { params: { path: { profile_id: consumer.id } }, body: changes, headers: idempotencyKey() })),
    onSuccess: (consent) => {
      queryClient.setQueryData<Consumer>(['consumer', consumer.id], (old) => (old === undefined ? old : { ...old, consent }));
      notify('success', t('consent.saved'));
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (changed) mutation.mutate();
  }

  return (
    <form onSubmit={submit}>
      <p className="hint">{t('consent.intro')}</p>
      {purposes.map((p) => (
        <fieldset key={p} className="consent-fieldset">
          <legend>{t(`consent.purposes.${p}`)}</legend>
          <p className="hint consent-description">
            {t(`consent.descriptions.${p}`)} {t('consent.current')} <ConsentBadge value={consumer.consent[p]} />
          </p>
          <div className="checks">
            <label>
              <input type="radio" name={`consent-${p}`} value="granted" checked={draft[p] === true} onChange={() => setDraft({ ...draft, [p]: true })} /> {t('consent.grant')}
            </label>
            <label>
              <input type="radio" name={`consent-${p}`} value="denied" checked={draft[p] === false} onChange={() => setDraft({ ...draft, [p]: false })} /> {t('consent.deny')}
            </label>
            <label>
              <input type="radio" name={`consent-${p}`} value="notGiven" checked={draft[p] === null} onChange={() => setDraft({ ...draft, [p]: null })} /> {t('consent.notGiven')}
            </label>
          </div>
        </fieldset>
      ))}
      {mutation.isError && (
        <p className="form-error" role="alert">
          {tc('failed', { message: mutation.error.message })}
        </p>
      )}
      <div className="consent-actions">
        <button type="submit" className="primary" disabled={!changed || mutation.isPending}>
          {mutation.isPending ? tc('saving') : t('consent.save')}
        </button>
        {changed && (
          <button type="button" onClick={() => setDraft(consumer.consent)} disabled={mutation.isPending}>
            {t('consent.undo')}
          </button>
        )}
      </div>
    </form>
  );
}
