import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { eraseStaleSensitiveBodies } from './mail-messages.js';
import { migrations } from './migrations.js';
import { registerRoutes } from './routes.js';
import { sendMailHandler } from './send-mail.js';
import { transportFromConfig } from './transport.js';
import { mailSettings } from './settings.js';

/**
 * Outgoing email. Any module queues a message with `queueMail(trx, …)` inside its own
 * transaction; the durable job `mail.send` hands it to the SMTP server the configuration names
 * (OPENBOS_SMTP_URL or OPENBOS_SMTP_HOST…), retrying with backoff. With no SMTP server
 * configured, messages are recorded and readable in the console's Mail page instead of sent.
 */
export const mailModule = defineModule({
  name: 'mail',
  migrations,
  routes: registerRoutes,
  checks,
  jobs: ({ config, logger }) => {
    const transport = transportFromConfig(config);
    if (transport.kind === 'none') logger.info('no SMTP server is configured (OPENBOS_SMTP_URL): mail is recorded, not sent; read it in the console under Mail');
    return [sendMailHandler(transport)];
  },
  settings: mailSettings,
  maintenance: [{ name: 'mail.erase_secrets', interval_ms: 3_600_000, run: async ({ db }) => void (await eraseStaleSensitiveBodies(db)) }],
});

export { queueMail, sendMailJob, type NewMail } from './queue-mail.js';
export { sendQueuedMail, sendMailHandler, attempts_max as mail_attempts_max } from './send-mail.js';
export { getMailMessage, listMailMessages, eraseStaleSensitiveBodies, type MailMessage } from './mail-messages.js';
export { transportFromConfig, recordingTransport, MailRefused, type MailTransport, type OutgoingMail } from './transport.js';
export { mailStatuses, type MailStatus } from './tables.js';
export { escapeHtml, linkMessage } from './html.js';
export { mailFrom, mailSettings } from './settings.js';
