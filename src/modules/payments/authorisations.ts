import { sql, type Selectable } from 'kysely';
import { tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems } from '../../kernel/problem.js';
import type { Sealer } from '../../kernel/sealed.js';
import { authorizeWithRetry, type Payment } from './payments.js';
import type { PaymentProvider } from './provider.js';
import type { PaymentTables } from './tables.js';
import { testCards } from './test-provider.js';

/**
 * Payment authorisations (issue 18, docs/STORES.md): a consumer's standing authorisation with a
 * provider to charge their card off-session, up to a limit per charge, in one currency. A store
 * charges it when the member shows their consumer code (or walks out of an unattended store).
 * The card number is sealed at rest (kernel/sealed.ts, its context the authorisation and the
 * consumer, so a sealed card copied onto another row does not open); only its last four digits
 * are shown. A platform table: the consumer's authorisation serves every merchant.
 */
export interface PaymentAuthorisationTable {
  id: string;
  consumer_id: string;
  provider: string;
  card_sealed: string;
  card_last4: string;
  limit_minor: bigint;
  currency: string;
  status: 'active' | 'revoked';
  created_at: Date;
  revoked_at: Date | null;
}

export type PaymentAuthorisation = Omit<Selectable<PaymentAuthorisationTable>, 'card_sealed'>;

interface Tables extends PaymentTables {
  payment_authorisation: PaymentAuthorisationTable;
}

/** Active authorisations one consumer may hold at once. */
export const authorisations_max = 10;

const sealContext = (id: string, consumer_id: string) => `payment_authorisation:${id}:${consumer_id}`;

const publicColumns = ['id', 'consumer_id', 'provider', 'card_last4', 'limit_minor', 'currency', 'status', 'created_at', 'revoked_at'] as const;

/**
 * Sets up a standing authorisation with the provider. The test provider declines its declined
 * card here (402 `card_declined`), as a real provider's setup intent would; nothing is written then.
 */
export async function createPaymentAuthorisation(db: AnyDb, sealer: Sealer, provider: PaymentProvider, consumer_id: string, input: { card: string; limit_minor: bigint; currency: string }): Promise<PaymentAuthorisation> {
  const card = input.card.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(card)) throw problems.validation([{ field: 'card', location: 'body', message: 'must be a card number of 12 to 19 digits' }]);
  if (provider.name === 'test' && (card === testCards.declined || card === testCards.failsLater)) {
    throw new Problem(402, 'card_declined', 'The card was declined', 'The provider refused to set up an authorisation with this card; try another one');
  }
  const t = tablesOf<Tables>(db);
  const active = await t.selectFrom('payment_authorisation').select(sql<number>`count(*)::int`.as('n')).where('consumer_id', '=', consumer_id).where('status', '=', 'active').executeTakeFirstOrThrow();
  if (active.n >= authorisations_max) throw problems.conflict('too_many_authorisations', `A consumer holds at most ${authorisations_max} active authorisations; revoke one first`);
  const id = newId('pauth');
  return t
    .insertInto('payment_authorisation')
    .values({ id, consumer_id, provider: provider.name, card_sealed: sealer.seal(card, sealContext(id, consumer_id)), card_last4: card.slice(-4), limit_minor: input.limit_minor, currency: input.currency.toUpperCase(), status: 'active', created_at: new Date(), revoked_at: null })
    .returning(publicColumns)
    .executeTakeFirstOrThrow();
}

/** The consumer's authorisations, newest first (revoked ones too, so they can see what they revoked). */
export async function listPaymentAuthorisations(db: AnyDb, consumer_id: string): Promise<PaymentAuthorisation[]> {
  return tablesOf<Tables>(db).selectFrom('payment_authorisation').select(publicColumns).where('consumer_id', '=', consumer_id).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(100).execute();
}

/** Revokes one of the consumer's authorisations; another consumer's is not found. */
export async function revokePaymentAuthorisation(db: AnyDb, consumer_id: string, id: string): Promise<PaymentAuthorisation> {
  const t = tablesOf<Tables>(db);
  const revoked = await t.updateTable('payment_authorisation').set({ status: 'revoked', revoked_at: new Date() }).where('id', '=', id).where('consumer_id', '=', consumer_id).where('status', '=', 'active').returning(publicColumns).executeTakeFirst();
  if (revoked !== undefined) return revoked;
  const found = await t.selectFrom('payment_authorisation').select(publicColumns).where('id', '=', id).where('consumer_id', '=', consumer_id).executeTakeFirst();
  if (found === undefined) throw problems.notFound('The payment authorisation');
  return found;
}

