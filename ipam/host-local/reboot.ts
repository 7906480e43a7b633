/** Pods killed by a reboot never get a DEL, so their address files outlive them. */
import { PROC_TABLE, readBounded, KERNEL_VALUE } from "../../src/read-bounded.ts";
import type { DiskStore } from "./disk-store.ts";
import type { ScannedAllocation } from "./scan.ts";

function readBootId(): string | undefined {
  try {
    return readBounded("/proc/sys/kernel/random/boot_id", KERNEL_VALUE).trim() || undefined;
  } catch {
    return undefined;
  }
}

function readBootTimeMs(): number | undefined {
  try {
    const btime = /^btime (\d+)$/m.exec(readBounded("/proc/stat", PROC_TABLE));
    return btime ? Number(btime[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Releases allocations made before the current boot, once per boot. Call holding the store's lock. */
export function reclaimAfterReboot(store: DiskStore): ScannedAllocation[] {
  const bootId = readBootId();
  if (bootId === undefined || store.readBootMarker() === bootId) return [];
  // Read /proc/stat only once per boot: the kernel formats every CPU's counters.
  const bootTimeMs = readBootTimeMs();
  if (bootTimeMs === undefined) return [];
  const stale = store.scan().filter((a) => a.mtimeMs < bootTimeMs);
  store.releaseScanned(stale);
  store.writeBootMarker(bootId);
  return stale;
}
