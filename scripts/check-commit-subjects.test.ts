import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const SCRIPT = join(import.meta.dirname, "check-commit-subjects.mjs");
const dir = mkdtempSync(join(tmpdir(), "cnits-subjects-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(message: string): { status: number | null; stdout: string } {
  const file = join(dir, "COMMIT_EDITMSG");
  writeFileSync(file, message);
  return spawnSync(process.execPath, [SCRIPT, file], { encoding: "utf8" });
}

describe("check-commit-subjects.mjs as the commit-msg hook", () => {
  it("takes a subject of 72 characters, whatever the body", () => {
    expect(check(`${"a".repeat(72)}\n\n${"b".repeat(200)}\n`).status).toBe(0);
  });

  it("refuses a subject of 73 characters and says how long it is", () => {
    const run = check(`${"a".repeat(73)}\n`);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("subject is 73 characters (at most 72)");
  });

  it("counts characters, not bytes, and skips git's comment lines", () => {
    expect(check(`# Please enter the commit message\n${"é".repeat(72)}\n`).status).toBe(0);
  });
});
