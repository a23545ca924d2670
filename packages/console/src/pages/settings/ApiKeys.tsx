import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, OpenBosError, unwrap, type Schemas } from '../../api';
import { Dialog } from '../../components/Dialog';
import { TextField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { QueryState } from '../../components/QueryState';
import { useFormat } from '../../format';
import { useSession } from '../../session';
import { EditOriginsForm, OriginsField, OriginsSummary, originsOfText, useOriginsError } from './KeyOrigins';
import { canGrant, defaultScopesOfKind, isPublishableScope, keyKinds, publishableScopes, secretScopes, type KeyKind, type Scope } from './catalog';
import { Badge, ConfirmDialog, FormError, isForbidden, NotAllowed, Pager, RadioOption, scopesInProblem, SecretReveal, useAutoFocus, useCursorPages, useProblemText } from './shared';

type ApiKey = Schemas['ApiKey'];
type CreatedApiKey = Schemas['CreatedApiKey'];

export const apiKeysQueryKey = ['api-keys'] as const;
const page_size = 20;

/** The resources secret scopes are about, in the server's order, each with its read and write scope. */
const resources = [...new Set(secretScopes.map((s) => s.split(':')[0]!))];

export function ApiKeysTab() {
  const { t } = useTranslation('settings');
  const { can } = useSession();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const problemText = useProblemText();
  const pages = useCursorPages();
  const canRead = can('keys:read');
  const canWrite = can('keys:write');
  const query = useQuery({
    queryKey: [...apiKeysQueryKey, { cursor: pages.cursor ?? null }],
    queryFn: () => unwrap(bos.GET('/v1/api-keys', { params: { query: { limit: page_size, cursor: pages.cursor } } })),
    enabled: canRead,
    placeholderData: keepPreviousData,
  });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [editingOrigins, setEditingOrigins] = useState<ApiKey | null>(null);
  const revoke = useMutation({
    mutationFn: (key: ApiKey) => unwrap(bos.DELETE('/v1/api-keys/{key_id}', { params: { path: { key_id: key.id } }, headers: idempotencyKey() })),
    onSuccess: async (key) => {
      setRevoking(null);
      notify('success', t('keys.revoked', { name: key.name }));
      await queryClient.invalidateQueries({ queryKey: apiKeysQueryKey });
      await queryClient.invalidateQueries({ queryKey: ['audit-events'] });
    },
  });

  return (
    <section aria-labelledby="settings-keys-heading">
      <div className="settings-section-head">
        <div>
          <h2 id="settings-keys-heading">{t('keys.title')}</h2>
          <p className="muted">{t('keys.intro')}</p>
        </div>
        {canWrite && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            {t('keys.create')}
          </button>
        )}
      </div>
      {!canRead || isForbidden(query.error) ? (
        <NotAllowed />
      ) : (
        <QueryState query={query} isEmpty={(p) => p.data.length === 0 && pages.page === 1} empty={t('keys.empty')}>
          {(p) => (
            <>
              <KeysTable keys={p.data} stale={query.isPlaceholderData} canWrite={canWrite} onRevoke={(key) => { revoke.reset(); setRevoking(key); }} onEditOrigins={setEditingOrigins} />
              <Pager pages={pages} nextCursor={p.next_cursor} label={t('keys.pagination')} />
            </>
          )}
        </QueryState>
      )}

      <Dialog open={creating} title={t('keys.createTitle')} onClose={() => setCreating(false)}>
        <CreateKeyForm
          onCancel={() => setCreating(false)}
          onCreated={(key) => {
            setCreating(false);
            setCreated(key);
          }}
        />
      </Dialog>

      <Dialog open={editingOrigins !== null} title={t('keys.editOriginsTitle')} onClose={() => setEditingOrigins(null)}>
        {editingOrigins !== null && (
          <EditOriginsForm
            apiKey={editingOrigins}
            onCancel={() => setEditingOrigins(null)}
            onSaved={(key) => {
              setEditingOrigins(null);
              notify('success', t('keys.originsSaved', { name: key.name }));
              void queryClient.invalidateQueries({ queryKey: apiKeysQueryKey });
              void queryClient.invalidateQueries({ queryKey: ['audit-events'] });
            }}
          />
        )}
      </Dialog>

      <Dialog open={created !== null} title={t('keys.createdTitle')} onClose={() => setCreated(null)}>
        {created !== null && <CreatedKey created={created} onDone={() => setCreated(null)} />}
      </Dialog>

      <ConfirmDialog
        open={revoking !== null}
        title={t('keys.revokeTitle')}
        confirmLabel={revoke.isPending ? t('keys.revoking') : t('keys.revoke')}
        busy={revoke.isPending}
        error={revoke.isError ? problemText(revoke.error) : undefined}
        onConfirm={() => revoking !== null && revoke.mutate(revoking)}
        onClose={() => setRevoking(null)}
      >
        <p>{t('keys.revokeConfirm', { name: revoking?.name ?? '', hint: revoking?.token_hint ?? '' })}</p>
      </ConfirmDialog>
    </section>
  );
}

