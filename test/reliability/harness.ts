/**
 * Shared machinery of the reliability suites: run a built plugin
 * asynchronously inside a node namespace (so many run truly in parallel and
 * one can be SIGKILLed like a runtime's timeout does), and snapshot
 * everything a plugin may leave on a node (links, addresses, routes,
 * netfilter, dataDir) so a test can say "nothing changed".
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { DIST_BIN } from "../helpers/run-plugin.ts";

/** One asynchronous invocation's outcome. */
export interface AsyncRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, or undefined when empty or not JSON. */
  json: any;
  ms: number;
  /** The plugin's peak resident memory in KiB, when measured (see {@link AsyncRunOptions.measureMemory}). */
  maxRssKiB?: number;
}

/** How to run. */
export interface AsyncRunOptions {
  /** Path of the namespace playing the node (entered with nsenter, which execs: the pid is the plugin's). */
  nodeNetns?: string;
  /** SIGKILL the plugin (only it, as a runtime does) after this many ms. */
  killAfterMs?: number;
  /** Working directory of the plugin. */
  cwd?: string;
  /** Measure the plugin's peak resident memory (GNU time's %M, from wait4). Not with killAfterMs: the kill would hit time. */
  measureMemory?: boolean;
}

/**
 * Run the executable `bin` with `env` (PATH added) and `stdin`. After the
 * plugin exits, wait for any child it left running (iptables, nft) to
 * finish, so the next step sees settled state.
 */
export function runAsync(bin: string, env: Record<string, string | undefined>, stdin: string | Buffer, opts: AsyncRunOptions = {}): Promise<AsyncRun> {
  const cleanEnv: Record<string, string> = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) cleanEnv[k] = v;
  const [plain, plainArgs] = opts.nodeNetns ? ["nsenter", [`--net=${opts.nodeNetns}`, "--", bin]] : [bin, []];
  const rssFile = opts.measureMemory ? `/tmp/cnits-rss-${randomBytes(6).toString("hex")}` : undefined;
  const [cmd, args] = rssFile ? ["/usr/bin/time", ["-f", "%M", "-o", rssFile, plain, ...plainArgs]] : [plain, plainArgs];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: cleanEnv, cwd: opts.cwd, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.stdin.on("error", () => {}); // EPIPE when the plugin stops reading early
    child.on("error", reject);
    let timer: NodeJS.Timeout | undefined;
    if (opts.killAfterMs !== undefined) {
      timer = setTimeout(() => {
        try {
          process.kill(child.pid!, "SIGKILL");
        } catch {
          // already exited
        }
      }, opts.killAfterMs);
    }
    child.on("close", (status, signal) => void finish(status, signal));
    const finish = async (status: number | null, signal: NodeJS.Signals | null) => {
      if (timer) clearTimeout(timer);
      await drainGroup(child.pid!);
      const stdout = Buffer.concat(out).toString("utf8");
      let json: any;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      const ms = performance.now() - started;
      let maxRssKiB: number | undefined;
      if (rssFile) {
        // time reports the plugin's status first ("Command exited with non-zero status 1"), then %M.
        maxRssKiB = Number(readFileSync(rssFile, "utf8").trim().split("\n").at(-1));
        rmSync(rssFile, { force: true });
      }
      resolve({ status, signal, stdout, stderr: Buffer.concat(err).toString("utf8"), json, ms, maxRssKiB });
    };
    child.stdin.end(stdin);
  });
}

/** Wait (≤ 10 s) until no process of the group `pgid` is left. */
async function drainGroup(pgid: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Run `fn` over `items` with at most `limit` in flight. After a failure no
 * new item starts, and the first error is thrown only once every running
 * item has settled (so cleanup never races plugins still running).
 */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  });
  const settled = await Promise.allSettled(workers);
  const rejected = settled.find((s) => s.status === "rejected");
  if (rejected) throw rejected.reason;
  return results;
}

/** A seeded PRNG (mulberry32), so generated cases are reproducible from the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A node namespace with a unique bridge, network name, subnet and dataDir. */
export interface Node {
  ns: TestNetns;
  bridge: string;
  network: string;
  dataDir: string;
  /** A bridge config for this node; `extra` overrides. */
  conf(extra?: Record<string, unknown>, ipamExtra?: Record<string, unknown>): Record<string, unknown>;
  /** A pod namespace (removed by cleanup). */
  newPod(tag?: string): TestNetns;
  /** Run one of our plugins in the node namespace. */
  run(
    plugin: "bridge" | "host-local" | "loopback",
    env: Record<string, string | undefined>,
    stdin: unknown,
    opts?: Omit<AsyncRunOptions, "nodeNetns">,
  ): Promise<AsyncRun>;
  /** Everything a plugin could leave behind in the node namespace and the dataDir. */
  snapshot(): NodeSnapshot;
  cleanup(): void;
}

