import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/kernel/db.js';
import { runChecks } from '../src/kernel/checks.js';
import { runDueJobs, type JobHandler } from '../src/kernel/jobs.js';
import { eraseStaleSensitiveBodies, mailFrom, mailModule, queueMail, sendMailHandler, transportFromConfig, type NewMail } from '../src/modules/mail/index.js';
import { jobHandlers } from '../src/platform/modules.js';
import { createConsoleUser, createMerchant } from '../src/modules/merchants/index.js';
import { createTestDatabase, urlFor } from './support/database.js';
import { createTestPlatform, silentLogger, testConfig, type TestMerchant, type TestPlatform } from './support/platform.js';
import { freePort, startServer } from './support/process.js';
import { startSmtpServer, tokenIn, type TestSmtpServer } from './support/smtp.js';

/**
 * Outgoing mail travels over real SMTP to a server started here, through the durable `mail.send`
 * job; without an SMTP server it is recorded in the outbox instead. The rules: an acknowledged
 * message is never lost, a temporary refusal is retried, a secret link is not kept or shown.
 */
let smtp: TestSmtpServer;
let platform: TestPlatform;
let shop: TestMerchant;

beforeAll(async () => {
  smtp = await startSmtpServer({ auth: { user: 'openbos', pass: 's3cret pass' } });
  platform = await createTestPlatform({ OPENBOS_SMTP_URL: smtp.url, OPENBOS_MAIL_FROM: 'Test Shop <shop@example.test>' });
  shop = await platform.merchant();
});
afterAll(async () => {
  await platform.close();
  await smtp.close();
});

const unique = (tag: string) => `${tag}-${Math.random().toString(36).slice(2, 10)}`;
const runJobs = (at?: Date, handlers: ReadonlyMap<string, JobHandler> = jobHandlers(platform.ctx)) => runDueJobs(platform.database.db, handlers, silentLogger, at);
const later = (s: number) => new Date(Date.now() + s * 1_000);

async function queue(mail: Partial<NewMail> = {}): Promise<{ id: string; to: string }> {
  const to = mail.to ?? `${unique('reader')}@example.com`;
  const id = await inTransaction(platform.database.db, (trx) =>
    queueMail(trx, { merchant_id: shop.id, kind: 'test_note', from: mailFrom(platform.ctx.config), to, subject: `Hello ${to}`, text: `Plain words for ${to}`, html: `<p>Plain words for ${to}</p>`, ...mail }),
  );
  return { id, to };
}

async function row(id: string) {
  const result = await sql<{ status: string; attempts: number; last_error: string | null; text_body: string; smtp_message_id: string | null }>`select * from mail_message where id = ${id}`.execute(platform.database.db);
  return result.rows[0]!;
}

const mailCheck = async () => (await runChecks(platform.database.db, mailModule.checks)).flatMap((r) => r.violations);

