/** The native addon (native/*.c), loaded lazily so verbs that never touch the kernel do not pay for it. */
import { createRequire } from "node:module";
import { SyscallError } from "../errors.ts";
import { loadEmbeddedAddon } from "./embedded-addon.ts";

export interface NativeAddon {
  setns(fd: number, nstype: number): void;
  netlinkOpen(protocol: number): number;
  netlinkSend(fd: number, bytes: Uint8Array): void;
  netlinkRecv(fd: number, buffer: Uint8Array): number;
  flock(fd: number, operation: number): boolean;
  runProcess(path: string, argv: string[], envp: string[], input: Uint8Array): RawProcessResult;
  sha2(bits: 256 | 512, data: Uint8Array): Buffer;
}

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
 * The errnos that answer expected questions on hot paths ("no such chain"), so those do not load
 * `node:os` for its table. The numbers are the same on every architecture we build for; a test checks.
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

/** `2` → `ENOENT`. */
export function errnoName(errno: number): string {
  const common = COMMON_ERRNO_NAMES[errno];
  if (common !== undefined) return common;
  if (!errnoNames) {
    errnoNames = new Map();
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

/** Failures become {@link SyscallError}. */
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
    sha2: (bits, data) => raw.sha2(bits, data),
  };
  return wrapped;
}

/** `setns(2)` nstype for network namespaces. */
export const CLONE_NEWNET = 0x40000000;
/** `flock(2)` exclusive lock. */
export const LOCK_EX = 2;
