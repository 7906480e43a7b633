/**
 * DEL removes on the host only what provably belongs to its attachment.
 * Two pods on one bridge; pod A is deleted without a reachable namespace
 * (how a kubelet's garbage collection calls DEL) and with a prevResult
 * forged to name pod B's host veth, the bridge or another node link:
 * B keeps its veth, eth0 and allocation, and A's own host veth (recorded
 * at ADD) is removed. Real kernel, node and pods in throwaway namespaces.
 */
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { attachmentLockPath } from "../../src/attachment-lock.ts";
import { nodeVeths, useBridgeWorlds, type BridgeWorld, type Pod } from "../helpers/bridge-env.ts";

const newWorld = useBridgeWorlds();

interface Attached {
  pod: Pod;
  add: { json: any };
  hostVeth: string;
}

function attach(world: BridgeWorld, conf: Record<string, unknown>, impl: "ours" | "reference" = "ours"): Attached {
  const pod = world.newPod();
  const add = world.run("ADD", pod, conf, impl);
  expect(add.status, add.stdout + add.stderr).toBe(0);
  return { pod, add, hostVeth: add.json.interfaces[1].name };
}

function hostVeths(world: BridgeWorld): string[] {
  return nodeVeths(world)
    .map((l) => l.ifname as string)
    .sort();
}

function hasEth0(pod: Pod): boolean {
  return spawnSync("ip", ["-n", pod.ns.name, "link", "show", "eth0"], { stdio: "ignore" }).status === 0;
}

function recordExists(world: BridgeWorld, pod: Pod): boolean {
  return existsSync(attachmentLockPath({ network: world.network, containerId: pod.containerId, ifName: pod.ifName }));
}

/** A prevResult whose host-side interface is `name` (as ADD would print it). */
function forged(a: Attached, name: string, sandbox?: string): unknown {
  const interfaces = [...a.add.json.interfaces];
  interfaces[1] = { ...interfaces[1], name, ...(sandbox ? { sandbox } : {}) };
  return { ...a.add.json, interfaces };
}

type Target = "other pod's veth" | "bridge" | "node link";
interface Case {
  name: string;
  /** How CNI_NETNS reaches the DEL of pod A. */
  netns: "empty" | "unset" | "path gone";
  target: Target;
  /** Put a sandbox on the forged interface. */
  sandbox?: boolean;
}

const cases: Case[] = [];
for (const netns of ["empty", "unset", "path gone"] as const) {
  for (const target of ["other pod's veth", "bridge", "node link"] as const)
    cases.push({ name: `${netns} CNI_NETNS, prevResult names the ${target}`, netns, target });
}
cases.push({ name: "empty CNI_NETNS, prevResult names the other pod's veth with a sandbox", netns: "empty", target: "other pod's veth", sandbox: true });

describe("DEL without a reachable namespace and a forged prevResult", () => {
  test.each(cases)("$name", ({ netns, target, sandbox }) => {
    const world = newWorld();
    const conf = world.conf({ ipam: world.ipam() });
    world.node.exec("ip", "link", "add", "cnitsnl0", "type", "veth", "peer", "name", "cnitsnl1");
    const a = attach(world, conf);
    const b = attach(world, conf);
    const named = { "other pod's veth": b.hostVeth, bridge: world.bridge, "node link": "cnitsnl0" }[target];

    // world.run drops an undefined variable: "unset" runs DEL without CNI_NETNS.
    const env = { unset: { CNI_NETNS: undefined }, empty: { CNI_NETNS: "" }, "path gone": { CNI_NETNS: "/var/run/netns/cnits-gone-0" } }[netns];
    const prevResult = forged(a, named, sandbox ? b.pod.ns.path : undefined);
    const del = world.run("DEL", a.pod, { ...conf, prevResult }, "ours", env as Record<string, string>);
    expect(del.status, del.stdout + del.stderr).toBe(0);

    expect(hostVeths(world)).toEqual([b.hostVeth, "cnitsnl0", "cnitsnl1"].sort());
    expect(world.nodeJson<any[]>("link", "show", "cnitsnl0")).toHaveLength(1);
    expect(world.nodeJson<any[]>("link", "show", world.bridge)).toHaveLength(1);
    expect(hasEth0(b.pod)).toBe(true);
    expect(world.allocations()).toEqual([b.add.json.ips[0].address.split("/")[0]]);
    expect(recordExists(world, a.pod)).toBe(false);
    expect(recordExists(world, b.pod)).toBe(true);
  });
});

