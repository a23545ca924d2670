import { monotonicFactory } from 'ulid';

/**
 * IDs are a short type prefix and a ULID: unique without coordination, sortable by creation
 * time, and readable in logs (`ord_01JD...` is an order). The monotonic factory keeps IDs made
 * in the same millisecond in order.
 */
const nextUlid = monotonicFactory();

const prefixPattern = /^[a-z]{2,8}$/;

export function newId<P extends string>(prefix: P): `${P}_${string}` {
  if (!prefixPattern.test(prefix)) throw new Error(`ID prefix must be 2-8 lowercase letters: ${prefix}`);
  return `${prefix}_${nextUlid()}`;
}

/** True when `value` looks like an ID of this prefix; it says nothing of whether it exists. */
export function isId(prefix: string, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`).test(value);
}
