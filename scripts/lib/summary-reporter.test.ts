import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "cnits-reporter-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("writes the counts and each skipped test with its reason", () => {
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  writeFileSync(
    join(dir, "sample.test.ts"),
    `import { describe, it } from "vitest";
describe("group", () => {
  it("passes", () => {});
  it("needs a feature", (ctx) => { ctx.skip(true, "the feature is missing"); });
  it.skip("is skipped without a reason", () => {});
});
`,
  );
  const summary = join(dir, "summary.json");
  const run = spawnSync(
    process.execPath,
    [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "--root", dir, `--reporter=${join(ROOT, "scripts/lib/summary-reporter.mjs")}`],
    {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, CNITS_TEST_SUMMARY: summary },
    },
  );
  expect(run.status, run.stdout + run.stderr).toBe(0);
  expect(JSON.parse(readFileSync(summary, "utf8"))).toEqual({
    passed: 1,
    failed: 0,
    skipped: [
      { file: "sample.test.ts", name: "group > needs a feature", reason: "the feature is missing" },
      { file: "sample.test.ts", name: "group > is skipped without a reason" },
    ],
  });
});
