/**
 * Waiting on a condition instead of a fixed sleep: the test goes on as soon
 * as the state it needs is there, and fails naming what never came.
 *
 * @module
 */

/**
 * Poll `check` every 20 ms until it holds.
 *
 * @throws {Error} naming `what` when it still does not hold after `limitMs`
 * @example await eventually(() => ownRoutes().length === 3, "three routes");
 */
export async function eventually(check: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
