import type { AnyDb } from '../../../kernel/db.js';
import { Problem, problems } from '../../../kernel/problem.js';
import { shippingFacts } from '../../../modules/catalog/index.js';
import { promiseFor, type DeliveryOption, type Destination } from '../../../modules/fulfilment/index.js';
import { getLocation } from '../../../modules/locations/index.js';
import type { ChosenDelivery, DeliveryChoice, DeliveryInput } from '../types.js';

/**
 * How much later than the time the buyer saw a recomputed promise may be and still count as the
 * same promise: the minutes between the quote and the checkout (an express window is "within 30
 * minutes from now", so it moves with the clock).
 */
export const promise_grace_ms = 10 * 60_000;

/** When an option promises to deliver (or have the goods ready). */
export function promisedAt(o: DeliveryOption): Date {
  return o.kind === 'express' ? o.window_to : o.kind === 'pickup' ? o.ready_by : o.deliver_by;
}

/**
 * Step A, before the checkout joins a batch (it reads, never writes): the delivery the buyer chose
 * for each seller, with its promise recomputed by the server now (fulfilment's `promiseFor`, the
 * same computation as POST /v1/delivery-options). Refused, with nothing reserved or written:
 *
 * - 422 `delivery_option_missing`: a seller of the checkout has no option (neither its own nor
 *   the checkout's);
 * - 422 `delivery_seller_unknown`: an option names a seller with nothing in the checkout;
 * - 422 `delivery_address_required`: an option other than pickup without an address;
 * - 409 `delivery_option_unavailable`: the option cannot be kept any more (the store no longer
 *   holds the items, closed, too far, no carrier);
 * - 422 `delivery_price_changed`: its price is not the one the buyer saw;
 * - 409 `delivery_promise_changed`: it now promises later than the buyer saw (beyond the grace).
 *
 * The batch checks the stock again under its locks (allocate-stock.ts): stock bought by someone
 * else in between refuses the checkout there, never reserves elsewhere.
 */
export async function promiseDelivery(db: AnyDb, items: readonly { variant_id: string; quantity: number }[], input: DeliveryInput, now = new Date()): Promise<Map<string, ChosenDelivery>> {
  const facts = await shippingFacts(db, items.map((i) => i.variant_id));
  const sellerOf = new Map(facts.map((f) => [f.variant_id, f.merchant_id]));
  const sellers = [...new Set(items.map((i) => sellerOf.get(i.variant_id)).filter((m): m is string => m !== undefined))];
  for (const m of Object.keys(input.sellers ?? {})) {
    if (!sellers.includes(m)) throw problems.unprocessable('delivery_seller_unknown', `The checkout has nothing from seller ${m}`);
  }
  const choices = new Map<string, DeliveryChoice>();
  for (const m of sellers) {
    const choice = input.sellers?.[m] ?? input.option;
    if (choice === undefined) throw problems.unprocessable('delivery_option_missing', `No delivery option chosen for seller ${m}`);
    if ((choice.kind === 'express' || choice.kind === 'pickup') && choice.location_id === undefined) throw problems.unprocessable('delivery_location_required', `${choice.kind} names the store that serves it (location_id)`);
    if (choice.kind !== 'pickup' && input.address === undefined) throw problems.unprocessable('delivery_address_required', `${choice.kind} delivery needs the address`);
    choices.set(m, choice);
  }

  // Where the promise is worked out for: the address, or for pickup without one the store itself.
  const options = new Map<string, DeliveryOption[]>();
  if (input.address !== undefined) {
    const destination: Destination = { latitude: input.address.latitude, longitude: input.address.longitude, country: input.address.country };
    for (const s of await promiseFor(db, items, destination, now)) options.set(s.merchant_id, s.options);
  } else {
    await Promise.all(
      [...choices].map(async ([m, choice]) => {
        const store = await getLocation(db, m, choice.location_id!);
        if (store === undefined || !store.active) throw unavailable(choice, `the location ${choice.location_id} does not serve this seller`);
        const [s] = await promiseFor(db, items.filter((i) => sellerOf.get(i.variant_id) === m), { latitude: store.latitude, longitude: store.longitude, country: store.address.country }, now);
        options.set(m, s?.options ?? []);
      }),
    );
  }

  const chosen = new Map<string, ChosenDelivery>();
  for (const [m, choice] of choices) {
    const option = (options.get(m) ?? []).find((o) => o.kind === choice.kind && (o.kind === 'express' || o.kind === 'pickup' ? o.location_id === choice.location_id : true));
    if (option === undefined) throw unavailable(choice, choice.location_id === undefined ? 'no place can keep it any more' : `${choice.location_id} can no longer serve it (its stock, hours or distance)`);
    if (option.price_minor !== choice.expected_price_minor) {
      throw new Problem(422, 'delivery_price_changed', 'The delivery price is not what the buyer saw', `${choice.kind} delivery now costs ${option.price_minor}, not ${choice.expected_price_minor}; ask for the delivery options again`, [
        { field: 'delivery.expected_price_minor', location: 'body', message: `the price is ${option.price_minor}` },
      ]);
    }
    if (choice.expected_by !== undefined && promisedAt(option).getTime() > Date.parse(choice.expected_by) + promise_grace_ms) {
      throw new Problem(409, 'delivery_promise_changed', 'The delivery promise changed', `${choice.kind} delivery now promises ${promisedAt(option).toISOString()}, later than ${choice.expected_by}; ask for the delivery options again`);
    }
    chosen.set(m, { option, recipient: input.recipient, address: input.address ?? null });
  }
  return chosen;
}

function unavailable(choice: DeliveryChoice, why: string): Problem {
  return new Problem(409, 'delivery_option_unavailable', 'The delivery option can no longer be kept', `${choice.kind} delivery: ${why}; ask for the delivery options again`);
}
