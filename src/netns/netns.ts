// Why everything here is synchronous: ./README.md.
import { closeSync, openSync, statfsSync, statSync, writeSync } from "node:fs";
import { CODE_INVALID_ENV, CniError, hasErrno, SyscallError } from "../errors.ts";
import { CLONE_NEWNET, errnoName, native } from "../native/addon.ts";

const NSFS_MAGIC = 0x6e736673;
/** Namespace files on old kernels. */
const PROC_SUPER_MAGIC = 0x9fa0;
const SELF_NETNS = "/proc/thread-self/ns/net";

export interface NetnsHandle {
  /** Close-on-exec. */
  readonly fd: number;
  readonly path: string;
  /** Idempotent. */
  close(): void;
}

/** The namespace path does not exist: the pod is gone (DEL treats this as done). */
export class NetnsNotFoundError extends SyscallError {
  override name = "NetnsNotFoundError";
  readonly path: string;
  constructor(path: string, errno: number, code: string) {
    super("open", errno, code, `failed to Statfs "${path}": ${code === "ENOENT" ? "no such file or directory" : code}`);
    this.path = path;
  }
}

/** Another file system, another kind of namespace, or unopenable. */
export class NotANetnsError extends CniError {
  override name = "NotANetnsError";
  readonly path: string;
  constructor(path: string, msg: string) {
    super(CODE_INVALID_ENV, msg);
    this.path = path;
  }
}

function toSyscallError(err: unknown, syscall: string, path: string): unknown {
  const { errno, code } = err as { errno?: unknown; code?: unknown };
  if (typeof errno !== "number" || typeof code !== "string") return err;
  if (code === "ENOENT" || code === "ENOTDIR") return new NetnsNotFoundError(path, -errno, code);
  return new SyscallError(syscall, Math.abs(errno), errnoName(Math.abs(errno)), `${syscall} "${path}": ${(err as Error).message}`);
}

function makeHandle(fd: number, path: string): NetnsHandle {
  let open = true;
  return {
    fd,
    path,
    close() {
      if (open) {
        open = false;
        closeSync(fd);
      }
    },
  };
}

/**
 * @throws {NetnsNotFoundError} when the path does not exist
 * @throws {NotANetnsError} when the path is not a namespace file, or cannot be opened
 */
export function openNetns(path: string): NetnsHandle {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    const mapped = toSyscallError(err, "open", path);
    if (mapped instanceof NetnsNotFoundError || !(mapped instanceof SyscallError)) throw mapped;
    throw new NotANetnsError(path, `cannot open "${path}" as a network namespace: ${mapped.code}`);
  }
  try {
    // statfs through the descriptor so the check and the fd see the same file.
    const { type } = statfsSync(`/proc/self/fd/${fd}`);
    if (type !== NSFS_MAGIC && type !== PROC_SUPER_MAGIC) throw new NotANetnsError(path, `unknown FS magic on "${path}": ${type.toString(16)}`);
  } catch (err) {
    closeSync(fd);
    throw toSyscallError(err, "statfs", path);
  }
  return makeHandle(fd, path);
}

/** Refuses Promise-returning callbacks at compile time (see {@link withNetns}). */
export type NotAsync<T> = [T] extends [never] ? [] : [T] extends [PromiseLike<unknown>] ? [never] : [];

function switchBackOrDie(hostFd: number): void {
  try {
    native().setns(hostFd, CLONE_NEWNET);
  } catch (err) {
    // Continuing would run host work inside the pod's namespace.
    writeSync(2, `cni-ts: fatal: cannot return to the host network namespace: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

/**
 * Always switches back. `fn` must not return a Promise (typed away, refused at run time): its
 * continuations would run in whichever namespace the thread is in by then.
 * @param target a namespace path or an open handle (left open)
 * @throws {NetnsNotFoundError} / {NotANetnsError} when `target` is a bad path or another kind
 */
export function withNetns<T>(target: string | NetnsHandle, fn: () => T, ..._sync: NotAsync<T>): T {
  const host = openSync(SELF_NETNS, "r");
  let opened: NetnsHandle | undefined;
  try {
    const ns = typeof target === "string" ? (opened = openNetns(target)) : target;
    try {
      native().setns(ns.fd, CLONE_NEWNET);
    } catch (err) {
      // nsfs holds every kind of namespace; the kernel tells the kind only here.
      if (hasErrno(err, "EINVAL")) throw new NotANetnsError(ns.path, `"${ns.path}" is not a network namespace`);
      throw err;
    }
    let result: T;
    try {
      result = fn();
    } finally {
      switchBackOrDie(host);
    }
    if (typeof (result as { then?: unknown } | null)?.then === "function") {
      throw new TypeError("withNetns: the callback must be synchronous (it returned a Promise)");
    }
    return result;
  } finally {
    opened?.close();
    closeSync(host);
  }
}

/** @throws {NetnsNotFoundError} when the path does not exist */
export function isCurrentNetns(path: string): boolean {
  let theirs;
  try {
    theirs = statSync(path);
  } catch (err) {
    throw toSyscallError(err, "stat", path);
  }
  const ours = statSync(SELF_NETNS);
  return theirs.dev === ours.dev && theirs.ino === ours.ino;
}

/** For state kept per namespace. */
export function currentNetnsKey(): string {
  const ns = statSync(SELF_NETNS);
  return `${ns.dev}:${ns.ino}`;
}
