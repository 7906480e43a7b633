/**
 * The built bridge plugin against the real kernel: connectivity, NAT,
 * rollback and DEL cleanup. Each test runs in its own node namespace.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { canPing, useBridgeWorlds, havePing, nodeVeths, type BridgeWorld } from "../helpers/bridge-env.ts";
import type { TestNetns } from "../helpers/netns.ts";
import { DIST_BIN } from "../helpers/run-plugin.ts";
import { eventually } from "../helpers/wait.ts";

let world: BridgeWorld;
const newWorld = useBridgeWorlds();
beforeAll(() => {
  if (!existsSync(`${DIST_BIN}/bridge`)) throw new Error("dist/bin/bridge missing: run scripts/build.mjs");
});

describe("bridge ADD/DEL (built executable)", () => {
  test("two pods on one bridge ping each other and the gateway", (ctx) => {
    ctx.skip(!havePing(), "ping is not installed");
    world = newWorld();
    const conf = world.conf({ isGateway: true, ipam: world.ipam() });
    const a = world.newPod();
    const b = world.newPod();
    const ra = world.run("ADD", a, conf);
    const rb = world.run("ADD", b, conf);
    expect(ra.status, ra.stdout + ra.stderr).toBe(0);
    expect(rb.status, rb.stdout + rb.stderr).toBe(0);
    expect(ra.json.ips).toEqual([{ interface: 2, address: "10.99.0.2/24", gateway: "10.99.0.1" }]);
    expect(rb.json.ips[0].address).toBe("10.99.0.3/24");
    expect(ra.json.interfaces[0].name).toBe(world.bridge);
    expect(ra.json.interfaces[1].name).toMatch(/^veth[0-9a-f]{8}$/);
    expect(ra.json.interfaces[2]).toMatchObject({ name: "eth0", sandbox: a.ns.path });
    // The printed MACs are the kernel's (the bridge's as it is once the pods are attached).
    const macOf = (ns: TestNetns, dev: string) => ns.ipJson<{ address: string }[]>("link", "show", "dev", dev)[0]!.address;
    expect(ra.json.interfaces[1].mac).toBe(macOf(world.node, ra.json.interfaces[1].name));
    expect(ra.json.interfaces[2].mac).toBe(macOf(a.ns, "eth0"));
    expect(rb.json.interfaces[0].mac).toBe(macOf(world.node, world.bridge));
    expect(canPing(a.ns, "10.99.0.3")).toBe(true);
    expect(canPing(b.ns, "10.99.0.2")).toBe(true);
    expect(canPing(a.ns, "10.99.0.1")).toBe(true);
  });

  test("ipMasq: a pod reaches an outside namespace through the node's NAT", (ctx) => {
    ctx.skip(!havePing(), "ping is not installed");
    world = newWorld();
    const outside = world.newPod("outside").ns;
    // node <-> outside link; outside has no route back to the pod subnet.
    world.node.exec("ip", "link", "add", "cnitsup0", "type", "veth", "peer", "name", "cnitsup1");
    world.node.exec("ip", "link", "set", "cnitsup1", "netns", outside.name);
    world.node.exec("ip", "addr", "add", "192.168.99.1/24", "dev", "cnitsup0");
    world.node.exec("ip", "link", "set", "cnitsup0", "up");
    outside.exec("ip", "addr", "add", "192.168.99.2/24", "dev", "cnitsup1");
    outside.exec("ip", "link", "set", "cnitsup1", "up");
    const pod = world.newPod();
    const noMasq = world.run("ADD", pod, world.conf({ isDefaultGateway: true, ipam: world.ipam() }));
    expect(noMasq.status, noMasq.stdout).toBe(0);
    expect(canPing(pod.ns, "192.168.99.2")).toBe(false);
    expect(world.run("DEL", pod, world.conf({ isDefaultGateway: true, ipam: world.ipam() })).status).toBe(0);

    const conf = world.conf({ isDefaultGateway: true, ipMasq: true, ipam: world.ipam() });
    const r = world.run("ADD", pod, conf);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(canPing(pod.ns, "192.168.99.2")).toBe(true);
    expect(world.netfilterRules().length).toBeGreaterThan(0);
    expect(world.run("DEL", pod, conf).status).toBe(0);
    expect(world.netfilterRules()).toEqual([]);
  });

  test("DEL after a failed ADD (exhausted range) leaves no veth, rule or allocation", () => {
    world = newWorld();
    const conf = world.conf({
      isGateway: true,
      ipMasq: true,
      macspoofchk: true,
      ipam: world.ipam({ rangeStart: "10.99.0.5", rangeEnd: "10.99.0.5" }),
    });
    const a = world.newPod();
    const b = world.newPod();
    expect(world.run("ADD", a, conf).status).toBe(0);
    const rulesAfterA = world.netfilterRules();
    const vethsAfterA = nodeVeths(world).map((l) => l.ifname);
    const failed = world.run("ADD", b, conf);
    expect(failed.status).not.toBe(0);
    expect(failed.json.msg).toMatch(/no IP addresses available/);
    // nothing of b's is left: no veth, no container interface, no rules, one allocation (a's)
    expect(nodeVeths(world).map((l) => l.ifname)).toEqual(vethsAfterA);
    expect(b.ns.ipJson<any[]>("link", "show").map((l) => l.ifname)).toEqual(["lo"]);
    expect(world.netfilterRules()).toEqual(rulesAfterA);
    expect(world.allocations()).toEqual(["10.99.0.5"]);
    expect(world.run("DEL", b, conf).status).toBe(0);
    expect(world.allocations()).toEqual(["10.99.0.5"]);
    expect(world.run("DEL", a, conf).status).toBe(0);
    expect(world.allocations()).toEqual([]);
    expect(world.netfilterRules()).toEqual([]);
    expect(nodeVeths(world)).toEqual([]);
  });

  test("a failed ADD (CNI_IFNAME exists in the pod) rolls back and keeps the name's owner", () => {
    world = newWorld();
    const pod = world.newPod();
    pod.ns.exec("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "cnitsother");
    const conf = world.conf({ isGateway: true, ipam: world.ipam() });
    const r = world.run("ADD", pod, conf);
    expect(r.status).not.toBe(0);
    expect(r.json.msg).toMatch(/^container veth name \("eth0"\) peer provided \("veth[0-9a-f]{8}"\) already exists$/);
    expect(nodeVeths(world)).toEqual([]);
    expect(world.allocations()).toEqual([]);
    expect(
      pod.ns
        .ipJson<any[]>("link", "show")
        .map((l) => l.ifname)
        .sort(),
    ).toEqual(["cnitsother", "eth0", "lo"]);
  });

  test("a failed ADD removes the bridge address it added", () => {
    world = newWorld();
    const pod = world.newPod();
    // an IPAM route whose gateway is off-link makes the ADD fail after addresses are in place
    const conf = world.conf({ isGateway: true, ipam: world.ipam({ routes: [{ dst: "10.50.0.0/16", gw: "10.200.0.1" }] }) });
    const r = world.run("ADD", pod, conf);
    expect(r.status).not.toBe(0);
    expect(r.json.msg).toMatch(/failed to add route/);
    const br = world.nodeJson<any[]>("addr", "show", world.bridge)[0];
    expect(br.addr_info.filter((a: any) => a.family === "inet")).toEqual([]);
    expect(nodeVeths(world)).toEqual([]);
    expect(world.allocations()).toEqual([]);
  });

  test("DEL is idempotent and cleans rules and allocation with the netns gone or empty", () => {
    world = newWorld();
    const conf = world.conf({ isGateway: true, ipMasq: true, macspoofchk: true, ipam: world.ipam() });
    for (const mode of ["gone", "empty"] as const) {
      const pod = world.newPod();
      const r = world.run("ADD", pod, conf);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(world.allocations().length).toBe(1);
      expect(world.netfilterRules().length).toBeGreaterThan(0);
      if (mode === "gone") pod.ns.remove();
      const env: Record<string, string> = mode === "empty" ? { CNI_NETNS: "" } : {};
      for (let i = 0; i < 2; i++) {
        const d = world.run("DEL", pod, conf, "ours", env);
        expect(d.status, d.stdout + d.stderr).toBe(0);
      }
      expect(world.allocations()).toEqual([]);
      expect(world.netfilterRules()).toEqual([]);
      if (mode === "gone")
        expect(nodeVeths(world)).toEqual([]); // the veth died with the namespace
      else pod.ns.remove();
    }
  });

  test("DEL with the netns path gone but the namespace alive removes the host veth ADD recorded", async () => {
    world = newWorld();
    const conf = world.conf({ ipam: world.ipam() });
    const pod = world.newPod();
    const add = world.run("ADD", pod, conf);
    expect(add.status, add.stdout).toBe(0);
    // a process keeps the namespace alive after its path is gone
    const holder = spawn("ip", ["netns", "exec", pod.ns.name, "sleep", "30"], { stdio: "ignore" });
    try {
      const podNetns = statSync(pod.ns.path).ino;
      await eventually(() => statSync(`/proc/${holder.pid}/ns/net`).ino === podNetns, "the holder to enter the pod's namespace");
      pod.ns.remove();
      expect(nodeVeths(world).map((l) => l.ifname)).toEqual([add.json.interfaces[1].name]);
      const d = world.run("DEL", pod, { ...conf, prevResult: add.json });
      expect(d.status, d.stdout + d.stderr).toBe(0);
      expect(nodeVeths(world)).toEqual([]);
      expect(world.allocations()).toEqual([]);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  test("DEL with a CNI_NETNS that is not a namespace fails and keeps the allocation", () => {
    world = newWorld();
    const conf = world.conf({ ipam: world.ipam() });
    const pod = world.newPod();
    expect(world.run("ADD", pod, conf).status).toBe(0);
    const d = world.run("DEL", pod, conf, "ours", { CNI_NETNS: "/tmp" });
    expect(d.status).not.toBe(0);
    expect(d.json.msg).toMatch(/unknown FS magic/);
    expect(world.allocations().length).toBe(1);
    expect(world.run("DEL", pod, conf).status).toBe(0);
    expect(world.allocations()).toEqual([]);
  });

  test("concurrent ADDs on a bridge that does not exist yet all succeed, with distinct addresses", async () => {
    world = newWorld();
    const conf = JSON.stringify(world.conf({ isGateway: true, ipam: world.ipam() }));
    const pods = [world.newPod(), world.newPod(), world.newPod(), world.newPod()];
    const runs = await Promise.all(
      pods.map(
        (pod) =>
          new Promise<{ code: number | null; out: string }>((resolve) => {
            const child = spawn("ip", ["netns", "exec", world.node.name, `${DIST_BIN}/bridge`], {
              env: {
                PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
                CNI_COMMAND: "ADD",
                CNI_CONTAINERID: pod.containerId,
                CNI_NETNS: pod.ns.path,
                CNI_IFNAME: "eth0",
                CNI_PATH: DIST_BIN,
              },
            });
            let out = "";
            child.stdout.on("data", (d: Buffer) => (out += d.toString()));
            child.on("close", (code) => resolve({ code, out }));
            child.stdin.end(conf);
          }),
      ),
    );
    for (const r of runs) expect(r.code, r.out).toBe(0);
    const addrs = runs.map((r) => JSON.parse(r.out).ips[0].address).sort();
    expect(new Set(addrs).size).toBe(4);
    const v4 = world.nodeJson<any[]>("addr", "show", world.bridge)[0].addr_info.filter((a: any) => a.family === "inet");
    expect(v4.map((a: any) => `${a.local}/${a.prefixlen}`)).toEqual(["10.99.0.1/24"]);
  });
});
