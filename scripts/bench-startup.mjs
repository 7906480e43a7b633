#!/usr/bin/env node
// Startup cost of the built executables against Node's own floor.
//   node scripts/bench-startup.mjs [runs=30] [extra executables to compare...]
// Runs are interleaved (floor, plugin, floor, ...) so load from other work on
// the machine hits every command alike; prints median and 10th percentile.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { BIN_DIR, PINNED_NODE } from "./lib/paths.mjs";

const runs = Number(process.argv[2] ?? 30);
const cases = [
  { label: "node -e 0 (floor)", file: PINNED_NODE, args: ["-e", "0"], env: {} },
  { label: "loopback VERSION", file: join(BIN_DIR, "loopback"), args: [], env: { CNI_COMMAND: "VERSION" } },
  { label: "bridge VERSION", file: join(BIN_DIR, "bridge"), args: [], env: { CNI_COMMAND: "VERSION" } },
  { label: "host-local VERSION", file: join(BIN_DIR, "host-local"), args: [], env: { CNI_COMMAND: "VERSION" } },
  { label: "cni-ts --version", file: join(BIN_DIR, "cni-ts"), args: ["--version"], env: {} },
  ...process.argv.slice(3).map((file) => ({ label: `${file} VERSION`, file, args: [], env: { CNI_COMMAND: "VERSION" } })),
];

const times = cases.map(() => []);
for (let i = 0; i < runs + 3; i++) {
  cases.forEach((c, j) => {
    const start = process.hrtime.bigint();
    const out = spawnSync(c.file, c.args, { env: { PATH: "/usr/bin:/bin", ...c.env }, stdio: ["ignore", "ignore", "pipe"] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (out.status !== 0) throw new Error(`${c.label} failed: ${out.stderr}`);
    if (i >= 3) times[j].push(ms); // 3 warm-up rounds
  });
}
const pick = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const floor = pick(
  [...times[0]].sort((a, b) => a - b),
  0.5,
);
for (const [j, c] of cases.entries()) {
  const sorted = [...times[j]].sort((a, b) => a - b);
  const median = pick(sorted, 0.5);
  const delta = j === 0 ? "" : ` (${median >= floor ? "+" : ""}${(median - floor).toFixed(1)} ms vs floor)`;
  console.log(`${c.label.padEnd(28)} median ${median.toFixed(1)} ms, p10 ${pick(sorted, 0.1).toFixed(1)} ms${delta}`);
}
