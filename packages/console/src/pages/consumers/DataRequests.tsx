import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { bos, idempotencyKey, unwrap } from '../../api';
import { Dialog } from '../../components/Dialog';
import { TextField } from '../../components/Field';
import { useFocusFirstField } from '../../components/focus';
import { FormActions, FormError } from '../../components/Form';
import { useNotify } from '../../components/Notices';
import type { Consumer } from './types';

/**
 * A data-subject access request: everything held on the consumer, as a JSON file. The file is
 * made in the browser from the API's answer and offered as a download link, which is clicked
 * once for the person and stays on screen in case the browser held the download back.
 */
export function ExportButton({ consumer }: { consumer: Consumer }) {
  const { t } = useTranslation('consumers');
  const { t: tc } = useTranslation();
  const notify = useNotify();
  const link = useRef<HTMLAnchorElement>(null);
  const [file, setFile] = useState<{ url: string; name: string } | undefined>();

  useEffect(() => {
    if (file === undefined) return undefined;
    link.current?.click();
    return () => URL.revokeObjectURL(file.url);
  }, [file]);

  const mutation = useMutation({
    mutationFn: () => unwrap(bos.GET('/v1/consumers/{profile_id}/export', { params: { path: { profile_id: consumer.id } } })),
    onSuccess: (data) => {
      const blob = new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: 'application/json' });
      setFile({ url: URL.createObjectURL(blob), name: `consumer-${consumer.id}-${new Date().toISOString().slice(0, 10)}.json` });
      notify('success', t('export.ready'));
    },
    onError: (error) => notify('error', tc('failed', { message: error.message })),
  });

  return (
    <>
      <button type="button" onClick={() => mutation.mutate()} disabled={mutation.isPending}>
        {mutation.isPending ? t('export.preparing') : t('export.button')}
      </button>
      {file !== undefined && (
        <a ref={link} className="button" href={file.url} download={file.name} data-testid="export-download">
          {t('export.download')}
        </a>
      )}
    </>
  );
}

/** The right to be forgotten: erase the consumer after typing the word shown, then back to the list. */
export function EraseButton({ consumer, name }: { consumer: Consumer; name: string }) {
  const { t } = useTranslation('consumers');
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="danger" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        {t('erase.button')}
      </button>
      <Dialog open={open} title={t('erase.title', { name })} onClose={() => setOpen(false)}>
        <EraseForm consumer={consumer} name={name} onCancel={() => setOpen(false)} />
      </Dialog>
    </>
  );
}

function EraseForm({ consumer, name, onCancel }: { consumer: Consumer; name: string; onCancel: () => void }) {
  const { t } = useTranslation('consumers');
  const { t: tc } = useTranslation();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const navigate = useNavigate();
  const word = t('erase.word');
  const [typed, setTyped] = useState('');
  const [touched, setTouched] = useState(false);
  const matches = typed.trim() === word;
  const formRef = useFocusFirstField();

  const mutation = useMutation({
    mutationFn: () => unwrap(bos.DELETE('/v1/consumers/{profile_id}', { params: { path: { profile_id: consumer.id } }, headers: idempotencyKey() })),
    onSuccess: (result) => {
      void navigate('/consumers', { replace: true });
      queryClient.removeQueries({ queryKey: ['consumer', consumer.id] });
      queryClient.removeQueries({ queryKey: ['consumer-timeline', consumer.id] });
      void queryClient.invalidateQueries({ queryKey: ['consumers'] });
      void queryClient.invalidateQueries({ queryKey: ['overview'] });
      notify('success', t('erase.done', { name, events: result.events, identities: result.identities }));
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (matches) mutation.mutate();
  }

  return (
    <form ref={formRef} onSubmit={submit} noValidate>
      <p>{t('erase.body', { name, events: consumer.events_count })}</p>
      <ul className="erase-list">
        <li>{t('erase.what.profile')}</li>
        <li>{t('erase.what.future')}</li>
        <li>{t('erase.what.orders')}</li>
      </ul>
      <TextField
        label={t('erase.typeToConfirm', { word })}
        name="confirm"
        autoComplete="off"
        spellCheck={false}
        value={typed}
        error={touched && !matches ? t('erase.mismatch', { word }) : undefined}
        onChange={(e) => setTyped(e.target.value)}
      />
      <FormError message={mutation.isError ? tc('failed', { message: mutation.error.message }) : undefined} />
      <FormActions onCancel={onCancel} busy={mutation.isPending} busyLabel={t('erase.erasing')} submitLabel={t('erase.submit')} danger disabled={!matches} />
    </form>
  );
}
