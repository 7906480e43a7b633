/**
 * Typed access to cni-ts's native addon (native/cni_ts_native.c): setns,
 * a synchronous netlink socket, flock, fork/exec, the detached kernel
 * waits (docs/ARCHITECTURE.md) and SHA-2. Loaded once, lazily, so verbs
 * that never touch the kernel (VERSION, the about text) do not pay for it.
 *
 * In a single-executable build the addon is an embedded asset written to a
 * private cache directory first (see ./sea-cache.ts); in development and
 * tests it is loaded from native/build/Release.
 *
 * @module
 */
import { createRequire } from "node:module";
import { SyscallError } from "../errors.ts";
import { offerDetachedExit } from "./exit.ts";
import { loadEmbeddedAddon } from "./sea-cache.ts";

/** The raw functions exported by the addon. */
export interface NativeAddon {
  setns(fd: number, nstype: number): void;
  netlinkOpen(protocol: number): number;
  netlinkSend(fd: number, bytes: Uint8Array): void;
  netlinkRecv(fd: number, buffer: Uint8Array): number;
  flock(fd: number, operation: number): boolean;
  runProcess(path: string, argv: string[], envp: string[], input: Uint8Array): RawProcessResult;
  /**
   * Send an RTM_DELLINK for `index` from a detached child process; return
   * once `watchFd` (same namespace) hears the link announced deleted (null),
   * or with the kernel's NLMSG_ERROR answer relayed by the child.
   */
  netlinkDeleteLinkDetached(sendFd: number, watchFd: number, request: Uint8Array, index: number): Buffer | null;
  /** Close `fd`, leaving what its last close waits for to a detached child process. Never throws. */
  closeDetached(fd: number): void;
  /** The SHA-256 or SHA-512 digest of `data` (OpenSSL's, from the Node executable). */
  sha2(bits: 256 | 512, data: Uint8Array): Buffer;
  /** End the process now with `status` (`_exit(2)`), the freeing of its memory left to a detached child. */
  exitDetached(status: number): never;
}

/** What `runProcess` returns: exit status (or the killing signal) and the raw output. */
interface RawProcessResult {
  status: number | null;
  signal: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

/** Set by the single-executable build (esbuild `define`). */
declare const __CNI_TS_SEA__: boolean | undefined;

let wrapped: NativeAddon | undefined;

function loadAddon(): NativeAddon {
  if (typeof __CNI_TS_SEA__ !== "undefined" && __CNI_TS_SEA__) {
    return loadEmbeddedAddon() as NativeAddon;
  }
  const require = createRequire(import.meta.url);
  return require("../../native/build/Release/cni_ts_native.node") as NativeAddon;
}

/**
 * The errnos that answer expected questions ("no such chain", "already
 * there", "no such device") on hot paths, by their Linux numbers (the same
 * on every architecture cni-ts builds for; src/native/errno-names.test.ts
 * checks them against Node's table). Loading `node:os` for its table cost
 * ~1 ms, paid by every ipMasq ADD and DEL for a probe's ENOENT.
 */
export const COMMON_ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  4: "EINTR",
  9: "EBADF",
  11: "EWOULDBLOCK",
  13: "EACCES",
  16: "EBUSY",
  17: "EEXIST",
  19: "ENODEV",
  22: "EINVAL",
  34: "ERANGE",
  95: "EOPNOTSUPP",
  97: "EAFNOSUPPORT",
  99: "EADDRNOTAVAIL",
  101: "ENETUNREACH",
  105: "ENOBUFS",
};

let errnoNames: Map<number, string> | undefined;

/** Symbolic name of an errno value (`2` → `ENOENT`), looked up only on error paths. */
export function errnoName(errno: number): string {
  const common = COMMON_ERRNO_NAMES[errno];
  if (common !== undefined) return common;
  if (!errnoNames) {
    errnoNames = new Map();
    // Imported lazily: os constants are only needed when something unusual failed.
    const { constants } = createRequire(import.meta.url)("node:os") as typeof import("node:os");
    for (const [name, value] of Object.entries(constants.errno)) errnoNames.set(value, name);
  }
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const { errno, syscall } = err as { errno?: unknown; syscall?: unknown };
    if (typeof errno === "number" && typeof syscall === "string") {
      throw new SyscallError(syscall, errno, errnoName(errno), (err as Error).message);
    }
    throw err;
  }
}

/** The loaded addon, with failures turned into {@link SyscallError}. */
export function native(): NativeAddon {
  if (wrapped) return wrapped;
  const raw = loadAddon();
  wrapped = {
    setns: (fd, nstype) => call(() => raw.setns(fd, nstype)),
    netlinkOpen: (protocol) => call(() => raw.netlinkOpen(protocol)),
    netlinkSend: (fd, bytes) => call(() => raw.netlinkSend(fd, bytes)),
    netlinkRecv: (fd, buffer) => call(() => raw.netlinkRecv(fd, buffer)),
    flock: (fd, operation) => call(() => raw.flock(fd, operation)),
    runProcess: (path, argv, envp, input) => call(() => raw.runProcess(path, argv, envp, input)),
    netlinkDeleteLinkDetached: (sendFd, watchFd, request, index) =>
      call(() => raw.netlinkDeleteLinkDetached(sendFd, watchFd, request, index)),
    closeDetached: (fd) => raw.closeDetached(fd),
    sha2: (bits, data) => raw.sha2(bits, data),
    exitDetached: (status) => raw.exitDetached(status),
  };
  offerDetachedExit((status) => raw.exitDetached(status));
  return wrapped;
}

/** `setns(2)` nstype for network namespaces. */
export const CLONE_NEWNET = 0x40000000;
/** `flock(2)` exclusive lock. */
export const LOCK_EX = 2;
