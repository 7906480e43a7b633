#!/usr/bin/env node
// `npm run conformance [-- --reference] [-- --ipv4-only] [-- --iptables-masquerade]
//   [-- --verbose] [-- --agent PATH]`: a dual-stack two-node cluster (IPv4 only
// with --ipv4-only) driven over CRI (containerd with its CRI plugin, one per
// simulated node), each node set up by deploy/cni-ts.yaml's init container
// and agent, the [sig-network]-style checks a CNI must pass, one table, full
// teardown. --reference runs the same cluster (same agent) on the reference
// plugins in /usr/lib/cni; --agent runs another build's cni-ts as the agent
// (e.g. an older one, to compare); --iptables-masquerade has the agent use
// its iptables backend (with the machine's PATH: the image has no iptables).
// Needs root, containerd, runc, gcc (static libc), iptables, nft; builds
// dist/ first when it is stale.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { formatReport, runConformance } from "../test/cri/conformance.ts";

const root = join(import.meta.dirname, "..");
const reference = process.argv.includes("--reference");
const verbose = process.argv.includes("--verbose");
const agentAt = process.argv.indexOf("--agent");
const agent = agentAt > 0 ? resolve(process.argv[agentAt + 1] ?? "") : undefined;

// The agent sets up every node, with either plugins.
const build = spawnSync(process.execPath, [join(root, "scripts/build.mjs"), "--if-stale"], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

const report = await runConformance(
  reference ? "reference" : "cni-ts",
  (result) => {
    if (verbose) process.stderr.write(`${result.ok ? "pass" : "FAIL"} ${result.check}: ${result.detail}\n`);
  },
  { agentExecutable: agent, ipv4Only: process.argv.includes("--ipv4-only"), iptablesMasquerade: process.argv.includes("--iptables-masquerade") },
);
process.stdout.write(`${formatReport(report)}\n`);
process.exit(report.results.every((r) => r.ok) && report.leftovers.length === 0 ? 0 : 1);
