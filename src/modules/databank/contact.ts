import { normaliseEmail, normalisePhone } from './identifiers.js';

/**
 * Who a consumer is, as a merchant may see it: a name and a masked contact. Email and phone are
 * identifiers, held only as hashes; what the data bank keeps for display is their masked form
 * ("l***@example.com", "+86 138****0001"), made when the value arrives, so no full address or
 * number is ever stored or returned. The traits the masks live under are reserved: a client
 * sending them has its value masked again, so a full address cannot be smuggled in through them.
 */
export const maskedTraits = { email: 'email_masked', phone: 'phone_masked' } as const;

/** "li.wei@example.com" -> "l***@example.com": the first character and the domain stay readable. */
export function maskEmail(raw: string): string | undefined {
  const email = normaliseEmail(raw) ?? (/^[^\s@]\*{3}@[^\s@]+$/.test(raw.trim()) ? raw.trim() : undefined);
  if (email === undefined) return undefined;
  const at = email.lastIndexOf('@');
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}

/**
 * "+8613800000001" -> "+86 138****0001": the country code, the first three and the last four
 * digits stay, as a phone is shown on a parcel label in China; shorter numbers keep only the
 * last four digits.
 */
export function maskPhone(raw: string): string | undefined {
  const trimmed = raw.trim();
  // An already masked value keeps its form (the mask is idempotent).
  if (/^(\+\d{1,3} )?\d{0,3}\*{4}\d{4}$/.test(trimmed)) return trimmed;
  const phone = normalisePhone(trimmed);
  if (phone === undefined) return undefined;
  const international = phone.startsWith('+');
  const digits = phone.replace(/^\+/, '');
  // Mainland China numbers (+86, 11 digits) and others: the country code is split off when given.
  const code = international ? countryCode(digits) : '';
  const national = digits.slice(code.length);
  const last4 = national.slice(-4);
  const head = national.length >= 11 ? national.slice(0, 3) : '';
  return `${code === '' ? '' : `+${code} `}${head}****${last4}`;
}

/** The calling code of an international number: the common one- to three-digit prefixes. */
function countryCode(digits: string): string {
  if (digits.startsWith('1') || digits.startsWith('7')) return digits.slice(0, 1);
  const two = digits.slice(0, 2);
  if (['20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49', '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84', '86', '90', '91', '92', '93', '94', '95', '98'].includes(two)) return two;
  return digits.slice(0, 3);
}

function text(traits: Record<string, unknown>, key: string): string | undefined {
  const value = traits[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The name a consumer gave: `name`, or first and last name (either spelling Segment SDKs use). */
export function displayName(traits: Record<string, unknown>): string | null {
  const full = text(traits, 'name');
  if (full !== undefined) return full.slice(0, 200);
  const parts = [text(traits, 'first_name') ?? text(traits, 'firstName'), text(traits, 'last_name') ?? text(traits, 'lastName')].filter((p) => p !== undefined);
  return parts.length === 0 ? null : parts.join(' ').slice(0, 200);
}

/** The masked email, else the masked phone, else null. */
export function displayContact(traits: Record<string, unknown>): { email: string | null; phone: string | null } {
  const email = text(traits, maskedTraits.email);
  const phone = text(traits, maskedTraits.phone);
  return { email: email === undefined ? null : (maskEmail(email) ?? null), phone: phone === undefined ? null : (maskPhone(phone) ?? null) };
}

/**
 * The traits as a merchant may read them: email and phone only masked. Raw `email` and `phone`
 * are never stored, but a profile written before masks existed, or a client's own mask trait,
 * passes through here too.
 */
export function traitsForMerchant(traits: Record<string, unknown>): Record<string, unknown> {
  const { email: _e, phone: _p, [maskedTraits.email]: _em, [maskedTraits.phone]: _pm, ...rest } = traits;
  const contact = displayContact(traits);
  return { ...rest, ...(contact.email === null ? {} : { [maskedTraits.email]: contact.email }), ...(contact.phone === null ? {} : { [maskedTraits.phone]: contact.phone }) };
}

/** The masks an event's email and phone traits give, under the reserved trait names. */
export function maskedContactTraits(traits: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [kind, key] of Object.entries(maskedTraits) as [keyof typeof maskedTraits, string][]) {
    const raw = traits[kind] ?? traits[key];
    if (typeof raw !== 'string') continue;
    const masked = kind === 'email' ? maskEmail(raw) : maskPhone(raw);
    if (masked !== undefined) out[key] = masked;
  }
  return out;
}
