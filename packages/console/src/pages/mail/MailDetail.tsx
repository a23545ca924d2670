import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { bos, unwrap, type Schemas } from '../../api';
import { Card } from '../../components/Card';
import { isForbidden, NotAllowed } from '../../components/NotAllowed';
import { PageHeader } from '../../components/PageHeader';
import { QueryState } from '../../components/QueryState';
import { StatusBadge } from '../../components/StatusBadge';
import { useFormat } from '../../format';
import { KindLabel } from './KindLabel';
import './mail.css';

type Message = Schemas['MailMessage'];

/** One message: its envelope, its status and, unless it holds a secret only its recipient may read, its body. */
export default function MailDetail() {
  const { t } = useTranslation('mail');
  const { mailId = '' } = useParams();
  const query = useQuery({ queryKey: ['mail', mailId], queryFn: () => unwrap(bos.GET('/v1/mail-messages/{mail_id}', { params: { path: { mail_id: mailId } } })) });
  return (
    <>
      <Link to="/mail">{t('back')}</Link>
      {isForbidden(query.error) ? <NotAllowed /> : <QueryState query={query}>{(m) => <MessageView message={m} />}</QueryState>}
    </>
  );
}

/** The text with its web addresses as links, so a developer can follow a link from the outbox. */
function LinkedText({ text }: { text: string }) {
  return (
    <>
      {text.split(/(https?:\/\/[^\s<>"]+)/).map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part} rel="noreferrer">
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </>
  );
}

function MessageView({ message: m }: { message: Message }) {
  const { t } = useTranslation('mail');
  const f = useFormat();
  return (
    <>
      <PageHeader title={m.subject} />
      <dl className="mail-envelope">
        <dt>{t('from')}</dt>
        <dd>{m.from}</dd>
        <dt>{t('to')}</dt>
        <dd>{m.to}</dd>
        <dt>{t('kind')}</dt>
        <dd>
          <KindLabel kind={m.kind} />
        </dd>
        <dt>{t('status')}</dt>
        <dd>
          <StatusBadge status={m.status} /> {m.attempts > 0 && `(${t('attempts')}: ${m.attempts})`}
        </dd>
        <dt>{t('time')}</dt>
        <dd>{f.dateTime(m.created_at)}</dd>
        {m.sent_at !== null && (
          <>
            <dt>{t('sentAt')}</dt>
            <dd>{f.dateTime(m.sent_at)}</dd>
          </>
        )}
        {m.smtp_message_id !== null && (
          <>
            <dt>{t('smtpId')}</dt>
            <dd className="mono">{m.smtp_message_id}</dd>
          </>
        )}
        {m.last_error !== null && (
          <>
            <dt>{t('error')}</dt>
            <dd className="mail-error">{m.last_error}</dd>
          </>
        )}
      </dl>
      {m.body === 'hidden' && <p className="mail-notice">{t('hidden')}</p>}
      {m.body === 'erased' && <p className="mail-notice">{t('erased')}</p>}
      {m.text !== null && (
        <Card title={t('text')}>
          <pre className="mail-text">
            <LinkedText text={m.text} />
          </pre>
        </Card>
      )}
      {/* Sandboxed with no permissions: a message's HTML can run nothing and reach nothing here. */}
      {m.html !== null && (
        <Card title={t('html')}>
          <iframe className="mail-html" title={t('htmlFrame')} sandbox="" srcDoc={m.html} />
        </Card>
      )}
    </>
  );
}
