/**
 * Replaces personal values inside stored JSON (event payloads, webhook bodies) when a person is
 * erased: every occurrence of each value, in any string at any depth, case-insensitively, by its
 * replacement. Returns the same object when nothing changed, so callers update only what did.
 */
export function replaceInJson(value: unknown, replacements: ReadonlyMap<string, string>): unknown {
  if (replacements.size === 0) return value;
  const patterns = [...replacements].map(([from, to]) => ({ pattern: new RegExp(escapeRegExp(from), 'gi'), to }));
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      let out = v;
      for (const { pattern, to } of patterns) out = out.replace(pattern, to);
      return out;
    }
    if (Array.isArray(v)) {
      const mapped = v.map(walk);
      return mapped.some((m, i) => m !== v[i]) ? mapped : v;
    }
    if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      const mapped = entries.map(([k, x]) => [k, walk(x)] as const);
      return mapped.some(([, m], i) => m !== entries[i]![1]) ? Object.fromEntries(mapped) : v;
    }
    return v;
  };
  return walk(value);
}

/** `ILIKE` patterns that find rows whose JSON text holds any of the values. */
export function containsPatterns(values: Iterable<string>): string[] {
  return [...values].map((v) => `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
