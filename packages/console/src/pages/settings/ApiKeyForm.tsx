import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, OpenBosError, unwrap, type Schemas } from '../../api';
import { TextField } from '../../components/Field';
import { useFocusWithin } from '../../components/focus';
import { FormActions, FormError } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import { useSession } from '../../session';
import { keyKinds, type KeyKind, type Scope } from './catalog';
import { QueryState } from '../../components/QueryState';
import { useScopes, type ScopeList } from './registry';
import { apiKeysQueryKey, auditQueryKey } from './queryKeys';
import { scopesInProblem, useProblemText } from './problems';
import { GroupButtons, RadioOption, useSelection } from './shared';
import { OriginsField, originsOfText, useOriginsError } from './KeyOrigins';

type CreatedApiKey = Schemas['CreatedApiKey'];

/** The form waits for the scopes the server offers (GET /v1/scopes). */
export function CreateKeyForm(props: { onCreated: (key: CreatedApiKey) => void; onCancel: () => void }) {
  const scopes = useScopes();
  return <QueryState query={scopes}>{(list) => <KeyForm {...props} scopes={list} />}</QueryState>;
}

function KeyForm({ onCreated, onCancel, scopes: list }: { onCreated: (key: CreatedApiKey) => void; onCancel: () => void; scopes: ScopeList }) {
  const { t } = useTranslation('settings');
  const { secret: secretScopes, publishable: publishableScopes, isPublishable: isPublishableScope, canGrant } = list;
  // The resources secret scopes are about, in the server's order, each with its read and write scope.
  const resources = [...new Set(secretScopes.map((s) => s.split(':')[0]!))];
  const { t: tc } = useTranslation();
  const { session } = useSession();
  const held = session?.scopes ?? [];
  const queryClient = useQueryClient();
  const notify = useNotify();
  const problemText = useProblemText();
  const form = useRef<HTMLFormElement>(null);
  useFocusWithin(form);
  const initialScopes = (kind: KeyKind) => new Set<Scope>(list.defaults(kind).filter((s) => canGrant(s, held)));
  const [name, setName] = useState('');
  const [kind, setKind] = useState<KeyKind>('secret');
  const [originsText, setOriginsText] = useState('');
  const originsError = useOriginsError();
  const [nameError, setNameError] = useState<string | undefined>();
  const [scopesError, setScopesError] = useState<string | undefined>();
  const { selected: scopes, setSelected: setScopes, set } = useSelection(() => initialScopes('secret'), () => setScopesError(undefined));
  // A group turned on gets only the scopes the person may grant.
  const setGroup = (group: readonly Scope[], on: boolean) => set(on ? group.filter((s) => canGrant(s, held)) : group, on);

  const create = useMutation({
    mutationFn: (body: { name: string; kind: KeyKind; scopes: Scope[]; allowed_origins?: string[] }) => unwrap(bos.POST('/v1/api-keys', { body, headers: idempotencyKey() })),
    onSuccess: async (key) => {
      notify('success', t('keys.createdNotice', { name: key.name }));
      onCreated(key);
      await queryClient.invalidateQueries({ queryKey: apiKeysQueryKey });
      await queryClient.invalidateQueries({ queryKey: auditQueryKey });
    },
  });

  function chooseKind(next: KeyKind) {
    setKind(next);
    setScopes(initialScopes(next));
    setScopesError(undefined);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    const chosen = [...secretScopes, ...publishableScopes].filter((s) => scopes.has(s) && (kind === 'secret' || isPublishableScope(s)));
    setNameError(trimmed === '' ? t('keys.nameRequired') : undefined);
    setScopesError(chosen.length === 0 ? t('keys.scopesRequired') : undefined);
    if (trimmed === '' || chosen.length === 0) return;
    create.mutate({ name: trimmed, kind, scopes: chosen, ...(kind === 'publishable' ? { allowed_origins: originsOfText(originsText) } : {}) });
  }

  // The server refuses a key with scopes the person does not hold (403 insufficient_scope).
  let error: string | undefined;
  if (create.error instanceof OpenBosError && create.error.code === 'insufficient_scope') {
    const named = scopesInProblem(create.error);
    error = named.length > 0 && named.every((s) => scopes.has(s)) ? t('keys.beyondHeld', { scopes: named.join(', ') }) : tc('notAllowed');
  } else if (create.isError && originsError(create.error, create.variables?.allowed_origins ?? []) === undefined) {
    error = problemText(create.error);
  }
  const originsProblem = create.isError ? originsError(create.error, create.variables?.allowed_origins ?? []) : undefined;
  const notHeld = secretScopes.filter((s) => !canGrant(s, held));

  return (
    <form ref={form} onSubmit={submit} noValidate className="settings-form settings-wide">
      <TextField label={t('keys.name')} hint={t('keys.nameHint')} value={name} maxLength={100} required autoComplete="off" onChange={(e) => { setName(e.target.value); setNameError(undefined); }} error={nameError} data-autofocus />
      <fieldset>
        <legend>{t('keys.kind')}</legend>
        <div className="settings-radios">
          {keyKinds.map((k) => (
            <RadioOption key={k} name="kind" value={k} checked={kind === k} onChange={() => chooseKind(k)} label={t(`keys.kinds.${k}`)} hint={t(`keys.kindHint.${k}`)} />
          ))}
        </div>
      </fieldset>
      <div className={scopesError === undefined ? undefined : 'field-invalid'}>
        {kind === 'secret' && (
          <fieldset aria-describedby={notHeld.length > 0 ? 'settings-not-held' : undefined}>
            <legend>{t('keys.secretScopes')}</legend>
            <GroupButtons group={t('keys.secretScopes')} onSet={(on) => setGroup(secretScopes, on)} />
            {notHeld.length > 0 && (
              <p id="settings-not-held" className="hint">
                {t('keys.notHeldHint')}
              </p>
            )}
            <table className="settings-scope-table">
              <thead>
                <tr>
                  <th scope="col">{t('keys.resource')}</th>
                  <th scope="col">{t('keys.read')}</th>
                  <th scope="col">{t('keys.write')}</th>
                </tr>
              </thead>
              <tbody>
                {resources.map((resource) => (
                  <tr key={resource}>
                    <th scope="row">{t(`keys.resources.${resource}`, { defaultValue: resource })}</th>
                    {(['read', 'write'] as const).map((access) => {
                      const scope: Scope = `${resource}:${access}`;
                      if (!secretScopes.includes(scope)) return <td key={access} />;
                      return (
                        <td key={access}>
                          <ScopeCheck scope={scope} checked={scopes.has(scope)} grantable={canGrant(scope, held)} onChange={(on) => set([scope], on)} title={list.describe(scope)} />
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </fieldset>
        )}
        <fieldset>
          <legend>{t('keys.publishableScopes')}</legend>
          <GroupButtons group={t('keys.publishableScopes')} onSet={(on) => setGroup(publishableScopes, on)} />
          <p className="hint">{kind === 'secret' ? t('keys.publishableOnSecret') : t('keys.publishableOnly')}</p>
          <ul className="settings-check-list">
            {publishableScopes.map((scope) => (
              <li key={scope}>
                <ScopeCheck scope={scope} checked={scopes.has(scope)} grantable onChange={(on) => set([scope], on)} description={t(`keys.publishableHint.${scope.replace(':', '_')}`, { defaultValue: list.describe(scope) ?? '' })} />
              </li>
            ))}
          </ul>
        </fieldset>
        {scopesError !== undefined && (
          <p className="field-error" role="alert">
            {scopesError}
          </p>
        )}
      </div>
      {kind === 'publishable' && <OriginsField value={originsText} error={originsProblem} onChange={(text) => { setOriginsText(text); create.reset(); }} />}
      <p className="muted settings-small" aria-live="polite">
        {t('keys.selectedCount', { count: [...scopes].filter((s) => kind === 'secret' || isPublishableScope(s)).length })}
      </p>
      <FormError message={error} className="settings-form-error" />
      <FormActions onCancel={onCancel} busy={create.isPending} busyLabel={t('keys.creating')} submitLabel={t('keys.create')} />
    </form>
  );
}

function ScopeCheck({ scope, checked, grantable, description, title, onChange }: { scope: Scope; checked: boolean; grantable: boolean; description?: string; title?: string | undefined; onChange: (on: boolean) => void }) {
  const { t } = useTranslation('settings');
  return (
    <label className={`settings-check${grantable ? '' : ' settings-check-locked'}`} title={title}>
      <input type="checkbox" checked={checked && grantable} disabled={!grantable} onChange={(e) => onChange(e.target.checked)} />
      <span>
        <span className="mono">{scope}</span>
        {!grantable && <span className="visually-hidden"> ({t('keys.notHeld')})</span>}
        {description !== undefined && <span className="hint settings-block">{description}</span>}
      </span>
    </label>
  );
}
