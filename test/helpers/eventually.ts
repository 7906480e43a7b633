/**
 * Wait on a condition in an integration test (a process's output, a file,
 * a route), never on a fixed sleep.
 */

/**
 * Poll every 100 ms until `check` holds.
 *
 * @throws {Error} naming `what` when it does not hold within `limitMs`
 */
export async function eventually(check: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  for (const end = Date.now() + limitMs; Date.now() < end;) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}
