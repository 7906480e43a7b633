/**
 * The one way the plugins read a file: opened non-blocking (a FIFO cannot
 * hang the verb), never through a symlink where others could plant one,
 * only a regular file, and only up to a size fitting the file's purpose,
 * refused before anything is allocated for a larger one. Every read site of
 * the plugins goes through here (test/reliability/read-sites.test.ts keeps
 * it so).
 *
 * @module
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import {
  CODE_INVALID_NETWORK_CONFIG,
  CODE_IPAM_FAILURE,
  CODE_KERNEL_FAILURE,
  CODE_IO_FAILURE,
  CniError,
  hasErrno,
} from "./errors.ts";

/** What a file is for, and so how it may be read. */
export interface ReadPurpose {
  /** Names the file in errors. */
  what: string;
  /** The largest content accepted, in bytes. */
  maxBytes: number;
  /** The longest line accepted, in bytes without its newline. */
  maxLineBytes?: number;
  /** Refuse a symlink as the last component: the file sits where others could plant one. */
  noFollow: boolean;
  /** The CNI code of a refusal. */
  code: number;
}

/**
 * `ipam.resolvConf`, a path the config chooses: the reference's line limit
 * (Go's line scanner stops at 64 KiB) and a total far above any real
 * resolv.conf.
 */
export const RESOLV_CONF: ReadPurpose = {
  what: "ipam.resolvConf",
  maxBytes: 256 << 10,
  maxLineBytes: (64 << 10) - 1,
  noFollow: false,
  code: CODE_INVALID_NETWORK_CONFIG,
};

/** A file in host-local's store (address files, the hint, our bookkeeping): a few lines. */
export const STORE_FILE: ReadPurpose = { what: "host-local store file", maxBytes: 64 << 10, noFollow: true, code: CODE_IPAM_FAILURE };

/** An attachment's record under the lock directory. */
export const ATTACHMENT_RECORD: ReadPurpose = { what: "attachment record", maxBytes: 4 << 10, noFollow: true, code: CODE_IO_FAILURE };

/** A short value the kernel formats (`/proc/sys`, `/proc/<pid>/comm`). */
export const KERNEL_VALUE: ReadPurpose = { what: "kernel value", maxBytes: 4 << 10, noFollow: false, code: CODE_KERNEL_FAILURE };

/** A `/proc` table the kernel formats (`/proc/stat` grows with CPUs and interrupts). */
export const PROC_TABLE: ReadPurpose = { what: "kernel table", maxBytes: 4 << 20, noFollow: false, code: CODE_KERNEL_FAILURE };

/** A file could not be read within its purpose's rules. */
export class FileReadError extends CniError {
  override name = "FileReadError";
  /** The file does not exist (callers that treat a missing file as empty check this). */
  readonly missing: boolean;

  constructor(purpose: ReadPurpose, path: string, why: string, missing = false, options?: { cause?: unknown }) {
    super(purpose.code, `failed to read ${purpose.what} ${path}: ${why}`, undefined, options);
    this.missing = missing;
  }
}

/** The chunk read from files whose size the kernel does not report (`/proc`). */
const CHUNK = 4096;

/**
 * Read the whole file at `path` as UTF-8 under `purpose`'s rules.
 *
 * @throws {FileReadError} with the purpose's code: missing (`missing` set),
 *   unopenable, a symlink where `noFollow`, not a regular file, too large,
 *   or a line too long
 * @example readBounded("/etc/resolv.conf", RESOLV_CONF) // "nameserver 10.0.0.10\n"
 */
export function readBounded(path: string, purpose: ReadPurpose): string {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (purpose.noFollow ? constants.O_NOFOLLOW : 0);
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (err) {
    if (hasErrno(err, "ELOOP")) throw new FileReadError(purpose, path, "is a symbolic link");
    const missing = hasErrno(err, "ENOENT", "ENOTDIR");
    throw new FileReadError(purpose, path, (err as Error).message, missing, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileReadError(purpose, path, "not a regular file");
    if (st.size > purpose.maxBytes) throw new FileReadError(purpose, path, `larger than ${purpose.maxBytes} bytes`);
    const text = readUpTo(fd, st.size, purpose, path);
    if (purpose.maxLineBytes !== undefined) assertLines(text, purpose.maxLineBytes, purpose, path);
    return text;
  } catch (err) {
    if (err instanceof FileReadError) throw err;
    throw new FileReadError(purpose, path, (err as Error).message, false, { cause: err });
  } finally {
    closeSync(fd);
  }
}

/** Read to the end, never past `maxBytes` (a file may grow, or report size 0). */
function readUpTo(fd: number, size: number, purpose: ReadPurpose, path: string): string {
  let buf = Buffer.allocUnsafe(Math.min(purpose.maxBytes + 1, size > 0 ? size + 1 : CHUNK));
  let length = 0;
  for (;;) {
    if (length === buf.length) {
      if (length > purpose.maxBytes) throw new FileReadError(purpose, path, `larger than ${purpose.maxBytes} bytes`);
      const grown = Buffer.allocUnsafe(Math.min(purpose.maxBytes + 1, buf.length * 2));
      buf.copy(grown, 0, 0, length);
      buf = grown;
    }
    const n = readSync(fd, buf, length, buf.length - length, null);
    if (n === 0) return buf.toString("utf8", 0, length);
    length += n;
  }
}

function assertLines(text: string, max: number, purpose: ReadPurpose, path: string): void {
  let start = 0;
  for (;;) {
    const end = text.indexOf("\n", start);
    const lineEnd = end === -1 ? text.length : end;
    if (Buffer.byteLength(text.slice(start, lineEnd)) > max) throw new FileReadError(purpose, path, `a line is longer than ${max} bytes`);
    if (end === -1) return;
    start = end + 1;
  }
}
