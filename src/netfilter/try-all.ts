import { KernelError } from "../errors.ts";

/**
 * Runs every step even when one fails: a cleanup that stopped at the first error would leave
 * the later backends' rules behind.
 * @throws {KernelError} naming every failed step's message, joined with `; `
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
