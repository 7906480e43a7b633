/**
 * Go-compatible config decoding details: keys match case-insensitively
 * (an exact match wins). Pure.
 *
 * @module
 */

/**
 * Rename top-level keys of `raw` that match one of `known` only
 * case-insensitively to their canonical spelling.
 *
 * @example canonicalizeKeys({ IsGateway: true }, ["isGateway"]) // { isGateway: true }
 */
export function canonicalizeKeys(raw: unknown, known: readonly string[]): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const src = raw as Record<string, unknown>;
  const byLower = new Map(known.map((k) => [k.toLowerCase(), k]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(src)) {
    const canonical = byLower.get(key.toLowerCase());
    if (canonical && canonical !== key) {
      if (!Object.hasOwn(src, canonical) && !Object.hasOwn(out, canonical)) out[canonical] = value;
    } else {
      out[key] = value;
    }
  }
  return out;
}
