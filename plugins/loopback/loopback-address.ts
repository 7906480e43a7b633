/** Which addresses may sit on `lo`, and the result loopback reports. Pure. */
import { parseIp } from "../../src/ip/ip-bytes.ts";
import type { Result } from "../../src/types/result.ts";

export interface LoAddress {
  family: 4 | 6;
  address: string;
  prefixLength: number;
}

/** As Go's `IP.IsLoopback`: 127.0.0.0/8 (also IPv4-mapped) or `::1`. */
export function isLoopbackAddress(address: string): boolean {
  const b = parseIp(address);
  if (!b) return false;
  if (b.length === 4) return b[0] === 127;
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (mapped) return b[12] === 127;
  return b.subarray(0, 15).every((x) => x === 0) && b[15] === 1;
}

export function findNonLoopback(addresses: readonly LoAddress[]): LoAddress | undefined {
  return addresses.find((a) => !isLoopbackAddress(a.address));
}

/** The unchained ADD result: `lo` with the first IPv4 and first IPv6 address on it (kernel order). */
export function loopbackResult(netns: string, addresses: readonly LoAddress[]): Result {
  const result: Result = { interfaces: [{ name: "lo", mac: "00:00:00:00:00:00", sandbox: netns }], ips: [] };
  for (const family of [4, 6] as const) {
    const first = addresses.find((a) => a.family === family);
    if (first) result.ips!.push({ interface: 0, address: `${first.address}/${first.prefixLength}` });
  }
  return result;
}
