import { useTranslation } from 'react-i18next';

const knownKinds = ['console_password_reset', 'consumer_password_reset', 'consumer_email_verification'];

/** What a message is, in words when the console knows the kind, else its code. */
export function KindLabel({ kind }: { kind: string }) {
  const { t } = useTranslation('mail');
  return knownKinds.includes(kind) ? <>{t(`kinds.${kind}`)}</> : <span className="mono">{kind}</span>;
}
