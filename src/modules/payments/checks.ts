import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

/** Well past the recovery window (20 s by default, 10 minutes at most): recovery has had its chances. */
const stuck_after_minutes = 15;

export const checks: readonly InvariantCheck[] = [
  {
    name: 'payments.one_capture_per_paid_order',
    description: 'each paid order has exactly one capture in the ledger, of its payment amount',
    async run(db) {
      const result = await sql<{ merchant_id: string; order_id: string; captures: number }>`
        select p.merchant_id, p.order_id, count(t.id)::int as captures
        from payment p left join ledger_transfer t on t.code = 'capture' and t.reference = p.order_id and t.amount = p.amount_minor
        where p.status in ('captured', 'released', 'refunded', 'partially_refunded')
        group by p.merchant_id, p.order_id having count(t.id) <> 1
        union all
        select merchant_id, order_id, 2 from payment where status <> 'failed' group by merchant_id, order_id having count(*) > 1
        limit 100`.execute(db);
      return result.rows.map((r) => `order ${r.order_id}: ${r.captures} captures`);
    },
  },
  {
    name: 'payments.escrow_accounted',
    description: 'for every captured payment, held + released + commission + refunded equals what the buyer paid plus what the platform funded of its discounts',
    async run(db) {
      // A payment's transfers: its capture's hold, release, commission, refund and the platform's
      // funding returned, and for each line refund n its refund (lref_<payment>_<n>), the
      // platform's share returned (lpret_<payment>_<n>) and the hold of the rest (hold_<payment>_<n>).
      const result = await sql<{ id: string; owed: bigint; accounted: bigint }>`
        with ids as (
          select p.id as payment_id, unnest(array['hold_' || p.id, 'rel_' || p.id, 'com_' || p.id, 'ref_' || p.id, 'pret_' || p.id]) as transfer_id
          from payment p where p.status in ('captured', 'released', 'refunded', 'partially_refunded')
          union all
          select r.payment_id, unnest(array[r.id, 'lpret_' || r.payment_id || '_' || r.seq, 'hold_' || r.payment_id || '_' || r.seq]) from payment_line_refund r),
        accounted as (
          select p.id, p.amount_minor + p.platform_funded_minor as owed,
            coalesce(sum(case when t.kind = 'pending' and t.pending_state = 'pending' then t.amount
                              when t.kind = 'post_pending' then t.amount
                              when t.kind = 'posted' and t.code in ('commission', 'refund', 'platform_discount_return') then t.amount
                              else 0 end), 0)::bigint as accounted
          from payment p
          join ids on ids.payment_id = p.id
          left join ledger_transfer t on t.id = ids.transfer_id
          where p.status in ('captured', 'released', 'refunded', 'partially_refunded')
          group by p.id, p.amount_minor, p.platform_funded_minor)
        select id, owed, accounted from accounted where owed <> accounted
        limit 100`.execute(db);
      return result.rows.map((r) => `payment ${r.id}: owed ${r.owed} (paid and platform-funded), accounted for ${r.accounted}`);
    },
  },
  {
    name: 'payments.platform_funds_its_discounts',
    description: 'every captured order’s platform funding equals its platform-funded discounts (order_discount), and the ledger moved exactly that into escrow at capture',
    async run(db) {
      const result = await sql<{ order_id: string; funded: string; discounts: string; moved: string }>`
        select p.order_id, p.platform_funded_minor::text as funded, coalesce(d.amount, 0)::text as discounts, coalesce(t.amount, 0)::text as moved
        from payment p
        left join (select merchant_id, order_id, sum(amount_minor) as amount from order_discount where funded_by = 'platform' group by merchant_id, order_id) d
          on d.merchant_id = p.merchant_id and d.order_id = p.order_id
        left join ledger_transfer t on t.id = 'pfund_' || p.id and t.code = 'platform_discount'
        where p.status in ('captured', 'released', 'refunded', 'partially_refunded')
          and (p.platform_funded_minor <> coalesce(d.amount, 0) or p.platform_funded_minor <> coalesce(t.amount, 0))
        limit 100`.execute(db);
      return result.rows.map((r) => `order ${r.order_id}: platform funded ${r.funded}, its platform-funded discounts are ${r.discounts}, the ledger moved ${r.moved}`);
    },
  },
  {
    name: 'payments.provider_events_reconcile',
    description: 'every capture a provider reported is in the ledger, found by its charge ID or by the reference it carried back, and every capture in the ledger was reported',
    async run(db) {
      // A capture event linked to no captured payment is money the provider took that the
      // platform does not hold: a payment whose charge ID never reached it (a crash mid-call),
      // an event for an unknown payment, or a capture of a payment that failed.
      const result = await sql<{ what: string; id: string }>`
        select 'reported but not in the ledger' as what, e.event_id as id from provider_event e
          where e.type = 'payment.captured'
            and not exists (select 1 from payment p join ledger_transfer t on t.id = 'cap_' || p.id
                            where p.provider = e.provider and p.provider_payment_id = e.provider_payment_id)
            and not exists (select 1 from payment p join ledger_transfer t on t.id = 'cap_' || p.id
                            where e.reference is not null and p.provider = e.provider and p.id = e.reference)
        union all
        select 'in the ledger but never reported', t.id from ledger_transfer t
          join payment p on t.id = 'cap_' || p.id
          where t.code = 'capture'
            and not exists (select 1 from provider_event e where e.provider = p.provider and e.provider_payment_id = p.provider_payment_id and e.type = 'payment.captured')
            and not exists (select 1 from provider_event e where e.provider = p.provider and e.reference = p.id and e.type = 'payment.captured')
        limit 100`.execute(db);
      return result.rows.map((r) => `capture ${r.id}: ${r.what}`);
    },
  },
  {
    name: 'payments.none_stuck_processing',
    description: `no payment is still processing without the provider's answer ${stuck_after_minutes} minutes after it was made (the recovery settles them within OPENBOS_PAYMENT_RECOVERY_AFTER_S)`,
    async run(db) {
      const result = await sql<{ id: string; created_at: Date }>`
        select id, created_at from payment
        where status = 'processing' and provider_payment_id is null and created_at < now() - make_interval(mins => ${stuck_after_minutes})
        order by created_at limit 100`.execute(db);
      return result.rows.map((r) => `payment ${r.id}: processing without the provider's answer since ${r.created_at.toISOString()}`);
    },
  },
  {
    name: 'payments.payouts_pay_what_was_released',
    description: 'every payout equals its ledger transfer and the sum of its statement, and each statement line pays exactly what the ledger released to the seller for that payment: a payout never exceeds what was available',
    async run(db) {
      const result = await sql<{ id: string; what: string }>`
        select p.id, 'amount ' || p.amount_minor || ' but ledger transfer ' || coalesce(t.amount::text, 'missing') || ' and statement ' || coalesce(i.net::text, 'empty') || ' less seller refunds ' || coalesce(sr.amount, 0) as what
        from payout p
        left join ledger_transfer t on t.id = p.transfer_id and t.code = 'payout'
        left join (select merchant_id, payout_id, sum(net_minor) as net from payout_item group by merchant_id, payout_id) i on i.merchant_id = p.merchant_id and i.payout_id = p.id
        left join (select merchant_id, payout_id, sum(amount_minor) as amount from payment_seller_refund where payout_id is not null group by merchant_id, payout_id) sr on sr.merchant_id = p.merchant_id and sr.payout_id = p.id
        where t.amount is distinct from p.amount_minor or i.net - coalesce(sr.amount, 0) is distinct from p.amount_minor
        union all
        select i.payout_id, 'pays ' || i.net_minor || ' for payment ' || i.payment_id || ' but the ledger released ' || coalesce(r.amount, 0)
        from payout_item i left join ledger_transfer r on r.id = 'rel_' || i.payment_id
        where i.net_minor <> coalesce(r.amount, 0)
        limit 100`.execute(db);
      return result.rows.map((r) => `payout ${r.id}: ${r.what}`);
    },
  },
  {
    name: 'payments.available_is_unpaid_releases',
    description: 'each seller’s available balance (seller_payable) equals what the ledger released for their payments not yet paid out, less the refunds they funded not yet netted by a payout',
    async run(db) {
      const result = await sql<{ owner_id: string; currency: string; available: string; unpaid: string }>`
        select a.owner_id, a.currency, (a.credits_posted - a.debits_posted)::text as available, coalesce(u.unpaid, 0)::text as unpaid
        from ledger_account a
        left join (select p.merchant_id, p.currency, sum(r.amount) as unpaid from payment p join ledger_transfer r on r.id = 'rel_' || p.id
                   where p.payout_id is null group by p.merchant_id, p.currency) u on u.merchant_id = a.owner_id and u.currency = a.currency
        left join (select r.merchant_id, r.currency, sum(t.amount) as refunded from payment_seller_refund r join ledger_transfer t on t.id = 'sref_' || r.id
                   where r.payout_id is null group by r.merchant_id, r.currency) s on s.merchant_id = a.owner_id and s.currency = a.currency
        where a.code = 'seller_payable' and a.credits_posted - a.debits_posted <> coalesce(u.unpaid, 0) - coalesce(s.refunded, 0)
        limit 100`.execute(db);
      return result.rows.map((r) => `seller ${r.owner_id} ${r.currency}: available ${r.available} but ${r.unpaid} released and not paid out, less the seller refunds not netted`);
    },
  },
];
