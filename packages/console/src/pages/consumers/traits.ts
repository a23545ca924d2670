/** How a consumer's free-form traits and event properties read in the console. */

/** One trait or property value on one line: text as it is, anything else as compact JSON, cut at `max` characters. */
export function formatValue(value: unknown, max = 120): string {
  const out = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** What the API says a consumer is called and how to reach them (masked), for headings and lists. */
export interface Named {
  name: string | null;
  contact: { email: string | null; phone: string | null };
}

/** The consumer's name, else their masked contact, else undefined (the page says "Unnamed consumer"). */
export function consumerLabel(c: Named): string | undefined {
  return c.name ?? c.contact.email ?? c.contact.phone ?? undefined;
}

/** The masked contact shown under a name: email, else phone. */
export function consumerContact(c: Named): string | undefined {
  return c.contact.email ?? c.contact.phone ?? undefined;
}
