/**
 * Reclaiming addresses leaked by a reboot: pods killed by a reboot never get
 * a DEL, so their address files outlive them. Once per boot (a marker in the
 * store remembers the boot id), files last written before the current boot
 * are released.
 *
 * @module
 */
import { PROC_TABLE, readBounded, KERNEL_VALUE } from "../../src/read-bounded.ts";
import type { DiskStore } from "./disk-store.ts";
import type { ScannedAllocation } from "./scan.ts";

/** The current boot's id (`/proc/sys/kernel/random/boot_id`), if /proc tells. */
function readBootId(): string | undefined {
  try {
    return readBounded("/proc/sys/kernel/random/boot_id", KERNEL_VALUE).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The current boot's time (`btime` in `/proc/stat`), ms since the epoch, if /proc tells. */
function readBootTimeMs(): number | undefined {
  try {
    const btime = /^btime (\d+)$/m.exec(readBounded("/proc/stat", PROC_TABLE));
    return btime ? Number(btime[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Release allocations made before the current boot, once per boot. Call
 * with the store's lock held.
 *
 * @param store the network's store
 * @returns the released allocations (empty when already done this boot)
 * @example store.withLock(() => reclaimAfterReboot(store))
 */
export function reclaimAfterReboot(store: DiskStore): ScannedAllocation[] {
  const bootId = readBootId();
  if (bootId === undefined || store.readBootMarker() === bootId) return [];
  // /proc/stat (the kernel formats every CPU's counters) only once per boot.
  const bootTimeMs = readBootTimeMs();
  if (bootTimeMs === undefined) return [];
  const stale = store.scan().filter((a) => a.mtimeMs < bootTimeMs);
  store.releaseScanned(stale);
  store.writeBootMarker(bootId);
  return stale;
}
