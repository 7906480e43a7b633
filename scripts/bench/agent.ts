#!/usr/bin/env node
/**
 * `npm run bench:agent`: the node agent (`dist/bin/cni-ts install --watch`)
 * against the fake API server (test/helpers/fake-apiserver.ts) holding
 * 100, 1,000 and 5,000 synthetic Nodes of ~4 KB. For each size: time until
 * every peer route is in the kernel, the agent's peak resident memory
 * (VmHWM) at the end, and the API requests it sent: during the initial
 * sync and per minute afterwards while every Node's status changes about
 * once a minute (kubelet heartbeats: events the agent must read but that
 * change no route).
 *
 * Runs as root, re-executing itself inside a throwaway network namespace
 * playing node-0 (the fake API on its loopback, the peers on-link through
 * a veth), so routes never touch the machine's own namespace.
 *
 * The executable's pages count in the agent's resident memory, and how many
 * depends on the page cache: a file written in large pieces (the build
 * writes the executable that way) sits there in large folios, which a fault
 * maps whole. So every agent starts from a defined state: the executable is
 * dropped from the page cache first (`dd iflag=nocache`: posix_fadvise
 * DONTNEED on that one file), as on a node after boot. `--page-cache keep`
 * leaves the cache as it is, to compare (right after `npm run build`: the
 * build's large folios).
 *
 * Options: --sizes 100,1000,5000  --seconds 60 (steady-state window per size)
 *          --page-cache cold|keep
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeApiFiles, TOKEN } from "../../test/helpers/fake-api.ts";
import { FakeApiServer, syntheticNode } from "../../test/helpers/fake-apiserver.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const CNI_TS = join(ROOT, "dist/bin/cni-ts");

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1]!;
}

const sizes = option("sizes", "100,1000,5000").split(",").map(Number);
const seconds = Number(option("seconds", "60"));
const pageCache = option("page-cache", "cold");
if (pageCache !== "cold" && pageCache !== "keep") throw new Error("--page-cache is cold or keep");

interface Row {
  nodes: number;
  syncSeconds: number;
  syncRequests: number;
  steadyPerMinute: number;
  events: number;
  peakMiB: number;
  peakAnonMiB: number;
  fileMiB: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Put the executable in the page-cache state the run asks for (see the top of this file). */
function setPageCache(): void {
  if (pageCache === "cold") execFileSync("dd", [`if=${CNI_TS}`, "iflag=nocache", "count=0", "status=none"]);
}

function ownRoutes(): number {
  return execFileSync("ip", ["-4", "route", "show", "proto", "177"], { encoding: "utf8" }).split("\n").filter(Boolean).length;
}

/** A field of /proc/PID/status in MiB (VmHWM: the resident high-water mark; RssAnon, RssFile: now). */
function statusMiB(pid: number, field: string): number {
  const kib = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Math.round(Number(kib) / 102.4) / 10;
}

