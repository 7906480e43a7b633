/**
 * The plugins driven by libcni (containerd's and CRI-O's library) exactly as
 * a runtime drives them: conflist, result cache, capability args, CNI_ARGS,
 * the plugin running inside a "node" namespace and a pod namespace made by
 * the test. CNITS_IMPL=reference runs the same cases against /usr/lib/cni.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { runPlugin } from "../helpers/run-plugin.ts";
import { specHasCheck } from "../helpers/versions.ts";
import { buildDriver, driverCaller, makePluginDir, pluginPath, runDriver, scratchDir, SUBJECT, type PluginDir } from "./driver.ts";
import { allocations, bridgeConflist, cachedResults, ipv4Of, LIBCNI_VERSIONS, loopbackConflist, routes4, veths } from "./fixtures.ts";

/** What kubelet's runtimes put in CNI_ARGS. */
const K8S_ARGS = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=cnits-c1";

beforeAll(() => {
  buildDriver();
});

describe.each(LIBCNI_VERSIONS)("[%s] through libcni", (cniVersion) => {
  let node: TestNetns;
  let pod: TestNetns;
  let plugins: PluginDir;
  let cache: PluginDir;
  let ipam: PluginDir;

  beforeEach(() => {
    node = createNetns("node");
    pod = createNetns("pod");
    plugins = makePluginDir({ bridge: SUBJECT, loopback: SUBJECT, "host-local": SUBJECT });
    cache = scratchDir("cache");
    ipam = scratchDir("ipam");
  });
  afterEach(() => {
    pod?.remove();
    node?.remove();
    plugins?.remove();
    cache?.remove();
    ipam?.remove();
  });

  const call = driverCaller(() => ({ pod, node, plugins, cache }));

  it("loopback ADD brings lo up, CHECK passes, DEL brings it down", () => {
    const conf = loopbackConflist(cniVersion);
    const add = call("add", conf, { ifName: "lo" });
    expect(add.ok, add.message).toBe(true);
    expect(add.result.cniVersion).toBe(cniVersion);
    expect(add.result.ips.map((ip: { address: string }) => ip.address)).toContain("127.0.0.1/8");
    expect(pod.ipJson<{ flags: string[] }[]>("link", "show", "lo")[0]?.flags).toContain("UP");
    expect(ipv4Of(pod, "lo")).toEqual(["127.0.0.1/8"]);
    if (specHasCheck(cniVersion)) {
      const check = call("check", conf, { ifName: "lo" });
      expect(check.ok, check.message).toBe(true);
    }
    const del = call("del", conf, { ifName: "lo" });
    expect(del.ok, del.message).toBe(true);
    expect(pod.ipJson<{ flags: string[] }[]>("link", "show", "lo")[0]?.flags).not.toContain("UP");
    expect(cachedResults(cache.dir)).toEqual([]);
  });

  it("bridge + host-local ADD/CHECK/DEL with kubelet's CNI_ARGS leaves nothing behind", () => {
    const conf = bridgeConflist({ cniVersion, dataDir: ipam.dir });
    const add = call("add", conf, { cniArgs: K8S_ARGS });
    expect(add.ok, add.message).toBe(true);
    const r = add.result;
    expect(r.cniVersion).toBe(cniVersion);
    expect(r.interfaces.map((i: { name: string }) => i.name)).toEqual(["cnits-br0", expect.stringMatching(/^veth/), "eth0"]);
    expect(r.interfaces[2].sandbox).toBe(pod.path);
    expect(r.ips[0].address).toBe("10.244.1.2/24");
    expect(r.ips[0].gateway).toBe("10.244.1.1");
    // The kernel agrees with the result.
    expect(ipv4Of(pod, "eth0")).toEqual(["10.244.1.2/24"]);
    expect(routes4(pod)).toContain("default via 10.244.1.1 dev eth0");
    expect(ipv4Of(node, "cnits-br0")).toEqual(["10.244.1.1/24"]);
    expect(veths(node)).toEqual([r.interfaces[1].name]);
    expect(allocations(ipam.dir)).toEqual(["10.244.1.2"]);
    expect(readFileSync(join(ipam.dir, "cnits-net", "10.244.1.2"), "utf8")).toMatch(/^cnits-c1/);
    // libcni cached the result as a runtime would, and can give it back.
    expect(cachedResults(cache.dir)).toEqual(["cnits-net-cnits-c1-eth0"]);
    const cached = call("cached", conf);
    expect(cached.result.ips).toEqual(r.ips);

    if (specHasCheck(cniVersion)) {
      const check = call("check", conf, { cniArgs: K8S_ARGS });
      expect(check.ok, check.message).toBe(true);
    } else {
      const check = call("check", conf);
      expect(check.ok).toBe(false);
      expect(check.message).toMatch(/does not support the CHECK command/);
    }

    const del = call("del", conf, { cniArgs: K8S_ARGS });
    expect(del.ok, del.message).toBe(true);
    expect(veths(node)).toEqual([]);
    expect(pod.ipJson<unknown[]>("link", "show").length).toBe(1); // only lo
    expect(allocations(ipam.dir)).toEqual([]);
    expect(cachedResults(cache.dir)).toEqual([]);
  });

  it("capability args mac and ips reach bridge and host-local", () => {
    const conf = bridgeConflist({ cniVersion, dataDir: ipam.dir, extra: { capabilities: { mac: true, ips: true } } });
    const add = call("add", conf, { capabilityArgs: { mac: "0e:00:00:00:00:42", ips: ["10.244.1.42/24"] } });
    expect(add.ok, add.message).toBe(true);
    expect(pod.ipJson<{ address: string }[]>("link", "show", "eth0")[0]?.address).toBe("0e:00:00:00:00:42");
    expect(ipv4Of(pod, "eth0")).toEqual(["10.244.1.42/24"]);
    expect(allocations(ipam.dir)).toEqual(["10.244.1.42"]);
    const del = call("del", conf, { capabilityArgs: { mac: "0e:00:00:00:00:42", ips: ["10.244.1.42/24"] } });
    expect(del.ok, del.message).toBe(true);
    expect(allocations(ipam.dir)).toEqual([]);
  });

  it("DEL after a failed ADD cleans up and keeps the other pod's address", () => {
    const conf = bridgeConflist({ cniVersion, dataDir: ipam.dir, rangeStart: "10.244.1.10", rangeEnd: "10.244.1.10" });
    const first = call("add", conf);
    expect(first.ok, first.message).toBe(true);
    const firstVeth = first.result.interfaces[1].name;

    const pod2 = createNetns("pod");
    try {
      const failed = call("add", conf, { netns: pod2.path, containerId: "cnits-c2" });
      expect(failed.ok).toBe(false);
      expect(failed.message).toMatch(/10\.244\.1\.10|no IP addresses available|range/i);
      // Like kubelet, the runtime now deletes what the failed ADD may have left.
      const del = call("del", conf, { netns: pod2.path, containerId: "cnits-c2" });
      expect(del.ok, del.message).toBe(true);
      expect(pod2.ipJson<unknown[]>("link", "show").length).toBe(1);
      expect(veths(node)).toEqual([firstVeth]);
      expect(allocations(ipam.dir)).toEqual(["10.244.1.10"]);
      expect(readFileSync(join(ipam.dir, "cnits-net", "10.244.1.10"), "utf8")).toMatch(/^cnits-c1/);
      expect(ipv4Of(pod, "eth0")).toEqual(["10.244.1.10/24"]);
    } finally {
      pod2.remove();
    }
    expect(call("del", conf).ok).toBe(true);
    expect(veths(node)).toEqual([]);
    expect(allocations(ipam.dir)).toEqual([]);
  });

  it("DEL repeated, then DEL after the pod namespace is gone, all succeed", () => {
    const conf = bridgeConflist({ cniVersion, dataDir: ipam.dir });
    expect(call("add", conf).ok).toBe(true);
    for (let i = 0; i < 2; i++) {
      const del = call("del", conf);
      expect(del.ok, del.message).toBe(true);
    }
    expect(veths(node)).toEqual([]);
    expect(allocations(ipam.dir)).toEqual([]);

    // The pod died first: kubelet still calls DEL with the stale path.
    expect(call("add", conf).ok).toBe(true);
    const stale = pod.path;
    pod.remove();
    const del = call("del", conf, { netns: stale });
    expect(del.ok, del.message).toBe(true);
    expect(allocations(ipam.dir)).toEqual([]);
    expect(veths(node)).toEqual([]); // the veth died with the namespace
  });

  it("CHECK fails once a later change moved the pod's default route", (ctx) => {
    ctx.skip(!specHasCheck(cniVersion), `CNI ${cniVersion} has no CHECK`);
    const conf = bridgeConflist({ cniVersion, dataDir: ipam.dir });
    expect(call("add", conf).ok).toBe(true);
    expect(call("check", conf).ok).toBe(true);
    // What a later chained plugin (e.g. sbr) does: the default route leaves the main table.
    pod.exec("ip", "route", "del", "default");
    const check = call("check", conf);
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/route/i);
    expect(call("del", conf).ok).toBe(true);
  });

  it("CHECK fails once the pod's address was changed", (ctx) => {
    ctx.skip(!specHasCheck(cniVersion), `CNI ${cniVersion} has no CHECK`);
    const conf = bridgeConflist({ cniVersion, dataDir: ipam.dir });
    expect(call("add", conf).ok).toBe(true);
    pod.exec("ip", "addr", "flush", "dev", "eth0");
    pod.exec("ip", "addr", "add", "10.244.1.77/24", "dev", "eth0");
    const check = call("check", conf);
    expect(check.ok).toBe(false);
    expect(call("del", conf).ok).toBe(true);
    expect(allocations(ipam.dir)).toEqual([]);
  });
});

