/**
 * Synchronous on purpose: inside `withNetns` only a synchronous write lands in the pod's namespace.
 */
import { closeSync, constants, openSync, writeSync } from "node:fs";
import { FileReadError, readBounded, KERNEL_VALUE } from "./read-bounded.ts";
import { SyscallError, UnsafePathError } from "./errors.ts";

/** Parts are "/"-separated and may hold dots (`eth0.100`); "." and ".." cannot leave /proc/sys. */
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
 * @param key e.g. `net/ipv4/ip_forward`
 * @returns the trimmed value, or undefined when the key does not exist
 * @throws {UnsafePathError} for a key with "." / ".." / empty parts
 * @throws {FileReadError} (100) on other read failures
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
 * @throws {UnsafePathError} for a key with "." / ".." / empty parts
 * @throws {SyscallError} when the write fails (code ENOENT for a missing key)
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
