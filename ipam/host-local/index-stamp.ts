/**
 * Whether the attachment index still matches the network directory: the stamp records the
 * directory's mtime and inode after our last write. It is removed before every change and written
 * last, so a crash leaves none; no stamp, or a stale one, means a full scan rebuilds the index.
 */
import { statSync, utimesSync } from "node:fs";
import type { StoreFiles } from "./store-files.ts";
import { entryPath } from "../../src/safe-dir.ts";

function stampPath(files: StoreFiles): string {
  return entryPath(files.metaDir, "stamp");
}

export function isIndexCurrent(files: StoreFiles): boolean {
  const text = files.read(stampPath(files));
  if (text === undefined) return false;
  try {
    const stamp = JSON.parse(text) as { mtimeNs?: unknown; ino?: unknown };
    const st = statSync(files.dir, { bigint: true });
    return stamp.mtimeNs === String(st.mtimeNs) && stamp.ino === String(st.ino);
  } catch {
    return false;
  }
}

/** Before the first change of a verb. */
export function removeStamp(files: StoreFiles): void {
  files.unlinkQuiet(stampPath(files));
}

/** Sets the directory's mtime to a value only we produce, and records it. */
export function writeStamp(files: StoreFiles): void {
  // Random nanoseconds the kernel's coarse clock will not reproduce: any later create or delete
  // in the directory, by the reference too, changes the mtime.
  const now = Date.now() / 1000;
  utimesSync(files.dir, now, now - (1 + Math.floor(Math.random() * 999)) / 1_000_000);
  const st = statSync(files.dir, { bigint: true });
  if (st.mtimeNs % 1_000_000_000n !== 0n) {
    // Only trust the stamp where the file system keeps sub-second times.
    files.writeAtomic(stampPath(files), JSON.stringify({ mtimeNs: String(st.mtimeNs), ino: String(st.ino) }));
  }
}
