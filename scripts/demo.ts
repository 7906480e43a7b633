/**
 * `npm run demo`: a two-node, four-pod cluster in network namespaces, wired
 * by the built plugins exactly as a runtime does it, with each result, a
 * connectivity matrix and timings printed; everything it made is removed at
 * the end, on error and on Ctrl-C. Every link, address, route and rule lives
 * in `cnits-demo-*` namespaces; the root network namespace is never touched.
 * It names the plugins it ran (from their own about text) and ends with one
 * summary line.
 *
 * Usage (root): npm run demo [-- --reference | --bin DIR]
 *   --reference  use Debian's reference plugins in /usr/lib/cni instead
 *   --bin DIR    use the plugins in DIR
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DIST_BIN, REFERENCE_BIN, ROOT } from "../test/helpers/run-plugin.ts";
import { probe, startResponder, type Responder } from "../test/e2e/probe.ts";
import { createTopology, type ClusterPod, type Topology } from "../test/e2e/topology.ts";

const argv = process.argv.slice(2);
const binArg = argv.indexOf("--bin");
const binDir = argv.includes("--reference") ? REFERENCE_BIN : binArg >= 0 ? (argv[binArg + 1] ?? DIST_BIN) : DIST_BIN;

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const ms = (n: number) => `${n.toFixed(1)} ms`;

function ensureBuilt(): void {
  if (binDir !== DIST_BIN) return;
  const out = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--if-stale"], { stdio: "inherit", cwd: ROOT });
  if (out.status !== 0) throw new Error("build failed");
}

/**
 * Which implementation `dir` holds, from its bridge's about text (run with
 * no CNI_COMMAND): ours says `+cni-ts` in its version.
 */
function implementationIn(dir: string): string {
  const about = spawnSync(join(dir, "bridge"), [], { env: {}, encoding: "utf8" }).stderr?.split("\n")[0] ?? "";
  const version = /plugin (v\d\S*)/.exec(about)?.[1];
  if (about.includes("+cni-ts")) return `cni-ts ${version?.replace("+cni-ts", "") ?? ""}`.trim();
  return version ? `the reference plugins ${version}` : "the reference plugins";
}

function leftovers(topo: Topology): string[] {
  const found: string[] = [];
  for (const node of topo.nodes) {
    const links = node.ns.ipJson<{ ifname: string; linkinfo?: { info_kind?: string } }[]>("-d", "link", "show");
    for (const l of links) if (l.linkinfo?.info_kind === "veth" && !l.ifname.startsWith("cnits-ul-")) found.push(`node ${node.id}: veth ${l.ifname}`);
    let files: string[] = [];
    try {
      files = readdirSync(join(node.dataDir, "cnits-podnet"));
    } catch {
      // no allocation ever made
    }
    for (const f of files) if (/^\d+\.\d+\.\d+\.\d+$/.test(f)) found.push(`node ${node.id}: allocation ${f}`);
    const rules = spawnSync("ip", ["netns", "exec", node.ns.name, "iptables-save"], { encoding: "utf8" }).stdout ?? "";
    for (const line of rules.split("\n")) if (line.startsWith("-A") && /10\.244\.\d+\.(?!0\/|1\b)\d+/.test(line)) found.push(`node ${node.id}: rule ${line}`);
  }
  return found;
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error("the demo needs root (it creates network namespaces)");
    return 1;
  }
  ensureBuilt();
  const implementation = implementationIn(binDir);
  console.log(bold(`cni-ts demo: running ${implementation} from ${binDir}`));

  let topo: Topology | undefined;
  const responders: Responder[] = [];
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    for (const r of responders) r.stop();
    topo?.destroy();
  };
  const onSignal = () => {
    console.error("\ninterrupted: removing everything the demo made");
    cleanup();
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let summary = `${implementation}: failed before the connectivity check`;
  try {
    topo = createTopology({ binDir, tagPrefix: "demo-" });
    const [a, b] = topo.nodes;
    console.log(`\n${bold("nodes")}`);
    for (const n of topo.nodes) {
      console.log(`  node ${n.id}: netns ${n.ns.name}, underlay ${n.underlayIp}/24 on ${n.underlayIf}, pod CIDR ${n.podCidr}, bridge ${n.bridge}`);
    }

    console.log(`\n${bold("ADD (loopback for lo, then bridge + host-local for eth0)")}`);
    const pods: ClusterPod[] = [];
    for (const [node, name] of [
      [a, "a1"],
      [a, "a2"],
      [b, "b1"],
      [b, "b2"],
    ] as const) {
      const pod = topo.addPod(node, name);
      pods.push(pod);
      const r = pod.ethResult as { interfaces: { name: string; mac: string; sandbox?: string }[]; ips: unknown; routes?: unknown };
      const ifs = r.interfaces.map((i) => `${i.name}${i.sandbox ? "@pod" : ""} ${i.mac}`).join(", ");
      console.log(`  pod ${name} on node ${node.id} (${pod.ns.name}): lo ${ms(pod.addMs.lo)}, eth0 ${ms(pod.addMs.eth0)}`);
      console.log(`    ips ${JSON.stringify(r.ips)}`);
      console.log(`    routes ${JSON.stringify(r.routes ?? [])}; interfaces ${ifs}`);
    }

    for (const ns of [a.ns, b.ns, ...pods.map((p) => p.ns)]) responders.push(await startResponder(ns.name));
    const targets = [
      ...pods.map((p) => ({ label: `${p.name} ${p.ip}`, address: p.ip })),
      { label: `node-a ${a.underlayIp}`, address: a.underlayIp },
      { label: `node-b ${b.underlayIp}`, address: b.underlayIp },
    ];
    console.log(`\n${bold("connectivity (TCP handshake time from row to column; ✗ = unreachable)")}`);
    const width = 20;
    console.log(`  ${"from \\ to".padEnd(8)}${targets.map((t) => t.label.padStart(width)).join("")}`);
    let failures = 0;
    let probes = 0;
    for (const from of pods) {
      const cells = targets.map((t) => {
        if (t.address === from.ip) return "—".padStart(width);
        const rtt = probe(from.ns.name, t.address);
        probes++;
        if (rtt === null) failures++;
        return (rtt === null ? "✗" : ms(rtt)).padStart(width);
      });
      console.log(`  ${from.name.padEnd(8)}${cells.join("")}`);
    }
    for (const r of responders.splice(0)) r.stop();

    console.log(`\n${bold("DEL (bridge, then loopback)")}`);
    for (const pod of pods) {
      const t = topo.deletePod(pod);
      console.log(`  pod ${pod.name}: eth0 ${ms(t.eth0)}, lo ${ms(t.lo)}`);
    }
    const left = leftovers(topo);
    console.log(left.length === 0 ? "  nothing left behind: no veth, no allocation file, no rule" : `  LEFT BEHIND:\n    ${left.join("\n    ")}`);
    summary = `${implementation}: ${probes - failures}/${probes} reachable, ${left.length === 0 ? "nothing left behind" : `${left.length} things left behind`}`;
    return failures === 0 && left.length === 0 ? 0 : 1;
  } finally {
    cleanup();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    console.log(`\n${bold("removed")} the demo namespaces and data dirs`);
    console.log(bold(summary));
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
