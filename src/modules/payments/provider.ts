/**
 * What OpenBOS needs from a payment provider. The built-in `TestPaymentProvider` implements it;
 * a real provider (Stripe, Adyen, Alipay, WeChat Pay) plugs in by implementing the same
 * operations against its API and registering under its name (see docs/PAYMENTS.md).
 *
 * Providers report outcomes asynchronously through signed webhooks; those are the truth. The
 * synchronous answers only say whether the request was accepted.
 *
 * The platform's payment ID is the reference of every charge: the payment row is committed
 * before the provider is called, the provider is given the ID (a real provider's merchant
 * reference or idempotency key), carries it back in its events and finds the charge by it
 * (`lookup`). So a charge whose synchronous answer was lost (the server died mid-call) is still
 * linked to its payment, by its events or by asking.
 */
export interface AuthorizeRequest {
  /** The platform's payment ID: the reference the provider keeps with the charge. */
  payment_id: string;
  amount_minor: bigint;
  currency: string;
  /** Test provider: a card number. Real providers: a token from their client SDK. */
  payment_method: string;
  /** Capture as soon as authorised (the escrow flow always does). */
  capture: boolean;
}

export type AuthorizeResult =
  | { status: 'processing'; provider_payment_id: string }
  | { status: 'declined'; provider_payment_id: string; decline_code: string };

export type ProviderEventType = 'payment.authorized' | 'payment.captured' | 'payment.failed' | 'payment.voided' | 'refund.succeeded';

export interface ProviderEvent {
  id: string;
  type: ProviderEventType;
  provider_payment_id: string;
  amount_minor: bigint;
  currency: string;
  occurred_at: string;
  failure_code?: string;
  refund_id?: string;
  /** The platform's payment ID the charge was made with (`AuthorizeRequest.payment_id`). */
  reference?: string;
}

/**
 * What the provider knows of a charge, found by the platform's reference: `not_found` means it
 * never charged (and will not: a charge it had not finished is abandoned by the lookup).
 */
export type ChargeLookup =
  | { status: 'not_found' }
  | { status: 'processing' | 'authorized' | 'captured' | 'failed'; provider_payment_id: string; amount_minor: bigint; currency: string; failure_code?: string };

/** A transient failure: the same request may be sent again (it is idempotent by payment ID). */
export class ProviderUnavailableError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'ProviderUnavailableError';
  }
}

export class InvalidSignatureError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'InvalidSignatureError';
  }
}

export interface PaymentProvider {
  readonly name: string;
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult>;
  capture(provider_payment_id: string, amount_minor: bigint): Promise<void>;
  void(provider_payment_id: string): Promise<void>;
  refund(provider_payment_id: string, amount_minor: bigint, refund_id: string): Promise<void>;
  /** Finds the charge made for a payment by its reference, the platform's payment ID. */
  lookup(reference: string): Promise<ChargeLookup>;
  /** Verifies a webhook's signature and freshness and parses it; throws InvalidSignatureError. */
  verifyWebhook(rawBody: string, headers: Headers): ProviderEvent;
}
