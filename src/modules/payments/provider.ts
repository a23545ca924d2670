/**
 * What OpenBOS needs from a payment provider. The built-in `TestPaymentProvider` implements it;
 * a real provider (Stripe, Adyen, Alipay, WeChat Pay) plugs in by implementing the same five
 * operations against its API and registering under its name (see docs/PAYMENTS.md).
 *
 * Providers report outcomes asynchronously through signed webhooks; those are the truth. The
 * synchronous answers only say whether the request was accepted.
 */
export interface AuthorizeRequest {
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
}

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
  /** Verifies a webhook's signature and freshness and parses it; throws InvalidSignatureError. */
  verifyWebhook(rawBody: string, headers: Headers): ProviderEvent;
}
