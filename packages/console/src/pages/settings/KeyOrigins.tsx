import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { bos, idempotencyKey, OpenBosError, unwrap, type Schemas } from '../../api';
import { Field } from '../../components/Field';
import { FormError } from '../../components/Form';
import { useFocusWithin } from '../../components/focus';
import { useProblemText } from './problems';

/**
 * The web origins whose pages may use a publishable key (CORS): shown in the keys table, typed
 * when a key is created, and changed later with PATCH /v1/api-keys/{key_id}. The server checks
 * and normalises them; this page only splits the text and shows the server's verdict per origin.
 */
type ApiKey = Schemas['ApiKey'];

/** The origins typed into the text area: one per line (commas and spaces separate them too). */
export function originsOfText(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The server's verdict on `allowed_origins` (a 400 naming `allowed_origins.<i>`), one line per bad origin. */
export function useOriginsError() {
  return (error: unknown, origins: readonly string[]): string | undefined => {
    if (!(error instanceof OpenBosError) || error.code !== 'validation_failed') return undefined;
    const lines = Object.entries(error.fieldErrors())
      .filter(([field]) => field === 'allowed_origins' || field.startsWith('allowed_origins.'))
      .map(([field, message]) => {
        const origin = origins[Number(field.split('.')[1])];
        return origin === undefined ? message : `${origin}: ${message}`;
      });
    return lines.length === 0 ? undefined : lines.join('; ');
  };
}

/** The text area for a publishable key's origins, with what they mean. */
export function OriginsField({ value, error, onChange, autoFocus = false }: { value: string; error: string | undefined; onChange: (text: string) => void; autoFocus?: boolean }) {
  const { t } = useTranslation('settings');
  return (
    <Field label={t('keys.origins')} hint={t('keys.originsHint')} error={error}>
      {(a11y) => (
        <textarea
          {...a11y}
          className="settings-origins mono"
          rows={4}
          value={value}
          spellCheck={false}
          autoComplete="off"
          placeholder={'https://shop.example.com\nhttp://localhost:*'}
          onChange={(e) => onChange(e.target.value)}
          {...(autoFocus ? { 'data-autofocus': true } : {})}
        />
      )}
    </Field>
  );
}

/** A key's origins in the table: secret keys have none by design; a publishable key without any answers no browser. */
export function OriginsSummary({ apiKey }: { apiKey: ApiKey }) {
  const { t } = useTranslation('settings');
  if (apiKey.kind !== 'publishable') return <span className="muted settings-small">{t('keys.originsSecret')}</span>;
  if (apiKey.allowed_origins.length === 0) return <span className="muted settings-small">{t('keys.originsNone')}</span>;
  return (
    <ul className="settings-chips" aria-label={t('keys.originsOf', { name: apiKey.name })}>
      {apiKey.allowed_origins.map((origin) => (
        <li key={origin} className="mono">
          {origin}
        </li>
      ))}
    </ul>
  );
}

/** The dialog's form that replaces a publishable key's origins. */
export function EditOriginsForm({ apiKey, onSaved, onCancel }: { apiKey: ApiKey; onSaved: (key: ApiKey) => void; onCancel: () => void }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  const problemText = useProblemText();
  const originsError = useOriginsError();
  const form = useRef<HTMLFormElement>(null);
  useFocusWithin(form);
  const [text, setText] = useState(apiKey.allowed_origins.join('\n'));
  const save = useMutation({
    mutationFn: (allowed_origins: string[]) => unwrap(bos.PATCH('/v1/api-keys/{key_id}', { params: { path: { key_id: apiKey.id } }, body: { allowed_origins }, headers: idempotencyKey() })),
    onSuccess: onSaved,
  });
  const submitted = originsOfText(text);
  const fieldError = save.isError ? originsError(save.error, save.variables ?? []) : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(submitted);
  }

  return (
    <form ref={form} onSubmit={submit} noValidate className="settings-form">
      <p className="muted">{t('keys.originsIntro', { name: apiKey.name })}</p>
      <OriginsField value={text} error={fieldError} onChange={(next) => { setText(next); save.reset(); }} autoFocus />
      <FormError message={save.isError && fieldError === undefined ? problemText(save.error) : undefined} />
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          {tc('cancel')}
        </button>
        <button type="submit" className="primary" disabled={save.isPending} aria-busy={save.isPending}>
          {save.isPending ? t('keys.originsSaving') : t('keys.originsSave')}
        </button>
      </div>
    </form>
  );
}
