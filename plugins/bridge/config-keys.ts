/** Top-level keys match `known` case-insensitively, an exact match winning, as Go's encoding/json. */
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
