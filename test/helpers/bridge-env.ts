/**
 * A bridge test world: a namespace playing the node, pod namespaces, a
 * unique bridge name and a temp host-local dataDir, plus runners for our
 * bridge and the reference one with the same configs. Everything is named
 * `cnits-*` and removed by `cleanup()`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { attachmentLockPath } from "../../src/attachment-lock.ts";
import { afterEach } from "vitest";
import { createNetns, type TestNetns } from "./netns.ts";
import { DIST_BIN, REFERENCE_BIN, runPlugin, type PluginRun } from "./run-plugin.ts";

/** Which implementation to run. */
export type Impl = "ours" | "reference";

/** One pod attachment. */
export interface Pod {
  ns: TestNetns;
  containerId: string;
  ifName: string;
}

/** The world of one test. */
export interface BridgeWorld {
  node: TestNetns;
  /** Unique bridge name (≤ 15 chars). */
  bridge: string;
  /** Unique network name. */
  network: string;
  /** host-local dataDir. */
  dataDir: string;
  /** A config with the world's names; `extra` overrides. */
  conf(extra?: Record<string, unknown>, cniVersion?: string): Record<string, unknown>;
  /** A host-local ipam block in the world's dataDir. */
  ipam(extra?: Record<string, unknown>): Record<string, unknown>;
  newPod(tag?: string): Pod;
  run(cmd: "ADD" | "DEL" | "CHECK" | "STATUS" | "GC", pod: Pod | undefined, conf: unknown, impl?: Impl, env?: Record<string, string>): PluginRun;
  /** `ip -j ...` in the node namespace. */
  nodeJson<T = any>(...args: string[]): T;
  /** Allocation files (IPs) in the network's store. */
  allocations(): string[];
  /** iptables nat rules mentioning the network, plus nft masquerade/spoof rules. */
  netfilterRules(): string[];
  cleanup(): void;
}

/** Whether the kernel supports bridge VLAN filtering (not all test kernels do). */
export function hasVlanFiltering(): boolean {
  const ns = createNetns("vlanprobe");
  try {
    return spawnSync("ip", ["-n", ns.name, "link", "add", "cnitsvf", "type", "bridge", "vlan_filtering", "1"]).status === 0;
  } finally {
    ns.remove();
  }
}

/** Create a world: node namespace with lo up and forwarding ready to be set by the plugin. */
export function createBridgeWorld(): BridgeWorld {
  const id = randomBytes(3).toString("hex");
  const node = createNetns("node");
  node.exec("ip", "link", "set", "lo", "up");
  const bridge = `cnitsbr${id}`;
  const network = `cnits-net-${id}`;
  const dataDir = `/tmp/cnits-${id}`;
  const pods: Pod[] = [];
  let counter = 0;

  const world: BridgeWorld = {
    node,
    bridge,
    network,
    dataDir,
    conf(extra = {}, cniVersion = "1.0.0") {
      return { cniVersion, name: network, type: "bridge", bridge, ...extra };
    },
    ipam(extra = {}) {
      return { type: "host-local", subnet: "10.99.0.0/24", dataDir, ...extra };
    },
    newPod(tag = "pod") {
      const ns = createNetns(tag);
      counter++;
      const pod = { ns, containerId: `cnits-c${counter}-${id}`, ifName: "eth0" };
      pods.push(pod);
      return pod;
    },
    run(cmd, pod, conf, impl = "ours", env = {}) {
      const bin = impl === "ours" ? DIST_BIN : REFERENCE_BIN;
      return runPlugin(
        `${bin}/bridge`,
        {
          CNI_COMMAND: cmd,
          CNI_CONTAINERID: pod?.containerId ?? "",
          CNI_NETNS: pod?.ns.path ?? "",
          CNI_IFNAME: pod?.ifName ?? "eth0",
          CNI_PATH: bin,
          ...env,
        },
        conf,
        { hostNetns: node.name },
      );
    },
    nodeJson<T>(...args: string[]) {
      return node.ipJson<T>(...args);
    },
    allocations() {
      const dir = `${dataDir}/${network}`;
      if (!existsSync(dir)) return [];
      return readdirSync(dir).filter((f) => f !== "lock" && !f.startsWith(".") && !f.startsWith("last_reserved_ip"));
    },
    netfilterRules() {
      const out: string[] = [];
      const ipt = spawnSync("ip", ["netns", "exec", node.name, "iptables-save", "-t", "nat"], { encoding: "utf8" });
      out.push(...ipt.stdout.split("\n").filter((l) => l.includes("CNI-")));
      const nft = spawnSync("ip", ["netns", "exec", node.name, "nft", "list", "ruleset"], { encoding: "utf8" });
      out.push(...nft.stdout.split("\n").filter((l) => /comment "(macspoofchk-|[0-9a-f]{16}-)/.test(l)));
      return out;
    },
    cleanup() {
      for (const p of pods) {
        p.ns.remove();
        // The bridge's record of an attachment the test did not DEL.
        rmSync(attachmentLockPath({ network, containerId: p.containerId, ifName: p.ifName }), { force: true });
      }
      node.remove();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return world;
}

/**
 * Whether `address` answers from namespace `from` (one ICMP echo, 1 s; tried
 * `attempts` times because an IPv6 gateway address on the bridge stays
 * tentative for a second or two after it is added, as with the reference).
 */
export function canPing(from: TestNetns, address: string, attempts = 1): boolean {
  for (let i = 0; i < attempts; i++) {
    if (spawnSync("ip", ["netns", "exec", from.name, "ping", "-c1", "-W1", address], { stdio: "ignore" }).status === 0) return true;
  }
  return false;
}

/** Whether `ping` is installed. */
export function havePing(): boolean {
  return spawnSync("sh", ["-c", "command -v ping"], { stdio: "ignore" }).status === 0;
}

/** Read a sysctl inside a namespace (undefined when missing). */
export function nsSysctl(ns: TestNetns, key: string): string | undefined {
  try {
    return execFileSync("ip", ["netns", "exec", ns.name, "cat", `/proc/sys/${key}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/** Host veths of the node (name → `ip -j -d link` entry). */
export function nodeVeths(world: BridgeWorld): any[] {
  return world.nodeJson<any[]>("-d", "link", "show", "type", "veth") ?? [];
}

/**
 * Register per-test cleanup and return a factory: every world it makes is
 * removed after the test that made it.
 *
 * @example const newWorld = useBridgeWorlds(); test("…", () => { const w = newWorld(); … });
 */
export function useBridgeWorlds(): () => BridgeWorld {
  const worlds: BridgeWorld[] = [];
  afterEach(() => {
    while (worlds.length) worlds.pop()!.cleanup();
  });
  return () => {
    const world = createBridgeWorld();
    worlds.push(world);
    return world;
  };
}