describe('mail over SMTP', () => {
  it('delivers a queued message to the SMTP server (signed in with the configured user), and records it as sent', async () => {
    const before = smtp.received.length;
    const { id, to } = await queue();
    expect(smtp.received.length, 'nothing is sent before the job runs').toBe(before);
    expect((await row(id)).status).toBe('queued');
    await runJobs();
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail!.to).toEqual([to]);
    expect(mail!.from).toBe('shop@example.test');
    expect(mail!.subject).toBe(`Hello ${to}`);
    expect(mail!.body).toContain(`Plain words for ${to}`);
    expect(mail!.raw).toMatch(new RegExp(`^X-OpenBOS-Mail-Id: ${id}$`, "im"));
    const stored = await row(id);
    expect(stored.status).toBe('sent');
    expect(stored.attempts).toBe(1);
    expect(stored.smtp_message_id).not.toBeNull();
    // A second run sends nothing again.
    await runJobs(later(3_600));
    expect(smtp.received.length).toBe(before + 1);
  });

  it('also reaches the server given in parts (host, port, user, password)', async () => {
    const url = new URL(smtp.url);
    const config = testConfig({ OPENBOS_SMTP_HOST: url.hostname, OPENBOS_SMTP_PORT: url.port, OPENBOS_SMTP_USER: decodeURIComponent(url.username), OPENBOS_SMTP_PASS: decodeURIComponent(url.password) });
    const before = smtp.received.length;
    const { id } = await queue();
    await runJobs(undefined, new Map([['mail.send', sendMailHandler(transportFromConfig(config))]]));
    await smtp.waitFor(before + 1);
    expect((await row(id)).status).toBe('sent');

    const wrongPassword = testConfig({ OPENBOS_SMTP_HOST: url.hostname, OPENBOS_SMTP_PORT: url.port, OPENBOS_SMTP_USER: 'openbos', OPENBOS_SMTP_PASS: 'not the password' });
    const refused = await queue();
    await runJobs(undefined, new Map([['mail.send', sendMailHandler(transportFromConfig(wrongPassword))]]));
    expect(await row(refused.id), 'bad credentials are a permanent refusal').toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('never loses an acknowledged message: a send that dies midway leaves it queued with its job due, and it goes out later', async () => {
    const before = smtp.received.length;
    const { id } = await queue();
    // The process dies in the middle of the SMTP conversation: the job's transaction rolls back.
    const dying = new Map([['mail.send', sendMailHandler({ kind: 'smtp', send: () => Promise.reject(new Error('killed mid-send')) })]]);
    await runJobs(undefined, dying);
    expect((await row(id)).status).toBe('queued');
    expect(await mailCheck()).toEqual([]);
    await runJobs(later(60));
    await smtp.waitFor(before + 1);
    expect((await row(id)).status).toBe('sent');
  });

  it('retries a temporary refusal with backoff, and fails at once on a permanent one', async () => {
    const before = smtp.received.length;
    const retried = await queue();
    smtp.refuseNext(451);
    await runJobs();
    const first = await row(retried.id);
    expect(first).toMatchObject({ status: 'queued', attempts: 1 });
    expect(first.last_error).toContain('451');
    expect(smtp.received.length).toBe(before);
    expect(await mailCheck(), 'the retry is scheduled').toEqual([]);
    // Not before its backoff (at least 15 s for the first retry)…
    await runJobs(later(5));
    expect((await row(retried.id)).status).toBe('queued');
    // …and then it goes out.
    await runJobs(later(120));
    await smtp.waitFor(before + 1);
    expect(await row(retried.id)).toMatchObject({ status: 'sent', attempts: 2, last_error: null });

    const refused = await queue();
    smtp.refuseNext(550);
    await runJobs();
    const failed = await row(refused.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.last_error).toContain('550');
    await runJobs(later(7_200));
    expect(smtp.received.length, 'a permanently refused message is not tried again').toBe(before + 1);
  });

  it('erases a message’s secret link once sent, and never shows it while an SMTP server delivers mail', async () => {
    const admin = await shop.signIn('owner');
    const link = `https://shop.example/reset?token=${unique('secret')}`;
    const { id } = await queue({ kind: 'console_password_reset', text: `Reset: ${link}`, html: `<a href="${link}">Reset</a>`, sensitive: true });
    const queued = await admin.call('GET', `/v1/mail-messages/${id}`);
    expect(queued.status).toBe(200);
    expect(queued.body).toMatchObject({ body: 'hidden', text: null, html: null, sensitive: true });
    const before = smtp.received.length;
    await runJobs();
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail!.body, 'the recipient gets the link').toContain(link);
    expect((await row(id)).text_body).not.toContain(link);
    expect((await admin.call('GET', `/v1/mail-messages/${id}`)).body).toMatchObject({ status: 'sent', body: 'erased', text: null });
  });

  it('erases a secret link that stayed in the outbox past its time, and bos check says when one is kept', async () => {
    const link = `https://shop.example/reset?token=${unique('stale')}`;
    const { id } = await queue({ kind: 'console_password_reset', text: `Reset: ${link}`, sensitive: true });
    // Refused for good, it was never sent, so sending did not erase it.
    await sql`update mail_message set status = 'failed', created_at = now() - interval '5 days' where id = ${id}`.execute(platform.database.db);
    expect((await mailCheck()).join('\n')).toContain(id);
    expect(await eraseStaleSensitiveBodies(platform.database.db)).toBeGreaterThanOrEqual(1);
    expect((await row(id)).text_body).not.toContain(link);
    expect(await mailCheck()).toEqual([]);
  });

  it('bos check reports a queued message that no job will send', async () => {
    const { id } = await queue();
    expect(await mailCheck()).toEqual([]);
    await sql`delete from bos_job where key like ${`mail.send:${id}:%`}`.execute(platform.database.db);
    expect((await mailCheck()).join('\n')).toContain(id);
    await sql`update mail_message set status = 'failed' where id = ${id}`.execute(platform.database.db);
    expect(await mailCheck()).toEqual([]);
  });
});

