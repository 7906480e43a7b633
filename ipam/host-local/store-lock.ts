import { closeSync, openSync, constants as fsConstants } from "node:fs";
import type { CniError } from "../../src/errors.ts";
import { LOCK_EX, native } from "../../src/native/addon.ts";
import { entryPath } from "../../src/safe-dir.ts";

/**
 * Blocks until free. The same file and flock as the reference's, so both can share a store.
 * @returns the locked descriptor: close it to release the lock
 */
export function lockStoreDir(dir: string, failure: (action: string, err: unknown) => CniError): number {
  const path = entryPath(dir, "lock");
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW, 0o750);
  } catch (err) {
    throw failure(`failed to open lock file in ${dir}`, err);
  }
  try {
    native().flock(fd, LOCK_EX);
  } catch (err) {
    closeSync(fd);
    throw failure(`failed to lock ${path}`, err);
  }
  return fd;
}
