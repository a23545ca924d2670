import currencyCodes from 'currency-codes';
import { z } from 'zod';

/**
 * Money is an integer count of a currency's minor unit (cents, fen) with its ISO 4217 code.
 * Amounts are bigint in code and `bigint` in PostgreSQL; in JSON they are integers, refused
 * beyond 2^53 - 1 so no client's double can round them.
 */
export interface Money {
  readonly amount_minor: bigint;
  readonly currency: string;
}

/**
 * ISO 4217 codes that are not money a shop can price in: precious metals, bond-market units,
 * special drawing rights and the codes for testing and for "no currency".
 */
const notCurrencies = new Set(['XAU', 'XAG', 'XPD', 'XPT', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XSU', 'XUA', 'XTS', 'XXX']);

export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && !notCurrencies.has(code) && currencyCodes.code(code) !== undefined;
}

/** Number of minor-unit digits of the currency (2 for EUR, 0 for JPY, 3 for BHD). */
export function minorUnitDigits(currency: string): number {
  const entry = currencyCodes.code(currency);
  if (entry === undefined) throw new Error(`unknown currency ${currency}`);
  return entry.digits;
}

export const currencySchema = z
  .string()
  .refine(isCurrency, { message: 'must be an ISO 4217 currency code such as EUR or CNY' })
  .describe('ISO 4217 currency code');

export const amountMinorSchema = z
  .number()
  .int('must be an integer count of minor units (cents), never a fraction')
  .min(-Number.MAX_SAFE_INTEGER)
  .max(Number.MAX_SAFE_INTEGER, 'is larger than 2^53 - 1')
  .describe('amount in the currency’s minor unit');

/**
 * The bounds that keep every sum the platform forms exact: a unit price up to 10^12 minor units
 * and an order up to 10^13 (a hundred billion euros), so a merchant's balance of 900 such orders
 * still fits a JSON-safe integer and the ledger's bigint sums never overflow.
 */
export const unit_price_minor_max = 1_000_000_000_000;
export const order_total_minor_max = 10_000_000_000_000n;

export const priceMinorSchema = amountMinorSchema.min(0, 'must not be negative').max(unit_price_minor_max, 'is larger than 10^12 minor units');

export function money(amount_minor: bigint | number, currency: string): Money {
  if (typeof amount_minor === 'number' && !Number.isSafeInteger(amount_minor)) {
    throw new RangeError(`amount ${amount_minor} is not a safe integer`);
  }
  if (!isCurrency(currency)) throw new RangeError(`unknown currency ${currency}`);
  return { amount_minor: BigInt(amount_minor), currency };
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return { amount_minor: a.amount_minor + b.amount_minor, currency: a.currency };
}

/** Multiplies by a rate in basis points, rounding half to even as accountants do. */
export function applyBasisPoints(value: Money, basis_points: bigint): Money {
  const product = value.amount_minor * basis_points;
  const quotient = product / 10_000n;
  const remainder = product % 10_000n;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  let rounded = quotient;
  if (twice > 10_000n || (twice === 10_000n && quotient % 2n !== 0n)) {
    rounded += product < 0n ? -1n : 1n;
  }
  return { amount_minor: rounded, currency: value.currency };
}

export class CurrencyMismatchError extends Error {
  constructor(readonly left: string, readonly right: string) {
    super(`currency mismatch: ${left} and ${right}`);
    this.name = 'CurrencyMismatchError';
  }
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new CurrencyMismatchError(a.currency, b.currency);
}

/** JSON form of an amount: a safe integer, or an error, never a rounded double. */
export function toJsonAmount(amount_minor: bigint): number {
  if (amount_minor > BigInt(Number.MAX_SAFE_INTEGER) || amount_minor < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`amount ${amount_minor} exceeds the JSON-safe range`);
  }
  return Number(amount_minor);
}

/**
 * An amount as people read it, with its currency's symbol and decimals: `¥44.65`, `€1,234.50`,
 * `¥1,200` for yen. Exact for any bigint: the decimal string is formatted, never a double. The
 * narrow symbol is what a shop's own customers see; where several currencies could share it, the
 * caller says which (a payout names its merchant, whose currency is known).
 */
export function formatMoney(amount_minor: bigint | number, currency: string, locale = 'en'): string {
  const { format, digits } = formatterOf(locale, currency);
  const minor = BigInt(amount_minor);
  const sign = minor < 0n ? '-' : '';
  const units = (minor < 0n ? -minor : minor).toString().padStart(digits + 1, '0');
  const decimal = digits === 0 ? units : `${units.slice(0, -digits)}.${units.slice(-digits)}`;
  // A decimal string keeps every digit (Intl.NumberFormat v3); the type declarations lag behind.
  return format.format(`${sign}${decimal}` as unknown as number);
}

/**
 * Building an Intl.NumberFormat costs about a hundred times formatting with one, and checkout
 * pricing explains every promotion in money, so each locale and currency's formatter is built once.
 */
const formatters = new Map<string, { format: Intl.NumberFormat; digits: number }>();
function formatterOf(locale: string, currency: string): { format: Intl.NumberFormat; digits: number } {
  const key = `${locale}|${currency}`;
  let entry = formatters.get(key);
  if (entry === undefined) {
    const digits = minorUnitDigits(currency);
    entry = { format: new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'narrowSymbol', minimumFractionDigits: digits, maximumFractionDigits: digits }), digits };
    formatters.set(key, entry);
  }
  return entry;
}

/**
 * The share of `amount_minor` that the first `units` of `quantity` units carry, rounded down:
 * a line's discount per unit by cumulative floor, so the shares of any split of the units add up
 * to the whole exactly when all of them are counted.
 */
export function shareOfUnits(amount_minor: bigint, units: number, quantity: number): bigint {
  if (quantity <= 0 || units < 0 || units > quantity) throw new Error(`share of ${units} units of ${quantity}`);
  return (amount_minor * BigInt(units)) / BigInt(quantity);
}
