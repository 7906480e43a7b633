import { CniError, IoFailureError, hasErrno } from "./errors.ts";

/**
 * A full, read-only or unwritable file system becomes code 5 naming the directory and what to
 * do, instead of a raw errno.
 * @param what what `dir` is, e.g. "host-local dataDir"
 */
export function storageError(what: string, dir: string, action: string, err: unknown, otherwise: (msg: string) => CniError): CniError {
  const cause = (err as Error).message;
  if (hasErrno(err, "ENOSPC", "EDQUOT")) {
    return new IoFailureError(
      `${action}: the file system holding ${what} ${dir} is full (no space or no inodes left)`,
      `free space and inodes on that file system (df -h ${dir}; df -i ${dir}) or move ${what} to another one; ${cause}`,
      { cause: err },
    );
  }
  if (hasErrno(err, "EROFS")) {
    return new IoFailureError(
      `${action}: ${what} ${dir} is on a read-only file system`,
      `remount it read-write or move ${what} to a writable file system; ${cause}`,
      { cause: err },
    );
  }
  if (hasErrno(err, "EACCES", "EPERM")) {
    return new IoFailureError(`${action}: ${what} ${dir} is not writable by this plugin`, `check its permissions and mount options; ${cause}`, {
      cause: err,
    });
  }
  return otherwise(`${action}: ${cause}`);
}
