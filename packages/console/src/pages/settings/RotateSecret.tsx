import { useMutation } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { bos, unwrap, type Schemas } from '../../api';
import { Dialog } from '../../components/Dialog';
import { useFocusWithin } from '../../components/focus';
import { DoneActions, FormActions, FormError } from '../../components/Form';
import { useFormat } from '../../format';
import { useAfterEndpointChange } from './EndpointForm';
import { useProblemText } from './problems';
import { SecretReveal } from './secrets';
import { RadioOption } from './shared';

type Endpoint = Schemas['WebhookEndpoint'];
type Rotated = Schemas['CreatedWebhookEndpoint'];

/** How long the old secret may keep signing, as offered; the API takes any number of seconds up to a week. */
const overlaps = [
  { key: 'none', seconds: 0 },
  { key: 'hour', seconds: 3_600 },
  { key: 'day', seconds: 86_400 },
  { key: 'week', seconds: 604_800 },
] as const;

/**
 * "Rotate secret" on one endpoint: asks how long the old secret keeps signing, then shows the new
 * one once. Both sign every delivery during the overlap, so the receiver can switch at leisure.
 */
export function RotateSecretDialog({ endpoint, onClose }: { endpoint: Endpoint | null; onClose: () => void }) {
  const { t } = useTranslation('settings');
  const [rotated, setRotated] = useState<Rotated | null>(null);
  const close = () => {
    setRotated(null);
    onClose();
  };
  return (
    <Dialog open={endpoint !== null} title={rotated === null ? t('webhooks.rotateTitle') : t('webhooks.rotatedTitle')} onClose={close}>
      {endpoint !== null && (rotated === null ? <RotateForm endpoint={endpoint} onCancel={close} onRotated={setRotated} /> : <RotatedView rotated={rotated} onDone={close} />)}
    </Dialog>
  );
}

function RotateForm({ endpoint, onCancel, onRotated }: { endpoint: Endpoint; onCancel: () => void; onRotated: (rotated: Rotated) => void }) {
  const { t } = useTranslation('settings');
  const problemText = useProblemText();
  const after = useAfterEndpointChange();
  const form = useRef<HTMLFormElement>(null);
  useFocusWithin(form);
  const name = useId();
  const [overlap_s, setOverlap] = useState<number>(86_400);
  const rotate = useMutation({
    // No Idempotency-Key: the answer holds the new secret, which must not be stored for a replay.
    // The button refuses a second press while the request runs.
    mutationFn: () => unwrap(bos.POST('/v1/webhook-endpoints/{endpoint_id}/rotate-secret', { params: { path: { endpoint_id: endpoint.id } }, body: { overlap_s } })),
    onSuccess: async (rotated) => {
      onRotated(rotated);
      await after();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    rotate.mutate();
  }
  return (
    <form ref={form} onSubmit={submit} className="settings-form">
      <p>{t('webhooks.rotateIntro', { url: endpoint.url })}</p>
      <fieldset>
        <legend>{t('webhooks.rotateOverlap')}</legend>
        <div className="settings-radios">
          {overlaps.map((o) => (
            <RadioOption key={o.key} name={name} value={String(o.seconds)} checked={overlap_s === o.seconds} onChange={() => setOverlap(o.seconds)} label={t(`webhooks.overlap.${o.key}`)} hint={t(`webhooks.overlapHint.${o.key}`)} />
          ))}
        </div>
      </fieldset>
      <FormError message={rotate.isError ? problemText(rotate.error) : undefined} className="settings-form-error" />
      <FormActions onCancel={onCancel} busy={rotate.isPending} busyLabel={t('webhooks.rotating')} submitLabel={t('webhooks.rotate')} danger />
    </form>
  );
}

function RotatedView({ rotated, onDone }: { rotated: Rotated; onDone: () => void }) {
  const { t } = useTranslation('settings');
  const f = useFormat();
  const ref = useRef<HTMLDivElement>(null);
  useFocusWithin(ref);
  const until = rotated.previous_secret_expires_at;
  return (
    <div ref={ref}>
      <SecretReveal label={t('webhooks.newSigningSecret')} value={rotated.secret} warning={t('webhooks.rotatedWarning')}>
        <p className="hint">{until === null ? t('webhooks.previousDropped') : t('webhooks.previousUntil', { date: f.dateTime(until) })}</p>
        <p className="hint">
          <Trans t={t} i18nKey="webhooks.secretUse" components={{ code: <code className="mono" /> }} />
        </p>
      </SecretReveal>
      <DoneActions label={t('keys.done')} onDone={onDone} />
    </div>
  );
}
