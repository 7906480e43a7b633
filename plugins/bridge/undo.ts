/**
 * The rollback list of a verb: each effect pushes its undo; unless the verb
 * completed, the undos run in reverse order, every one attempted even when
 * an earlier one fails (failures go to stderr, the original error wins).
 *
 * @module
 */
import { writeSync } from "node:fs";

/** One undo step. */
type UndoFn = () => void | Promise<void>;

/** A LIFO list of undo steps. */
export class UndoList {
  private readonly steps: { label: string; fn: UndoFn }[] = [];

  /**
   * Remember how to undo an effect that just succeeded.
   *
   * @param label what is undone, for the stderr line when undoing fails
   */
  push(label: string, fn: UndoFn): void {
    this.steps.push({ label, fn });
  }

  /** Run every step, newest first, then forget them. Never throws. */
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
