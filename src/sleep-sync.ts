/**
 * Blocking the main thread for a few milliseconds. Plugins are synchronous
 * (namespace switches are per thread), so polls for kernel state (a port
 * coming up, DAD settling) and retries (a busy plugin binary) sleep with
 * Atomics.wait instead of timers.
 *
 * @module
 */

let cell: Int32Array | undefined;

/**
 * Sleep `ms` milliseconds. The shared cell is made on first use (not at
 * module load, which also keeps the module usable where
 * SharedArrayBuffer is hidden, as in a V8 snapshot build).
 *
 * @example sleepSync(20)
 */
export function sleepSync(ms: number): void {
  if (ms <= 0) return;
  cell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(cell, 0, 0, ms);
}
