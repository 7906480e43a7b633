/** The allocator's test double, with the disk store's semantics (exclusive claims, legacy records). */
import { formatIp, parseIp } from "../../src/ip/ip-bytes.ts";
import type { IpBytes } from "../../src/ip/ip-bytes.ts";
import type { Allocation, IpStore } from "../../ipam/host-local/store.ts";

export class MemoryStore implements IpStore {
  readonly allocations = new Map<string, { containerId: string; ifName: string | undefined }>();
  readonly lastReserved = new Map<number, string>();
  /** One process, no concurrency: the lock is a no-op. */
  withLock<T>(fn: () => T): T {
    return fn();
  }

  reserve(containerId: string, ifName: string, ip: IpBytes, rangeId: number): boolean {
    const key = formatIp(ip);
    if (this.allocations.has(key)) return false;
    this.allocations.set(key, { containerId: containerId.trim(), ifName });
    this.lastReserved.set(rangeId, key);
    return true;
  }

  lastReservedIp(rangeId: number): IpBytes | undefined {
    const text = this.lastReserved.get(rangeId);
    return text === undefined ? undefined : parseIp(text);
  }

  getByAttachment(containerId: string, ifName: string): IpBytes[] {
    const id = containerId.trim();
    return [...this.allocations]
      .filter(([, owner]) => owner.containerId === id && (owner.ifName === ifName || owner.ifName === undefined))
      .map(([ip]) => parseIp(ip)!);
  }

  releaseByAttachment(containerId: string, ifName: string): IpBytes[] {
    const id = containerId.trim();
    const pick = (legacy: boolean) => [...this.allocations].filter(([, o]) => o.containerId === id && (legacy ? o.ifName === undefined : o.ifName === ifName));
    let matched = pick(false);
    if (matched.length === 0) matched = pick(true);
    for (const [ip] of matched) this.allocations.delete(ip);
    return matched.map(([ip]) => parseIp(ip)!);
  }

  releaseIp(ip: IpBytes, containerId: string, ifName: string): void {
    const key = formatIp(ip);
    const owner = this.allocations.get(key);
    if (owner && owner.containerId === containerId.trim() && owner.ifName === ifName) this.allocations.delete(key);
  }

  listAllocations(): Allocation[] {
    return [...this.allocations].map(([ip, o]) => ({ ip: parseIp(ip)!, containerId: o.containerId, ifName: o.ifName }));
  }

  listAddresses(): IpBytes[] {
    return [...this.allocations.keys()].map((ip) => parseIp(ip)!);
  }
}
