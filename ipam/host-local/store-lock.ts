/**
 * The network directory's `lock` file, flock'ed for a whole verb (the same
 * file and lock the reference takes, so both can share a store).
 *
 * @module
 */
import { closeSync, openSync, constants as fsConstants } from "node:fs";
import type { CniError } from "../../src/errors.ts";
import { LOCK_EX, native } from "../../src/native/addon.ts";
import { entryPath } from "../../src/safe-dir.ts";

/**
 * Take the exclusive lock of the store in `dir`, blocking until it is free.
 *
 * @param failure the error for a failed open or lock
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
