/**
 * The string formats config schemas refine with. Each is a zod refinement
 * at run time and a JSON Schema `format` in the generated validators
 * (scripts/gen-schemas.ts hands {@link FORMATS} to ajv, whose code calls
 * these very functions). Pure.
 *
 * @module
 */
import { parseAddress, parseCidr } from "../ip/cidr.ts";

/**
 * Whether `text` is an address with a prefix length (`10.1.0.0/16`, `fd00::/64`).
 *
 * @example isCidr("10.0.0.0/33") // false
 */
function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

/**
 * Whether `text` is an IPv4 or IPv6 address.
 *
 * @example isIpAddress("10.0.0.1") // true
 */
function isIpAddress(text: string): boolean {
  return parseAddress(text) !== undefined;
}

/** Every format by its JSON Schema name. */
export const FORMATS = { cidr: isCidr, "ip-address": isIpAddress } as const;

/** A name in {@link FORMATS}. */
export type FormatName = keyof typeof FORMATS;
