/** A verb's rollback: every undo is attempted even when one fails (to stderr); the original error wins. */
import { writeSync } from "node:fs";

type UndoFn = () => void | Promise<void>;

export class UndoList {
  private readonly steps: { label: string; fn: UndoFn }[] = [];

  /** @param label what is undone, for the stderr line when undoing fails */
  push(label: string, fn: UndoFn): void {
    this.steps.push({ label, fn });
  }

  /** Newest first. Never throws. */
  async run(): Promise<void> {
    while (this.steps.length > 0) {
      const { label, fn } = this.steps.pop()!;
      try {
        await fn();
      } catch (err) {
        try {
          writeSync(2, `rollback: failed to ${label}: ${(err as Error).message}\n`);
        } catch {
          // stderr closed: nothing more to do
        }
      }
    }
  }
}
