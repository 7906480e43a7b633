/** String formats: zod refinements at run time, and the same functions behind the generated validators' `format` checks. */
import { parseAddress, parseCidr } from "../ip/cidr.ts";

function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

function isIpAddress(text: string): boolean {
  return parseAddress(text) !== undefined;
}

/** By JSON Schema name. */
export const FORMATS = { cidr: isCidr, "ip-address": isIpAddress } as const;

export type FormatName = keyof typeof FORMATS;