/** See {@link Node.snapshot}. */
export interface NodeSnapshot {
  links: string[];
  addresses: string[];
  routes: string[];
  iptables: string[];
  nft: string[];
  files: string[];
  /** Files in the plugin's (empty) working directory: a relative path would land there. */
  cwdFiles: string[];
}

/**
 * Create a node namespace (lo up). `subnet` is the IPv4 /24 of its network.
 */
export function createNode(subnet = "10.77.0.0/24"): Node {
  const id = randomBytes(3).toString("hex");
  const ns = createNetns("node");
  ns.exec("ip", "link", "set", "lo", "up");
  const bridge = `cnitsrb${id}`;
  const network = `cnits-rel-${id}`;
  const dataDir = `/tmp/cnits-rel-${id}`;
  const cwd = `/tmp/cnits-rel-${id}-cwd`;
  mkdirSync(cwd, { mode: 0o700 });
  const pods: TestNetns[] = [];
  const node: Node = {
    ns,
    bridge,
    network,
    dataDir,
    conf(extra = {}, ipamExtra = {}) {
      return {
        cniVersion: "1.0.0",
        name: network,
        type: "bridge",
        bridge,
        isGateway: true,
        ipam: { type: "host-local", subnet, dataDir, ...ipamExtra },
        ...extra,
      };
    },
    newPod(tag = "pod") {
      const p = createNetns(tag);
      pods.push(p);
      return p;
    },
    run(plugin, env, stdin, opts = {}) {
      const input = typeof stdin === "string" || Buffer.isBuffer(stdin) ? stdin : JSON.stringify(stdin);
      return runAsync(join(DIST_BIN, plugin), { CNI_PATH: DIST_BIN, ...env }, input, { cwd, ...opts, nodeNetns: ns.path });
    },
    snapshot() {
      const x = (...cmd: string[]) => nsExec(ns.path, ...cmd);
      const j = (...args: string[]) => (JSON.parse(x("ip", "-j", ...args) || "null") as any[] | null) ?? [];
      return {
        links: j("link")
          .map((l) => `${l.ifname} ${l.link_type} ${l.master ?? ""}`)
          .sort(),
        addresses: j("addr")
          .flatMap((l) => (l.addr_info ?? []).map((a: any) => `${l.ifname} ${a.local}/${a.prefixlen}`))
          .sort(),
        routes: [...j("route", "show", "table", "all"), ...j("-6", "route", "show", "table", "all")]
          .map((r) => `${r.table ?? "main"} ${r.type ?? ""} ${r.dst} ${r.gateway ?? ""} ${r.dev ?? ""}`)
          .sort(),
        iptables: [...x("iptables-save").split("\n"), ...x("ip6tables-save").split("\n")]
          .filter((l) => l !== "" && !l.startsWith("#"))
          .map((l) => l.replace(/\[\d+:\d+\]/g, "")),
        nft: x("nft", "list", "ruleset")
          .split("\n")
          .filter((l) => l.trim() !== ""),
        files: listTree(dataDir),
        cwdFiles: listTree(cwd),
      };
    },
    cleanup() {
      for (const p of pods) p.remove();
      ns.remove();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(cwd, { recursive: true, force: true });
    },
  };
  return node;
}

/** Every path under `dir` (relative, with a trailing / for directories), or [] when it does not exist. */
export function listTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const p = rel ? `${rel}/${name}` : name;
      if (lstatSync(join(dir, p)).isDirectory()) {
        out.push(`${p}/`);
        walk(p);
      } else out.push(p);
    }
  };
  walk("");
  return out.sort();
}

/** Address files (named like an IP) of a network's store. */
export function allocationFiles(dataDir: string, network: string): string[] {
  const dir = join(dataDir, network);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /^[0-9.]+$|:/.test(f));
}

/** Host-side veths in a namespace. */
export function vethNames(ns: TestNetns): string[] {
  return (ns.ipJson<any[]>("link", "show", "type", "veth") ?? []).map((l) => l.ifname as string);
}

/** Kill-safety checks: the lines of iptables/nft that belong to CNI attachments. */
export function cniNetfilterLines(s: NodeSnapshot): string[] {
  return [...s.iptables.filter((l) => l.includes("CNI-")), ...s.nft.filter((l) => /macspoofchk-|cni-br-iface-|, id: /.test(l))];
}

/** `ip netns exec`-free exec in a namespace by path, for quick probes. */
export function nsExec(path: string, ...cmd: string[]): string {
  return execFileSync("nsenter", [`--net=${path}`, "--", ...cmd], { encoding: "utf8" });
}
