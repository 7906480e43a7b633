import { execFileSync } from "node:child_process";
import { closeSync, constants, fstatSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { native } from "../../src/native/addon.ts";
import { liveChildren, waitForExit } from "../helpers/children.ts";

const work = mkdtempSync(join(tmpdir(), "cnits-close-detached-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Read from a non-blocking FIFO until its last writer is gone (EOF), polling up to 10 s. */
async function untilEof(fd: number): Promise<boolean> {
  const buffer = Buffer.alloc(16);
  for (let i = 0; i < 500; i++) {
    try {
      if (readSync(fd, buffer) === 0) return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

test("closeDetached() closes the descriptor here at once, the file is released, and the helper exits", async () => {
  const fifo = join(work, "fifo");
  execFileSync("mkfifo", [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  const before = liveChildren();
  try {
    native().closeDetached(writer);
    expect(() => fstatSync(writer)).toThrow(expect.objectContaining({ code: "EBADF" }));
    expect(await untilEof(reader)).toBe(true);
    const helpers = liveChildren().filter((pid) => !before.includes(pid));
    expect(await waitForExit(helpers)).toEqual([]);
  } finally {
    closeSync(reader);
  }
});
