// Plugins are synchronous (namespace switches are per thread), so polls sleep with Atomics.wait.

let cell: Int32Array | undefined;

/** The cell is made on first use, so loading works where SharedArrayBuffer is hidden. */
export function sleepSync(ms: number): void {
  if (ms <= 0) return;
  cell ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(cell, 0, 0, ms);
}
