/**
 * Reclaiming addresses leaked by a reboot: pods killed by a reboot never get
 * a DEL, so their address files outlive them. Once per boot (a marker in the
 * store remembers the boot id), files last written before the current boot
 * are released.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { DiskStore, ScannedAllocation } from "./disk-store.ts";

/** The current boot. */
export interface BootInfo {
  /** `/proc/sys/kernel/random/boot_id`. */
  bootId: string;
  /** Boot time (`btime` in `/proc/stat`), ms since the epoch. */
  bootTimeMs: number;
}

/**
 * Read the current boot's id and time.
 *
 * @returns undefined when /proc does not tell (then nothing is reclaimed)
 * @example readBootInfo() // { bootId: "dcd8…", bootTimeMs: 1795697034000 }
 */
export function readBootInfo(): BootInfo | undefined {
  try {
    const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const btime = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    if (!bootId || !btime) return undefined;
    return { bootId, bootTimeMs: Number(btime[1]) * 1000 };
  } catch {
    return undefined;
  }
}

/**
 * Release allocations made before the current boot, once per boot. Call
 * with the store's lock held.
 *
 * @param store the network's store
 * @param boot the current boot (read from /proc by default)
 * @returns the released allocations (empty when already done this boot)
 * @example store.withLock(() => reclaimAfterReboot(store))
 */
export function reclaimAfterReboot(store: DiskStore, boot: BootInfo | undefined = readBootInfo()): ScannedAllocation[] {
  if (!boot || store.readBootMarker() === boot.bootId) return [];
  const stale = store.scan().filter((a) => a.mtimeMs < boot.bootTimeMs);
  store.releaseScanned(stale);
  store.writeBootMarker(boot.bootId);
  return stale;
}
