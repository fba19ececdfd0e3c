/** Result of {@link sanitizeJson}. */
export interface SanitizeResult<T> {
  value: T;
  /** True when any string (value or key) was changed. */
  changed: boolean;
}

// Postgres text and jsonb cannot hold U+0000, and jsonb rejects unpaired UTF-16 surrogates.
// Rather than lose the record, remove U+0000 and replace lone surrogates with U+FFFD.
function cleanString(s: string): string {
  const noNul = s.includes('\u0000') ? s.replaceAll('\u0000', '') : s;
  return noNul.isWellFormed() ? noNul : noNul.toWellFormed();
}

/**
 * Deep-copies a JSON value, making every string (keys included) storable in Postgres.
 * Non-JSON values (undefined, functions) are dropped as `JSON.stringify` would.
 */
export function sanitizeJson<T>(input: T): SanitizeResult<T> {
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const c = cleanString(v);
      if (c !== v) changed = true;
      return c;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(v)) {
        const ck = cleanString(k);
        if (ck !== k) changed = true;
        out[ck] = walk(val);
      }
      return out;
    }
    return v;
  };
  return { value: walk(input) as T, changed };
}
