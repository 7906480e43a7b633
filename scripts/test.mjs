#!/usr/bin/env node
// Runs the test suite on the pinned Node 24 runtime (the same one the
// executables embed), building dist/ first when it is missing or older than
// the sources, since the integration tests exec the built plugins.
//
// The static gates (scripts/gates.mjs: tsc, eslint, prettier, knip, commit
// subjects) run beside vitest, which strips types without checking them: a
// failed gate fails the run like a failed test, and its report is printed
// after vitest's.
//
// It closes with each skipped test and its reason, then one plain line,
// `tests: N passed, N failed, N skipped`, so CI logs (and tools that read
// them) have a runner-neutral summary.
//
//   node scripts/test.mjs [--no-gates] [vitest arguments, e.g. --project unit]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatGates, pinnedNode, runGates } from "./gates.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runtime = pinnedNode();
const withGates = !process.argv.includes("--no-gates");
const args = process.argv.slice(2).filter((arg) => arg !== "--no-gates");

// Only the unit project runs without dist/bin.
const projects = args.flatMap((arg, i) => (arg === "--project" ? [args[i + 1]] : arg.startsWith("--project=") ? [arg.slice(10)] : []));
if (projects.length === 0 || projects.some((p) => p !== "unit")) {
  const status = spawnSync(runtime, [join(root, "scripts/build.mjs"), "--if-stale"], { cwd: root, stdio: "inherit" }).status ?? 1;
  if (status !== 0) process.exit(status);
}

const gates = withGates ? runGates() : Promise.resolve([]);
// A private directory: a guessable name in /tmp could be someone's symlink.
const summaryDir = mkdtempSync(join(tmpdir(), "cnits-test-"));
const summaryFile = join(summaryDir, "summary.json");
const vitest = spawn(
  runtime,
  [join(root, "node_modules/vitest/vitest.mjs"), "run", "--reporter=default", `--reporter=${join(root, "scripts/lib/summary-reporter.mjs")}`, ...args],
  { cwd: root, stdio: "inherit", env: { ...process.env, CNITS_TEST_SUMMARY: summaryFile } },
);
const status = await new Promise((done) => {
  vitest.on("error", () => done(1));
  vitest.on("close", (code) => done(code ?? 1));
});
const gateResults = await gates;
if (gateResults.length > 0) process.stdout.write(`\n${formatGates(gateResults)}`);
try {
  const { passed, failed, skipped } = JSON.parse(readFileSync(summaryFile, "utf8"));
  if (skipped.length > 0) process.stdout.write(`\nskipped, and why:\n`);
  for (const { file, name, reason } of skipped) process.stdout.write(`  ${file} > ${name}: ${reason ?? "no reason given"}\n`);
  process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped.length} skipped\n`);
} catch {
  // vitest did not get as far as a summary; its own output says why.
} finally {
  rmSync(summaryDir, { recursive: true, force: true });
}
process.exit(status !== 0 ? status : gateResults.every((gate) => gate.ok) ? 0 : 1);
