/**
 * Small helpers for kernel failures in the bridge steps: wrap a cause into
 * the reference's `<what>: <cause>` KernelError, or ignore a best-effort step.
 *
 * @module
 */
import { KernelError } from "../../src/errors.ts";

/** A KernelError `<what>: <cause message>`, keeping the cause. */
export function kernel(what: string, err: unknown): KernelError {
  return new KernelError(`${what}: ${(err as Error).message}`, undefined, { cause: err });
}

/** Run a best-effort step (e.g. an IPv6 sysctl on a host without IPv6). */
export function ignoreErrors(fn: () => void): void {
  try {
    fn();
  } catch {
    // best effort, as the reference
  }
}
