/**
 * resolv.conf text → the result's `dns` block, as the reference reads it:
 * `nameserver` lines listed, `domain` (last wins), `search` and `options`
 * fields appended; comments (`#`, `;`), blank and one-word lines skipped.
 * Pure over text; the verb reads the file.
 *
 * @module
 */
import type { Dns } from "../../src/types/result.ts";

/**
 * Parse resolv.conf text.
 *
 * @example parseResolvConf("nameserver 1.1.1.1\nsearch a b\n") // { nameservers: ["1.1.1.1"], search: ["a", "b"] }
 */
export function parseResolvConf(text: string): Dns {
  const dns: Dns = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const fields = line.split(/\s+/);
    if (fields.length < 2) continue;
    const [key, ...values] = fields as [string, ...string[]];
    switch (key) {
      case "nameserver":
        (dns.nameservers ??= []).push(values[0]!);
        break;
      case "domain":
        dns.domain = values[0]!;
        break;
      case "search":
        (dns.search ??= []).push(...values);
        break;
      case "options":
        (dns.options ??= []).push(...values);
        break;
    }
  }
  return dns;
}
