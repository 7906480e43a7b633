import { InvalidConfigError } from "../errors.ts";
import { formatIp, parseIp } from "../ip/ip-bytes.ts";

/** A container address split for the rules: `-s`/`saddr` and `-d`/`daddr !=`. */
export interface MasqAddress {
  family: 4 | 6;
  ip: string;
  /** Canonical, with prefix: `10.4.0.0/24`. */
  network: string;
  prefix: number;
}

/** @throws {InvalidConfigError} when `cidr` is not an address with a prefix length */
export function parseMasqAddress(cidr: string): MasqAddress {
  const slash = cidr.indexOf("/");
  const bytes = slash > 0 ? parseIp(cidr.slice(0, slash)) : undefined;
  const prefixText = slash > 0 ? cidr.slice(slash + 1) : "";
  const prefix = /^(0|[1-9][0-9]{0,2})$/.test(prefixText) ? Number(prefixText) : -1;
  if (!bytes || prefix < 0 || prefix > bytes.length * 8) {
    throw new InvalidConfigError(`invalid CIDR address: ${cidr}`);
  }
  const masked = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    masked[i] = bytes[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return {
    family: bytes.length === 4 ? 4 : 6,
    ip: formatIp(bytes),
    network: `${formatIp(masked)}/${prefix}`,
    prefix,
  };
}
