/**
 * Opening a network's store and running one verb's work under its lock,
 * with the once-per-boot reclaim first when configured.
 *
 * @module
 */
import type { HostLocalConfig } from "./config.ts";
import { DiskStore } from "./disk-store.ts";
import { reclaimAfterReboot } from "./reboot.ts";

/**
 * Open the store of `config` and run `fn` holding its lock.
 *
 * @param reclaim whether this verb may reclaim pre-boot allocations first
 * @throws {UnsafePathError} unsafe dataDir or network name
 * @throws {IpamError} store failures
 * @example withStore(config, true, (store) => allocateAddresses(store, request))
 */
export function withStore<T>(config: HostLocalConfig, reclaim: boolean, fn: (store: DiskStore) => T): T {
  const store = new DiskStore(config.dataDir, config.name);
  return store.withLock(() => {
    if (reclaim && config.reclaimAfterReboot) reclaimAfterReboot(store);
    return fn(store);
  });
}
