/**
 * Turning a failed write into an error an operator can act on: a full, read-only or
 * not writable file system is reported (code 5, the spec's I/O failure) with the
 * directory concerned and what to do, instead of a raw errno.
 *
 * @module
 */
import { CniError, IoFailureError, hasErrno } from "./errors.ts";

/**
 * What an operator should hear about a failed write in `dir`.
 *
 * @param what what `dir` is, e.g. "host-local dataDir"
 * @param dir the directory the plugin owns there
 * @param action what failed, e.g. "failed to reserve 10.0.0.2"
 * @param err the underlying error
 * @param otherwise the error for any other cause
 * @example storageError("host-local dataDir", "/var/lib/cni/networks", "failed to reserve 10.0.0.2", err, (m) => new IpamError(m))
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