/** The consumer's newest active authorisation in this currency, or undefined. */
export async function authorisationOf(db: AnyDb | AnyTrx, consumer_id: string, currency: string): Promise<PaymentAuthorisation | undefined> {
  return tablesOf<Tables>(db)
    .selectFrom('payment_authorisation')
    .select(publicColumns)
    .where('consumer_id', '=', consumer_id)
    .where('currency', '=', currency.toUpperCase())
    .where('status', '=', 'active')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/**
 * Why an authorisation cannot pay this amount, as the problem the buyer hears; undefined when it can.
 * 402 `no_payment_authorisation` (none active in the currency) or `authorisation_limit_exceeded`.
 */
export function authorisationRefusal(authorisation: PaymentAuthorisation | undefined, amount_minor: bigint, currency: string): Problem | undefined {
  if (authorisation === undefined) return new Problem(402, 'no_payment_authorisation', 'No payment authorisation', `The buyer has no active payment authorisation in ${currency}; they set one up with POST /v1/account/payment-authorisations`);
  if (amount_minor > authorisation.limit_minor) return new Problem(402, 'authorisation_limit_exceeded', 'Over the authorisation’s limit', `The total ${amount_minor} is over the authorisation’s limit of ${authorisation.limit_minor} ${authorisation.currency} minor units per charge`);
  return undefined;
}

/**
 * A payment for one order, written in the caller's transaction (the in-store sale's): it is
 * committed with the order before the provider is asked (`chargePayment`), so a server that dies
 * in between leaves a payment that the capture-payment flow's recovery looks up by its ID.
 */
export async function openPayment(trx: AnyTrx, input: { merchant_id: string; order_id: string; checkout_id: string; amount_minor: bigint; platform_funded_minor: bigint; currency: string; provider: string; commission_bps: number }): Promise<Payment> {
  return tablesOf<PaymentTables>(trx)
    .insertInto('payment')
    .values({ ...input, id: newId('pay'), status: 'processing', provider_payment_id: null, failure_code: null, refund_amount_minor: null, refund_sent_at: null, payout_id: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** What pays an open payment: a card presented now, or the buyer's standing authorisation (off-session). */
export type ChargeSource = { card: string } | { authorisation_id: string };

/**
 * Asks the provider to authorise and capture an open payment (after its transaction committed):
 * with a card, or off-session with the card of the buyer's authorisation, which must still be
 * active, in the payment's currency and over its amount. Answers the payment as the provider left
 * it: `processing` (the capture follows by webhook, through the capture-payment flow) or `failed`
 * (declined at once, or the authorisation no longer holds: `failure_code` says why). A provider
 * that stays unavailable fails the payment and throws 503.
 */
export async function chargePayment(db: AnyDb, sealer: Sealer, provider: PaymentProvider, payment: Payment, source: ChargeSource): Promise<Payment> {
  let card: string;
  if ('card' in source) {
    card = source.card.replace(/[\s-]/g, '');
  } else {
    const row = await tablesOf<Tables>(db).selectFrom('payment_authorisation').selectAll().where('id', '=', source.authorisation_id).executeTakeFirst();
    const failure = row === undefined || row.status !== 'active' ? 'authorisation_revoked' : row.currency !== payment.currency ? 'authorisation_currency' : payment.amount_minor > row.limit_minor ? 'authorisation_limit_exceeded' : undefined;
    if (failure !== undefined || row === undefined) {
      return tablesOf<PaymentTables>(db).updateTable('payment').set({ status: 'failed', failure_code: failure ?? 'authorisation_revoked', updated_at: sql`now()` }).where('merchant_id', '=', payment.merchant_id).where('id', '=', payment.id).returningAll().executeTakeFirstOrThrow();
    }
    card = sealer.open(row.card_sealed, sealContext(row.id, row.consumer_id));
  }
  return authorizeWithRetry(db, provider, payment, card);
}

/** One payment by its ID, as it stands. */
export async function paymentById(db: AnyDb | AnyTrx, merchant_id: string, id: string): Promise<Payment | undefined> {
  return tablesOf<PaymentTables>(db).selectFrom('payment').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', id).executeTakeFirst();
}
