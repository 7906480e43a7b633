/**
 * `/proc/sys` reads and writes. Synchronous on purpose: inside
 * `withNetns` a synchronous write lands in the pod's namespace.
 *
 * @module
 */
import { closeSync, constants, openSync, writeSync } from "node:fs";
import { FileReadError, readBounded, KERNEL_VALUE } from "./read-bounded.ts";
import { SyscallError, UnsafePathError } from "./errors.ts";

/**
 * The /proc/sys path of `key`. Keys use "/" between parts; a part may hold
 * dots (an interface name such as `eth0.100`), but "." and ".." parts are
 * refused so a key cannot leave /proc/sys.
 */
function sysctlPath(key: string): string {
  const parts = key.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new UnsafePathError(`invalid sysctl key "${key}"`);
  }
  return `/proc/sys/${key}`;
}

function toSyscallError(err: unknown, syscall: string, key: string): unknown {
  const { errno, code } = err as { errno?: unknown; code?: unknown };
  if (typeof errno !== "number" || typeof code !== "string") return err;
  return new SyscallError(syscall, Math.abs(errno), code, `failed to ${syscall} sysctl ${key}: ${(err as Error).message}`);
}

/**
 * Read a sysctl, trimmed.
 *
 * @param key e.g. `net/ipv4/ip_forward`
 * @returns the value, or undefined when the key does not exist
 * @throws {UnsafePathError} for a key with "." / ".." / empty parts
 * @throws {FileReadError} (100) on other read failures
 * @example readSysctl("net/ipv4/ip_forward") // "1"
 */
export function readSysctl(key: string): string | undefined {
  try {
    return readBounded(sysctlPath(key), KERNEL_VALUE).trim();
  } catch (err) {
    if (err instanceof FileReadError && err.missing) return undefined;
    throw err;
  }
}

/**
 * Write a sysctl (in the calling thread's namespace).
 *
 * @param key e.g. `net/ipv6/conf/eth0/accept_dad`
 * @param value the text to write
 * @throws {UnsafePathError} for a key with "." / ".." / empty parts
 * @throws {SyscallError} when the write fails (code ENOENT for a missing key)
 * @example writeSysctl("net/ipv4/ip_forward", "1");
 */
export function writeSysctl(key: string, value: string): void {
  const path = sysctlPath(key);
  let fd: number | undefined;
  try {
    // O_WRONLY without O_CREAT/O_TRUNC: some keys are write-only, none can be created.
    fd = openSync(path, constants.O_WRONLY);
    writeSync(fd, value);
  } catch (err) {
    throw toSyscallError(err, "write", key);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
