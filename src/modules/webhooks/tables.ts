import type { Generated } from 'kysely';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'dead';

export interface WebhookEndpointTable {
  merchant_id: string;
  id: string;
  url: string;
  description: string;
  /** Event types this endpoint receives; `['*']` is every type in the catalogue. */
  events: string[];
  /** The signing secret (`whsec_...`); kept in the clear because every delivery is signed with it. */
  secret: string;
  /** The secret replaced by the last rotation, which still signs deliveries until `previous_secret_expires_at`. */
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  /** Null while the endpoint receives deliveries. */
  disabled_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface WebhookDeliveryTable {
  merchant_id: string;
  id: string;
  endpoint_id: string;
  /** The outbox event's ID (`evt_...`), which is also the `id` of the body the receiver gets. */
  event_id: string;
  event_type: string;
  /** The event's payload, kept here because the outbox prunes delivered events before the last retry. */
  data: unknown;
  occurred_at: Date;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  last_response_status: number | null;
  last_error: string | null;
  next_attempt_at: Generated<Date>;
  created_at: Generated<Date>;
  delivered_at: Date | null;
}

export interface WebhookTables {
  webhook_endpoint: WebhookEndpointTable;
  webhook_delivery: WebhookDeliveryTable;
}