describe("cniVersion 1.1.0", () => {
  it("libcni v1.1.2 cannot drive it: ADD is refused, and the runtime's DEL still cleans up", () => {
    buildDriver();
    const node = createNetns("node");
    const pod = createNetns("pod");
    const plugins = makePluginDir({ bridge: SUBJECT, "host-local": SUBJECT });
    const cache = scratchDir("cache");
    const ipam = scratchDir("ipam");
    try {
      const conf = bridgeConflist({ cniVersion: "1.1.0", dataDir: ipam.dir });
      const base = { netns: pod.path, containerId: "cnits-c1", cniPath: [plugins.dir], cacheDir: cache.dir, hostNetns: node.name };
      const add = runDriver({ verb: "add", conf, ...base });
      expect(add.ok).toBe(false);
      // The reference plugins refuse the version; ours accept it but libcni cannot parse a 1.1.0 result.
      expect(add.message).toMatch(/1\.1\.0/);
      const del = runDriver({ verb: "del", conf, ...base });
      if (SUBJECT === "reference")
        expect(del.error?.code).toBe(1); // v1.1.1 knows no 1.1.0 at all
      else expect(del.ok, del.message).toBe(true);
      expect(veths(node)).toEqual([]);
      expect(allocations(ipam.dir)).toEqual([]);
      expect(runDriver({ verb: "gc", conf, ...base }).message).toMatch(/not available in this libcni/);
    } finally {
      pod.remove();
      node.remove();
      plugins.remove();
      cache.remove();
      ipam.remove();
    }
  });

  it("our own runner covers ADD, CHECK, STATUS, GC and DEL at 1.1.0", (ctx) => {
    ctx.skip(SUBJECT === "reference", "the reference plugins under test stop at CNI 1.0.0");
    const node = createNetns("node");
    const pod = createNetns("pod");
    const ipam = scratchDir("ipam");
    try {
      const conf = { ...bridgeConflist({ cniVersion: "1.1.0", dataDir: ipam.dir }) };
      const plugin = { ...(conf.plugins as Record<string, unknown>[])[0], cniVersion: "1.1.0", name: "cnits-net" };
      const env = { CNI_CONTAINERID: "cnits-c1", CNI_NETNS: pod.path, CNI_IFNAME: "eth0", CNI_PATH: join(pluginPath("ours", "bridge"), "..") };
      const bridge = pluginPath("ours", "bridge");
      const add = runPlugin(bridge, { ...env, CNI_COMMAND: "ADD" }, plugin, { hostNetns: node.name });
      expect(add.status, add.stdout + add.stderr).toBe(0);
      expect(add.json.cniVersion).toBe("1.1.0");
      expect(ipv4Of(pod, "eth0")).toEqual(["10.244.1.2/24"]);
      const withPrev = { ...plugin, prevResult: add.json };
      expect(runPlugin(bridge, { ...env, CNI_COMMAND: "CHECK" }, withPrev, { hostNetns: node.name }).status).toBe(0);
      expect(runPlugin(bridge, { ...env, CNI_COMMAND: "STATUS" }, plugin, { hostNetns: node.name }).status).toBe(0);
      // GC with the pod still listed keeps its address.
      const gcKeep = { ...plugin, "cni.dev/valid-attachments": [{ containerID: "cnits-c1", ifname: "eth0" }] };
      expect(runPlugin(bridge, { CNI_COMMAND: "GC", CNI_PATH: env.CNI_PATH }, gcKeep, { hostNetns: node.name }).status).toBe(0);
      expect(allocations(ipam.dir)).toEqual(["10.244.1.2"]);
      const del = runPlugin(bridge, { ...env, CNI_COMMAND: "DEL" }, withPrev, { hostNetns: node.name });
      expect(del.status, del.stdout + del.stderr).toBe(0);
      expect(veths(node)).toEqual([]);
      expect(allocations(ipam.dir)).toEqual([]);
    } finally {
      pod.remove();
      node.remove();
      ipam.remove();
    }
  });
});
