/**
 * How a plugin process ends once its answer is written.
 *
 * `process.exit` runs the `exit` listeners, then Node's teardown (joining
 * its threads, every library's atexit cleanup), then the kernel frees the
 * address space: ~3 ms in all after the last byte of the answer, during
 * which the runtime still waits for stdout's EOF and the exit status.
 * Where the addon is already loaded and a detached child will be reaped
 * (./orphans.ts), the listeners still run, but the process then ends at
 * once and a child that shares its memory frees it after we are gone
 * (`exitDetached`, docs/ARCHITECTURE.md "Detached kernel waits").
 *
 * @module
 */
import { loadedNative } from "./addon.ts";
import { orphansAreReaped } from "./orphans.ts";

/**
 * End the process with `status`. Everything it had to say must already be
 * written (the skeleton writes stdout and stderr synchronously).
 *
 * @example exitPlugin(0)
 */
export function exitPlugin(status: number): never {
  const addon = loadedNative();
  // Loading the addon only to exit would cost what it saves.
  if (addon && orphansAreReaped()) {
    process.exitCode = status;
    process.emit("exit", status);
    addon.exitDetached(status);
  }
  process.exit(status);
}
