/**
 * The functions config schemas call (transforms and refinements), named so
 * that the compiled accept paths (./accept-paths.generated.ts) can call the
 * very same ones: scripts/gen-schemas.ts finds each schema's functions
 * here by identity, and refuses a schema whose function is not exported
 * from this module. Pure.
 *
 * @module
 */
import { parseAddress, parseCidr } from "../ip/cidr.ts";

/**
 * A Go-style boolean's value: absent or null means false.
 *
 * @example falseWhenNullish(null) // false
 */
export function falseWhenNullish(value: boolean | null | undefined): boolean {
  return value ?? false;
}

/**
 * Whether `text` is an address with a prefix length (`10.1.0.0/16`, `fd00::/64`).
 *
 * @example isCidr("10.0.0.0/33") // false
 */
export function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

/**
 * Whether `text` is an IPv4 or IPv6 address.
 *
 * @example isIpAddress("10.0.0.1") // true
 */
export function isIpAddress(text: string): boolean {
  return parseAddress(text) !== undefined;
}
