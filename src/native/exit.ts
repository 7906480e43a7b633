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
 * The addon offers that exit when it loads (./addon.ts), so this module,
 * which every plugin run imports, does not pull the addon's loader into
 * the small bundle that answers VERSION.
 *
 * @module
 */
import { orphansAreReaped } from "./orphans.ts";

let detachedExit: ((status: number) => never) | undefined;

/** Called by ./addon.ts once the addon is loaded. */
export function offerDetachedExit(exit: (status: number) => never): void {
  detachedExit = exit;
}

/**
 * End the process with `status`. Everything it had to say must already be
 * written (the skeleton writes stdout and stderr synchronously).
 *
 * @example exitPlugin(0)
 */
export function exitPlugin(status: number): never {
  // Without the addon loaded already: loading it only to exit would cost what it saves.
  if (detachedExit && orphansAreReaped()) {
    process.exitCode = status;
    process.emit("exit", status);
    detachedExit(status);
  }
  process.exit(status);
}