function KeysTable({ keys, stale, canWrite, onRevoke, onEditOrigins }: { keys: ApiKey[]; stale: boolean; canWrite: boolean; onRevoke: (key: ApiKey) => void; onEditOrigins: (key: ApiKey) => void }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const f = useFormat();
  return (
    <div className={`table-wrap${stale ? ' settings-stale' : ''}`} aria-busy={stale}>
      <table>
        <caption className="visually-hidden">{t('keys.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('keys.name')}</th>
            <th scope="col">{t('keys.kind')}</th>
            <th scope="col">{t('keys.scopes')}</th>
            <th scope="col">{t('keys.origins')}</th>
            <th scope="col">{t('keys.token')}</th>
            <th scope="col">{t('created')}</th>
            <th scope="col">{t('statusColumn')}</th>
            {canWrite && (
              <th scope="col">
                <span className="visually-hidden">{tc('actions')}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id} className={key.revoked_at === null ? undefined : 'settings-row-muted'}>
              <th scope="row" className="settings-row-head">
                {key.name}
              </th>
              <td>
                <Badge tone={`kind-${key.kind}`}>{t(`keys.kinds.${key.kind}`)}</Badge>
              </td>
              <td>
                <ScopeSummary kind={key.kind} scopes={key.scopes} />
              </td>
              <td>
                <OriginsSummary apiKey={key} />
              </td>
              <td>
                <code className="mono">{key.token_hint}</code>
              </td>
              <td>
                <time dateTime={key.created_at}>{f.dateTime(key.created_at)}</time>
              </td>
              <td>
                {key.revoked_at === null ? (
                  <Badge tone="active">{t('keys.active')}</Badge>
                ) : (
                  <>
                    <Badge tone="revoked">{t('keys.revokedBadge')}</Badge>
                    <div className="muted settings-small">
                      <time dateTime={key.revoked_at}>{f.dateTime(key.revoked_at)}</time>
                    </div>
                  </>
                )}
              </td>
              {canWrite && (
                <td className="settings-actions">
                  {key.revoked_at === null && key.kind === 'publishable' && (
                    <button type="button" onClick={() => onEditOrigins(key)} aria-label={t('keys.editOriginsNamed', { name: key.name })}>
                      {t('keys.editOrigins')}
                    </button>
                  )}
                  {key.revoked_at === null && (
                    <button type="button" className="danger" onClick={() => onRevoke(key)} aria-label={t('keys.revokeNamed', { name: key.name })}>
                      {t('keys.revoke')}
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A key's scopes: "Full access" when it holds all of its kind's default scopes, otherwise the list. */
function ScopeSummary({ kind, scopes }: { kind: KeyKind; scopes: string[] }) {
  const { t } = useTranslation('settings');
  const all = defaultScopesOfKind(kind);
  const full = all.every((s) => scopes.includes(s));
  const extra = scopes.filter((s) => !(all as readonly string[]).includes(s));
  if (full && extra.length === 0) return <Badge tone="full">{kind === 'secret' ? t('keys.fullAccess') : t('keys.allPublishable')}</Badge>;
  const shown = scopes.slice(0, 3);
  const rest = scopes.slice(3);
  return (
    <div className="settings-scope-list">
      <ul className="settings-chips" aria-label={t('keys.scopeCount', { count: scopes.length })}>
        {shown.map((s) => (
          <li key={s} className="mono">
            {s}
          </li>
        ))}
      </ul>
      {rest.length > 0 && (
        <details>
          <summary>{t('keys.moreScopes', { count: rest.length })}</summary>
          <ul className="settings-chips">
            {rest.map((s) => (
              <li key={s} className="mono">
                {s}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function CreateKeyForm({ onCreated, onCancel }: { onCreated: (key: CreatedApiKey) => void; onCancel: () => void }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const { session } = useSession();
  const held = session?.scopes ?? [];
  const queryClient = useQueryClient();
  const notify = useNotify();
  const problemText = useProblemText();
  const form = useRef<HTMLFormElement>(null);
  useAutoFocus(form);
  const initialScopes = (kind: KeyKind) => new Set<Scope>(defaultScopesOfKind(kind).filter((s) => canGrant(s, held)));
  const [name, setName] = useState('');
  const [kind, setKind] = useState<KeyKind>('secret');
  const [scopes, setScopes] = useState<Set<Scope>>(() => initialScopes('secret'));
  const [nameError, setNameError] = useState<string | undefined>();
  const [scopesError, setScopesError] = useState<string | undefined>();
  const [originsText, setOriginsText] = useState('');
  const originsError = useOriginsError();

  const create = useMutation({
    mutationFn: (body: { name: string; kind: KeyKind; scopes: Scope[]; allowed_origins?: string[] }) => unwrap(bos.POST('/v1/api-keys', { body, headers: idempotencyKey() })),
    onSuccess: async (key) => {
      notify('success', t('keys.createdNotice', { name: key.name }));
      onCreated(key);
      await queryClient.invalidateQueries({ queryKey: apiKeysQueryKey });
      await queryClient.invalidateQueries({ queryKey: ['audit-events'] });
    },
  });

  function chooseKind(next: KeyKind) {
    setKind(next);
    setScopes(initialScopes(next));
    setScopesError(undefined);
  }

  function toggle(scope: Scope, on: boolean) {
    setScopes((current) => {
      const next = new Set(current);
      if (on) next.add(scope);
      else next.delete(scope);
      return next;
    });
    setScopesError(undefined);
  }

  function setGroup(group: readonly Scope[], on: boolean) {
    setScopes((current) => {
      const next = new Set(current);
      for (const s of group) if (!on) next.delete(s);
      else if (canGrant(s, held)) next.add(s);
      return next;
    });
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
    error = named.length > 0 && named.every((s) => scopes.has(s as Scope)) ? t('keys.beyondHeld', { scopes: named.join(', ') }) : tc('notAllowed');
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
            <GroupButtons group={secretScopes} setGroup={setGroup} label={t('keys.secretScopes')} />
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
                    <th scope="row">{t(`keys.resources.${resource}`)}</th>
                    {(['read', 'write'] as const).map((access) => {
                      const scope = `${resource}:${access}` as Scope;
                      if (!(secretScopes as readonly string[]).includes(scope)) return <td key={access} />;
                      return (
                        <td key={access}>
                          <ScopeCheck scope={scope} checked={scopes.has(scope)} grantable={canGrant(scope, held)} onChange={toggle} />
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
          <GroupButtons group={publishableScopes} setGroup={setGroup} label={t('keys.publishableScopes')} />
          <p className="hint">{kind === 'secret' ? t('keys.publishableOnSecret') : t('keys.publishableOnly')}</p>
          <ul className="settings-check-list">
            {publishableScopes.map((scope) => (
              <li key={scope}>
                <ScopeCheck scope={scope} checked={scopes.has(scope)} grantable onChange={toggle} description={t(`keys.publishableHint.${scope.replace(':', '_')}`)} />
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
      <FormError message={error} />
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          {tc('cancel')}
        </button>
        <button type="submit" className="primary" disabled={create.isPending} aria-busy={create.isPending}>
          {create.isPending ? t('keys.creating') : t('keys.create')}
        </button>
      </div>
    </form>
  );
}

function GroupButtons({ group, setGroup, label }: { group: readonly Scope[]; setGroup: (group: readonly Scope[], on: boolean) => void; label: string }) {
  const { t } = useTranslation('settings');
  return (
    <div className="settings-group-buttons">
      <button type="button" className="settings-link-button" onClick={() => setGroup(group, true)} aria-label={t('selectAllOf', { group: label })}>
        {t('selectAll')}
      </button>
      <button type="button" className="settings-link-button" onClick={() => setGroup(group, false)} aria-label={t('selectNoneOf', { group: label })}>
        {t('selectNone')}
      </button>
    </div>
  );
}

function ScopeCheck({ scope, checked, grantable, description, onChange }: { scope: Scope; checked: boolean; grantable: boolean; description?: string; onChange: (scope: Scope, on: boolean) => void }) {
  const { t } = useTranslation('settings');
  return (
    <label className={`settings-check${grantable ? '' : ' settings-check-locked'}`}>
      <input type="checkbox" checked={checked && grantable} disabled={!grantable} onChange={(e) => onChange(scope, e.target.checked)} />
      <span>
        <span className="mono">{scope}</span>
        {!grantable && <span className="visually-hidden"> ({t('keys.notHeld')})</span>}
        {description !== undefined && <span className="hint settings-block">{description}</span>}
      </span>
    </label>
  );
}

function CreatedKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const { t } = useTranslation('settings');
  const ref = useRef<HTMLDivElement>(null);
  useAutoFocus(ref);
  return (
    <div ref={ref}>
      <SecretReveal label={t('keys.tokenOf', { name: created.name })} value={created.token} warning={t('keys.tokenWarning')}>
        <dl className="facts settings-facts">
          <dt>{t('keys.kind')}</dt>
          <dd>{t(`keys.kinds.${created.kind}`)}</dd>
          <dt>{t('keys.scopes')}</dt>
          <dd>
            <ScopeSummary kind={created.kind} scopes={created.scopes} />
          </dd>
        </dl>
        <p className="hint">{created.kind === 'secret' ? t('keys.useSecret') : t('keys.usePublishable')}</p>
      </SecretReveal>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onDone}>
          {t('keys.done')}
        </button>
      </div>
    </div>
  );
}
