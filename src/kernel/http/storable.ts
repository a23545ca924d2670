import type { FieldError } from '../problem.js';

/**
 * What PostgreSQL refuses to store, found once for every input before it reaches a query (or
 * a group-committed batch, where one refused value would otherwise fail everyone's requests):
 * a NUL character, which neither `text` nor `jsonb` can hold, and a lone UTF-16 surrogate,
 * which has no UTF-8 form. Object keys count too, since JSON objects are stored as `jsonb`.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\0') && value.isWellFormed();
}

const unstorableMessage = 'contains a NUL character or a lone UTF-16 surrogate, which cannot be stored';

/**
 * The fields of a parsed input that hold unstorable text, as field errors with dotted paths.
 * Walks iteratively, so a deeply nested body cannot overflow the stack.
 */
export function unstorableFields(input: unknown, location: FieldError['location'], root = ''): FieldError[] {
  const errors: FieldError[] = [];
  const stack: { value: unknown; path: string }[] = [{ value: input, path: root }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (!isStorableText(value)) errors.push({ field: path || '(root)', location, message: unstorableMessage });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: join(path, String(i)) });
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (!isStorableText(key)) errors.push({ field: join(path, JSON.stringify(key)), location, message: `the key ${unstorableMessage}` });
        else stack.push({ value: child, path: join(path, key) });
      }
    }
    if (errors.length >= 20) break;
  }
  return errors;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
