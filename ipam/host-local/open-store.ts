import type { HostLocalConfig } from "./config.ts";
import { DiskStore } from "./disk-store.ts";
import { reclaimAfterReboot } from "./reboot.ts";

/**
 * Runs `fn` holding the store's lock.
 * @param reclaim whether this verb may first reclaim pre-boot allocations (once per boot)
 * @throws {UnsafePathError} unsafe dataDir or network name
 * @throws {IpamError} store failures
 */
export function withStore<T>(config: HostLocalConfig, reclaim: boolean, fn: (store: DiskStore) => T): T {
  const store = new DiskStore(config.dataDir, config.name);
  return store.withLock(() => {
    if (reclaim && config.reclaimAfterReboot) reclaimAfterReboot(store);
    return fn(store);
  });
}