async function measure(nodes: number): Promise<Row> {
  const work = mkdtempSync(join(tmpdir(), "cnits-bench-agent-"));
  const files = makeApiFiles(work);
  let requests = 0;
  const server = new FakeApiServer({
    cert: readFileSync(join(files.server, "cert.pem")),
    key: readFileSync(join(files.server, "key.pem")),
    token: TOKEN,
    bookmarkMs: 60_000,
    onRequest: () => void requests++,
  });
  const cluster = Array.from({ length: nodes }, (_, i) => syntheticNode(i));
  server.setNodes(cluster);
  const port = await server.listen();
  setPageCache();
  const t0 = Date.now();
  let peakAnon = 0; // sampled: the kernel keeps no high-water mark per kind
  const agent = spawn(
    CNI_TS,
    ["install", "--watch", "--node-name", "node-0", "--cni-bin-dir", join(work, "bin"), "--cni-conf-dir", join(work, "net.d"), "--health-address", "off"],
    {
      env: {
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        KUBERNETES_SERVICE_HOST: "127.0.0.1",
        KUBERNETES_SERVICE_PORT: String(port),
        CNI_TS_SERVICE_ACCOUNT_DIR: files.account,
      },
      stdio: "ignore",
    },
  );
  try {
    // Memory every 20 ms, the routes (a dump of thousands) every 100 ms.
    for (let i = 0; i % 5 !== 0 || ownRoutes() < nodes - 1; i++) {
      peakAnon = Math.max(peakAnon, statusMiB(agent.pid!, "RssAnon"));
      if (agent.exitCode !== null) throw new Error(`the agent exited with ${agent.exitCode}`);
      if (Date.now() - t0 > 300_000) throw new Error("no sync within 5 minutes");
      await sleep(20);
    }
    const syncSeconds = (Date.now() - t0) / 1000;
    const syncRequests = requests;
    // Steady state: every Node's heartbeat once a minute, spread evenly.
    const start = Date.now();
    let events = 0;
    let beat = 0;
    while (Date.now() - start < seconds * 1000) {
      const due = Math.floor(((Date.now() - start) / 60_000) * nodes);
      for (; events < due; events++) {
        const node = cluster[events % nodes]!;
        const conditions = (node.status as { conditions: { lastHeartbeatTime: string }[] }).conditions;
        for (const c of conditions) c.lastHeartbeatTime = new Date(Date.now() + beat++).toISOString();
        server.upsert(node);
      }
      peakAnon = Math.max(peakAnon, statusMiB(agent.pid!, "RssAnon"));
      await sleep(20);
    }
    const steadyPerMinute = ((requests - syncRequests) * 60) / seconds;
    const row = {
      nodes,
      syncSeconds,
      syncRequests,
      steadyPerMinute,
      events,
      peakMiB: statusMiB(agent.pid!, "VmHWM"),
      peakAnonMiB: peakAnon,
      fileMiB: statusMiB(agent.pid!, "RssFile"),
    };
    if (ownRoutes() !== nodes - 1) throw new Error("routes changed during the heartbeats");
    return row;
  } finally {
    agent.kill("SIGTERM");
    await new Promise((resolve) => (agent.exitCode !== null ? resolve(undefined) : agent.once("exit", resolve)));
    await server.close();
    execFileSync("ip", ["route", "flush", "proto", "177"]);
    rmSync(work, { recursive: true, force: true });
  }
}

async function inner(): Promise<void> {
  execFileSync("ip", ["link", "set", "lo", "up"]);
  execFileSync("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "eth0-peer"]);
  execFileSync("ip", ["link", "set", "eth0-peer", "up"]);
  execFileSync("ip", ["addr", "add", "172.20.0.2/16", "dev", "eth0"]);
  execFileSync("ip", ["link", "set", "eth0", "up"]);
  const rows: Row[] = [];
  for (const n of sizes) {
    rows.push(await measure(n));
    process.stderr.write(`${n} nodes done\n`);
  }
  const lines = [
    `Agent against the fake API server, Nodes of ~4 KB, ${seconds} s of heartbeats (every Node once a minute) per size, ${pageCache === "cold" ? "executable dropped from the page cache before each start" : "page cache left as it was"}; ${new Date().toISOString().slice(0, 10)}, ${execFileSync("nproc", { encoding: "utf8" }).trim()} CPUs.`,
    "",
    "| Nodes | sync (s) | requests to sync | requests/min after | events read | peak RSS (MiB) | of it anonymous, peak | executable pages |",
    "|------:|---------:|-----------------:|-------------------:|------------:|---------------:|----------------------:|-----------------:|",
    ...rows.map(
      (r) =>
        `| ${r.nodes} | ${r.syncSeconds.toFixed(1)} | ${r.syncRequests} | ${r.steadyPerMinute.toFixed(1)} | ${r.events} | ${r.peakMiB} | ${r.peakAnonMiB} | ${r.fileMiB} |`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

if (process.argv.includes("--inner")) {
  await inner();
} else {
  if (process.getuid?.() !== 0) throw new Error("bench:agent needs root (a throwaway network namespace)");
  const ns = `cnits-bench-agent-${randomBytes(3).toString("hex")}`;
  execFileSync("ip", ["netns", "add", ns]);
  try {
    const run = spawnSync("ip", ["netns", "exec", ns, process.execPath, fileURLToPath(import.meta.url), "--inner", ...process.argv.slice(2)], {
      stdio: "inherit",
    });
    process.exitCode = run.status ?? 1;
  } finally {
    spawnSync("ip", ["netns", "del", ns]);
  }
}
