/**
 * The one way the plugins read a file (a test keeps it so): non-blocking, so a FIFO cannot hang
 * the verb; no symlink where others could plant one; a regular file within its purpose's size.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { CODE_INVALID_NETWORK_CONFIG, CODE_IPAM_FAILURE, CODE_KERNEL_FAILURE, CODE_IO_FAILURE, CniError, hasErrno } from "./errors.ts";

export interface ReadPurpose {
  /** Names the file in errors. */
  what: string;
  maxBytes: number;
  /** Without its newline. */
  maxLineBytes?: number;
  /** For a file where others could plant a symlink. */
  noFollow: boolean;
  /** The CNI code of a refusal. */
  code: number;
}

/** The reference's line limit (Go's line scanner stops at 64 KiB), a total far above any real file. */
export const RESOLV_CONF: ReadPurpose = {
  what: "ipam.resolvConf",
  maxBytes: 256 << 10,
  maxLineBytes: (64 << 10) - 1,
  noFollow: false,
  code: CODE_INVALID_NETWORK_CONFIG,
};

/** host-local's store files: a few lines each. */
export const STORE_FILE: ReadPurpose = { what: "host-local store file", maxBytes: 64 << 10, noFollow: true, code: CODE_IPAM_FAILURE };

export const ATTACHMENT_RECORD: ReadPurpose = { what: "attachment record", maxBytes: 4 << 10, noFollow: true, code: CODE_IO_FAILURE };

/** Short values the kernel formats: `/proc/sys`, `/proc/<pid>/comm`. */
export const KERNEL_VALUE: ReadPurpose = { what: "kernel value", maxBytes: 4 << 10, noFollow: false, code: CODE_KERNEL_FAILURE };

/** `/proc/stat` grows with CPUs and interrupts. */
export const PROC_TABLE: ReadPurpose = { what: "kernel table", maxBytes: 4 << 20, noFollow: false, code: CODE_KERNEL_FAILURE };

export class FileReadError extends CniError {
  override name = "FileReadError";
  /** For callers that treat a missing file as empty. */
  readonly missing: boolean;

  constructor(purpose: ReadPurpose, path: string, why: string, missing = false, options?: { cause?: unknown }) {
    super(purpose.code, `failed to read ${purpose.what} ${path}: ${why}`, undefined, options);
    this.missing = missing;
  }
}

/** For files whose size the kernel does not report (`/proc`). */
const CHUNK = 4096;

/** @throws {FileReadError} with the purpose's code, refusing a larger file before allocating for it */
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

/** Never past `maxBytes`: a file may grow, or report size 0. */
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