describe('the outbox in the console', () => {
  it('pages through the merchant’s mail newest first, for those who may read its people', async () => {
    const other = await platform.merchant();
    const owner = await other.signIn('owner');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await inTransaction(platform.database.db, (trx) => queueMail(trx, { merchant_id: other.id, kind: 'test_note', from: 'a@example.test', to: `n${i}@example.com`, subject: `Note ${i}`, text: `Note ${i}` })));
    }
    const first = await owner.call('GET', '/v1/mail-messages?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.transport).toBe('smtp');
    expect(first.body.data.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.data[0]).toMatchObject({ to: 'n2@example.com', subject: 'Note 2', status: 'queued', from: 'a@example.test' });
    expect(first.body.data[0].text, 'lists carry no bodies').toBeUndefined();
    const second = await owner.call('GET', `/v1/mail-messages?limit=2&cursor=${first.body.next_cursor as string}`);
    expect(second.body.data.map((m: { id: string }) => m.id)).toEqual([ids[0]]);
    expect(second.body.next_cursor).toBeNull();
    expect((await owner.call('GET', `/v1/mail-messages/${ids[0]!}`)).body).toMatchObject({ body: 'shown', text: 'Note 0' });

    const staff = await other.signIn('staff');
    expect((await staff.call('GET', '/v1/mail-messages')).status).toBe(403);
    expect((await owner.call('GET', '/v1/mail-messages?cursor=bogus')).status).toBe(400);
  });
});

describe('mail without an SMTP server (development, the demo)', () => {
  it('records the message instead of sending it, and shows its body, link included, in the outbox', async () => {
    const local = await createTestPlatform();
    try {
      const store = await local.merchant();
      const owner = await store.signIn('owner');
      const before = smtp.received.length;
      const id = await inTransaction(local.database.db, (trx) =>
        queueMail(trx, { merchant_id: store.id, kind: 'console_password_reset', from: mailFrom(local.ctx.config), to: 'me@example.com', subject: 'Reset', text: 'Open https://x.example/reset?token=abc', sensitive: true }),
      );
      await runDueJobs(local.database.db, jobHandlers(local.ctx), silentLogger);
      const list = await owner.call('GET', '/v1/mail-messages');
      expect(list.body.transport).toBe('none');
      expect(list.body.data[0]).toMatchObject({ id, status: 'recorded', attempts: 1 });
      expect((await owner.call('GET', `/v1/mail-messages/${id}`)).body).toMatchObject({ body: 'shown', text: 'Open https://x.example/reset?token=abc' });
      expect(smtp.received.length).toBe(before);
    } finally {
      await local.close();
    }
  });
});

describe('mail across a killed process', () => {
  it('sends a reset link the server acknowledged, after the server was killed before sending it', async () => {
    const database = await createTestDatabase();
    try {
      const merchant = await createMerchant(database.db, { handle: unique('killed'), name: 'Killed shop', kind: 'brand', default_currency: 'EUR', country: 'DE' });
      const email = `${unique('owner')}@example.com`;
      await createConsoleUser(database.db, { merchant_id: merchant.id, email, name: 'Owner', role: 'owner', password: 'an owner password' }, 'test');
      const port = await freePort();
      const env = { DATABASE_URL: urlFor(database.name), PORT: String(port), HOST: '127.0.0.1', OPENBOS_SEED_DEMO: 'never', OPENBOS_SMTP_URL: smtp.url };
      // The first process never gets to run its jobs: it is killed right after it answered.
      const first = await startServer({ ...env, OPENBOS_JOB_POLL_MS: '3600000' });
      const before = smtp.received.length;
      const res = await fetch(`http://127.0.0.1:${port}/v1/console/password-resets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ merchant: merchant.handle, email }) });
      expect(res.status).toBe(202);
      first.child.kill('SIGKILL');
      await first.exited;
      expect(smtp.received.length).toBe(before);

      const second = await startServer({ ...env, OPENBOS_JOB_POLL_MS: '100' });
      try {
        const [mail] = (await smtp.waitFor(before + 1, 15_000)).slice(before);
        expect(mail!.to).toEqual([email]);
        expect(tokenIn(mail!, 'pwr_')).toMatch(/^pwr_/);
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      await database.drop();
    }
  }, 60_000);
});