describe("DEL without a reachable namespace cleans up its own attachment", () => {
  test("kubelet GC: DEL with empty CNI_NETNS, namespace alive, no prevResult, twice", () => {
    const world = newWorld();
    const conf = world.conf({ ipam: world.ipam() });
    const a = attach(world, conf);
    for (let i = 0; i < 2; i++) {
      const del = world.run("DEL", a.pod, conf, "ours", { CNI_NETNS: "" });
      expect(del.status, del.stdout + del.stderr).toBe(0);
      expect(hostVeths(world)).toEqual([]);
      expect(world.allocations()).toEqual([]);
      expect(recordExists(world, a.pod)).toBe(false);
    }
  });

  test("a veth that took our recorded name later (other MAC) is left alone", () => {
    const world = newWorld();
    const conf = world.conf({ ipam: world.ipam() });
    const a = attach(world, conf);
    const other = world.newPod("other");
    // Our veth goes away; an unrelated veth reuses its name on the same bridge.
    world.node.exec("ip", "link", "del", a.hostVeth);
    world.node.exec("ip", "link", "add", a.hostVeth, "type", "veth", "peer", "name", "eth9", "netns", other.ns.name);
    world.node.exec("ip", "link", "set", a.hostVeth, "master", world.bridge);
    const del = world.run("DEL", a.pod, conf, "ours", { CNI_NETNS: "" });
    expect(del.status, del.stdout + del.stderr).toBe(0);
    expect(hostVeths(world)).toEqual([a.hostVeth]);
    expect(world.allocations()).toEqual([]);
  });

  test("our veth on another bridge than the DEL config names is left alone", () => {
    const world = newWorld();
    const a = attach(world, world.conf({ ipam: world.ipam() }));
    const del = world.run("DEL", a.pod, world.conf({ bridge: "cnitsbrother", ipam: world.ipam() }), "ours", { CNI_NETNS: "" });
    expect(del.status, del.stdout + del.stderr).toBe(0);
    expect(hostVeths(world)).toEqual([a.hostVeth]);
  });

  test("an attachment the reference made has no record: its veth stays (as the reference leaves it), IPAM is released", () => {
    const world = newWorld();
    const conf = world.conf({ ipam: world.ipam() });
    const a = attach(world, conf, "reference");
    const del = world.run("DEL", a.pod, { ...conf, prevResult: a.add.json }, "ours", { CNI_NETNS: "" });
    expect(del.status, del.stdout + del.stderr).toBe(0);
    expect(hostVeths(world)).toEqual([a.hostVeth]);
    expect(world.allocations()).toEqual([]);
  });

  test("GC removes the recorded veth and record of attachments not in the valid list, and nothing of valid ones", () => {
    const world = newWorld();
    const conf = world.conf({ ipam: world.ipam() }, "1.1.0");
    const a = attach(world, conf);
    const b = attach(world, conf);
    const gc = world.run("GC", undefined, { ...conf, "cni.dev/valid-attachments": [{ containerID: b.pod.containerId, ifname: "eth0" }] });
    expect(gc.status, gc.stdout + gc.stderr).toBe(0);
    expect(hostVeths(world)).toEqual([b.hostVeth]);
    expect(recordExists(world, a.pod)).toBe(false);
    expect(recordExists(world, b.pod)).toBe(true);
    expect(hasEth0(b.pod)).toBe(true);
    expect(world.allocations()).toEqual([b.add.json.ips[0].address.split("/")[0]]);
  });
});
