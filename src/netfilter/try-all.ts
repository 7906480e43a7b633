/**
 * Running every step of a cleanup even when one fails: a DEL or GC that
 * stopped at the first error would leave the later backends' rules behind.
 *
 * @module
 */
import { KernelError } from "../errors.ts";

/**
 * Run each step; collect failures and report them together at the end.
 *
 * @throws {KernelError} naming every failed step's message, joined with `; `
 * @example tryAll([() => teardownIptables(), () => teardownNft()])
 */
export function tryAll(steps: readonly (() => void)[]): void {
  const errors: string[] = [];
  for (const step of steps) {
    try {
      step();
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (errors.length > 0) throw new KernelError(errors.join("; "));
}
