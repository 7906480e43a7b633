#!/usr/bin/env node
// What hashing costs at startup inside a single executable built like ours
// (stripped pinned Node 24, SEA main script with V8 code cache): three probe
// executables print a SHA-512 and a SHA-256 of short strings with
// node:crypto, with src/hash, or print a constant (the floor).
//   node scripts/bench-hash.mjs [rounds=3]
// Counts instructions with callgrind (valgrind), rounds interleaved, so load
// from other work on the machine barely moves the figures; prints medians.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { ROOT } from "./lib/paths.mjs";
import { injectSeaBlob, makeSeaBlob } from "./lib/sea.mjs";

const rounds = Number(process.argv[2] ?? 3);
const INPUTS = '"cnits-netcontainer-id-0123456789", "10.0.0.2"';
const PROBES = {
  floor: `import { writeSync } from "node:fs";\nwriteSync(1, [${INPUTS}].join(" ") + "\\n");\n`,
  "node:crypto":
    `import { writeSync } from "node:fs";\nimport { createHash } from "node:crypto";\n` +
    `const [a, b] = [${INPUTS}];\n` +
    'writeSync(1, createHash("sha512").update(a).digest("hex") + " " + createHash("sha256").update(b).digest("hex") + "\\n");\n',
  "src/hash":
    `import { writeSync } from "node:fs";\nimport { sha256Hex, sha512Hex } from ${JSON.stringify(join(ROOT, "src/hash/sha2.ts"))};\n` +
    `const [a, b] = [${INPUTS}];\n` +
    'writeSync(1, sha512Hex(a) + " " + sha256Hex(b) + "\\n");\n',
};

const work = mkdtempSync(join(tmpdir(), "cnits-bench-hash-"));
try {
  const executables = {};
  for (const [label, source] of Object.entries(PROBES)) {
    const dir = mkdtempSync(join(work, "probe-"));
    writeFileSync(join(dir, "probe.ts"), source);
    await build({ entryPoints: [join(dir, "probe.ts")], outfile: join(dir, "main.cjs"), bundle: true, platform: "node", target: "node24", format: "cjs", minifyWhitespace: true, minifySyntax: true, logLevel: "warning" });
    executables[label] = join(dir, "probe");
    injectSeaBlob({ blob: makeSeaBlob({ dir, main: join(dir, "main.cjs"), useCodeCache: true }), output: executables[label] });
  }
  const counts = Object.fromEntries(Object.keys(PROBES).map((label) => [label, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [label, file] of Object.entries(executables)) {
      const out = join(work, "callgrind.out");
      const run = spawnSync("valgrind", ["--tool=callgrind", `--callgrind-out-file=${out}`, file], { encoding: "utf8" });
      if (run.status !== 0) throw new Error(`${label}: ${run.stderr}`);
      counts[label].push(Number(/^summary: (\d+)/m.exec(readFileSync(out, "utf8"))[1]));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const floor = median(counts.floor);
  for (const [label, xs] of Object.entries(counts)) {
    const m = median(xs);
    console.log(`${label.padEnd(12)} ${(m / 1e6).toFixed(1)} M Ir${label === "floor" ? "" : `  (${m >= floor ? "+" : "-"}${(Math.abs(m - floor) / 1e6).toFixed(1)} M)`}  runs: ${xs.map((x) => (x / 1e6).toFixed(1)).join(", ")}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
