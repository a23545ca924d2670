import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../../api';
import { isForbidden, NotAllowed as SharedNotAllowed } from '../../components/NotAllowed';
import { QueryState } from '../../components/QueryState';

export type Payment = Schemas['Payment'];
export type Payout = Schemas['Payout'];

/** The payment states the console knows a name for; anything else shows as the server says it. */
const paymentStatuses = ['processing', 'authorized', 'captured', 'released', 'refunded', 'partially_refunded', 'failed'] as const;

export function NotAllowed() {
  return <SharedNotAllowed className="payouts-not-allowed" />;
}

/**
 * QueryState for a section the role may not be allowed to read: a refusal from the server shows
 * the same "Your role may not do this." as a role that lacks the scope, not an error.
 */
export function GuardedQueryState<T>({ query, isEmpty, empty, children }: { query: UseQueryResult<T>; isEmpty?: (data: T) => boolean; empty?: ReactNode; children: (data: T) => ReactNode }) {
  if (query.isError && isForbidden(query.error)) return <NotAllowed />;
  return (
    <QueryState query={query} {...(isEmpty === undefined ? {} : { isEmpty })} {...(empty === undefined ? {} : { empty })}>
      {children}
    </QueryState>
  );
}

/** Where a buyer's payment stands: in escrow, released to the seller, refunded, failed. */
export function PaymentBadge({ status }: { status: string }) {
  const { t } = useTranslation('payouts');
  const known = paymentStatuses.find((s) => s === status);
  return <span className={`badge payment-badge payment-badge-${known ?? 'other'}`}>{known === undefined ? status : t(`payments.statusName.${known}`)}</span>;
}

/** Newest first, by when it happened; the ID (time-ordered) breaks ties. */
export function newestFirst<T extends { id: string; created_at: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.created_at < b.created_at ? 1 : -1));
}
