/**
 * Every bridge config key changes the kernel state it should (built
 * executable, checked with ip/bridge/sysctl inside the namespaces).
 */
import { describe, expect, test } from "vitest";
import { canPing, useBridgeWorlds, hasVlanFiltering, havePing, nodeVeths, nsSysctl, type BridgeWorld, type Pod } from "../helpers/bridge-env.ts";
import { NO_VLAN_FILTERING, skipAllUnless } from "../helpers/skip.ts";

const newWorld = useBridgeWorlds();

const vlanSupported = hasVlanFiltering();

function addOk(w: BridgeWorld, pod: Pod, conf: unknown, env: Record<string, string> = {}) {
  const r = w.run("ADD", pod, conf, "ours", env);
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return r.json;
}
const hostVeth = (w: BridgeWorld) => w.nodeJson<any[]>("-d", "link", "show", "type", "veth")[0];
const podLink = (pod: Pod) => pod.ns.ipJson<any[]>("-d", "link", "show", pod.ifName)[0];

describe("bridge config keys", () => {
  test("mtu: bridge and both veth ends; also applied to an existing bridge", () => {
    const w = newWorld();
    addOk(w, w.newPod(), w.conf({ mtu: 1400, ipam: w.ipam() }));
    expect(w.nodeJson<any[]>("link", "show", w.bridge)[0].mtu).toBe(1400);
    expect(hostVeth(w).mtu).toBe(1400);
    const pod = w.newPod();
    addOk(w, pod, w.conf({ mtu: 1300, ipam: w.ipam() }));
    expect(podLink(pod).mtu).toBe(1300);
    expect(w.nodeJson<any[]>("link", "show", w.bridge)[0].mtu).toBe(1300);
  });

  test("hairpinMode and portIsolation set the port flags; defaults leave them off", () => {
    const w = newWorld();
    addOk(w, w.newPod(), w.conf({ hairpinMode: true, portIsolation: true }));
    let port = hostVeth(w).linkinfo.info_slave_data;
    expect(port.hairpin).toBe(true);
    expect(port.isolated).toBe(true);
    const w2 = newWorld();
    addOk(w2, w2.newPod(), w2.conf({}));
    port = hostVeth(w2).linkinfo.info_slave_data;
    expect(port.hairpin).toBe(false);
    expect(port.isolated).toBe(false);
  });

  test("promiscMode turns promiscuous mode on the bridge", () => {
    const w = newWorld();
    addOk(w, w.newPod(), w.conf({ promiscMode: true }));
    expect(w.nodeJson<any[]>("-d", "link", "show", w.bridge)[0].promiscuity).toBeGreaterThan(0);
  });

  test("host port: master is the bridge, UP, accept_ra=0; container: arp_notify=1, accept_dad=0", () => {
    const w = newWorld();
    const pod = w.newPod();
    addOk(w, pod, w.conf({ ipam: w.ipam() }));
    const veth = hostVeth(w);
    expect(veth.master).toBe(w.bridge);
    expect(veth.flags).toContain("UP");
    expect(nsSysctl(w.node, `net/ipv6/conf/${veth.ifname}/accept_ra`)).toBe("0");
    expect(nsSysctl(pod.ns, "net/ipv4/conf/eth0/arp_notify")).toBe("1");
    expect(nsSysctl(pod.ns, "net/ipv6/conf/eth0/accept_dad")).toBe("0");
  });

  test("IPv4-only ADD works in a pod with IPv6 disabled and leaves it disabled", () => {
    const w = newWorld();
    const pod = w.newPod();
    pod.ns.exec("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
    const res = addOk(w, pod, w.conf({ isDefaultGateway: true, ipam: w.ipam() }));
    expect(res.ips[0].address).toBe("10.99.0.2/24");
    expect(nsSysctl(pod.ns, "net/ipv6/conf/eth0/disable_ipv6")).toBe("1");
    expect(pod.ns.ipJson<any[]>("route", "show", "default")[0].gateway).toBe("10.99.0.1");
  });

  test("enabledad: accept_dad=1 and enhanced_dad=1 in the pod", () => {
    const w = newWorld();
    const pod = w.newPod();
    addOk(w, pod, w.conf({ enabledad: true, ipam: w.ipam() }));
    expect(nsSysctl(pod.ns, "net/ipv6/conf/eth0/accept_dad")).toBe("1");
    expect(nsSysctl(pod.ns, "net/ipv6/conf/eth0/enhanced_dad")).toBe("1");
  });

  test("isGateway: gateway on the bridge, forwarding on; without it neither", () => {
    const w = newWorld();
    w.node.exec("sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward");
    addOk(w, w.newPod(), w.conf({ ipam: w.ipam() }));
    expect(nsSysctl(w.node, "net/ipv4/ip_forward")).toBe("0");
    expect(w.nodeJson<any[]>("addr", "show", w.bridge)[0].addr_info.filter((a: any) => a.family === "inet")).toEqual([]);
    addOk(w, w.newPod(), w.conf({ isGateway: true, ipam: w.ipam() }));
    expect(nsSysctl(w.node, "net/ipv4/ip_forward")).toBe("1");
    const v4 = w.nodeJson<any[]>("addr", "show", w.bridge)[0].addr_info.filter((a: any) => a.family === "inet");
    expect(v4.map((a: any) => `${a.local}/${a.prefixlen}`)).toEqual(["10.99.0.1/24"]);
  });

  test("isDefaultGateway: default route via the gateway in the pod; IPAM default without gw is not duplicated", () => {
    const w = newWorld();
    const pod = w.newPod();
    const res = addOk(w, pod, w.conf({ isDefaultGateway: true, ipam: w.ipam({ routes: [{ dst: "0.0.0.0/0" }] }) }));
    expect(res.routes).toEqual([{ dst: "0.0.0.0/0", gw: "10.99.0.1" }]);
    const routes = pod.ns.ipJson<any[]>("route", "show", "default");
    expect(routes).toHaveLength(1);
    expect(routes[0].gateway).toBe("10.99.0.1");
  });

  test("forceAddress: a conflicting bridge address fails ADD, or is replaced", () => {
    const w = newWorld();
    w.node.exec("ip", "link", "add", w.bridge, "type", "bridge");
    w.node.exec("ip", "addr", "add", "10.88.0.1/24", "dev", w.bridge);
    const pod = w.newPod();
    const r = w.run("ADD", pod, w.conf({ isGateway: true, ipam: w.ipam() }));
    expect(r.status).not.toBe(0);
    expect(r.json.msg).toBe(`"${w.bridge}" already has an IP address different from 10.99.0.1/24`);
    expect(w.allocations()).toEqual([]);
    expect(nodeVeths(w)).toEqual([]);
    addOk(w, pod, w.conf({ isGateway: true, forceAddress: true, ipam: w.ipam() }));
    const v4 = w.nodeJson<any[]>("addr", "show", w.bridge)[0].addr_info.filter((a: any) => a.family === "inet");
    expect(v4.map((a: any) => a.local)).toEqual(["10.99.0.1"]);
  });

  test("an existing non-bridge link named like the bridge is an error", () => {
    const w = newWorld();
    w.node.exec("ip", "link", "add", w.bridge, "type", "veth", "peer", "name", "cnitsxx");
    const r = w.run("ADD", w.newPod(), w.conf({}));
    expect(r.json.msg).toBe(`"${w.bridge}" already exists but is not a bridge`);
  });

  test("mac: runtimeConfig > args.cni.mac > CNI_ARGS MAC", () => {
    const w = newWorld();
    const p1 = w.newPod();
    const res = addOk(w, p1, w.conf({ ipam: w.ipam() }), { CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAME=x;MAC=0a:58:00:00:00:01" });
    expect(podLink(p1).address).toBe("0a:58:00:00:00:01");
    expect(res.interfaces[2].mac).toBe("0a:58:00:00:00:01");
    const p2 = w.newPod();
    addOk(w, p2, w.conf({ args: { cni: { mac: "0a:58:00:00:00:02" } }, ipam: w.ipam() }), { CNI_ARGS: "IgnoreUnknown=1;MAC=0a:58:00:00:00:09" });
    expect(podLink(p2).address).toBe("0a:58:00:00:00:02");
    const p3 = w.newPod();
    addOk(w, p3, w.conf({ args: { cni: { mac: "0a:58:00:00:00:02" } }, runtimeConfig: { mac: "0a:58:00:00:00:03" }, ipam: w.ipam() }));
    expect(podLink(p3).address).toBe("0a:58:00:00:00:03");
    const bad = w.run("ADD", w.newPod(), w.conf({ ipam: w.ipam() }), "ours", { CNI_ARGS: "K8S_POD_NAME=x" });
    expect(bad.json.msg).toBe('ARGS: unknown args ["K8S_POD_NAME=x"]');
  });

  test("L2 mode: no ips, container UP without addresses; disableContainerInterface leaves it DOWN", () => {
    const w = newWorld();
    const pod = w.newPod();
    const res = addOk(w, pod, w.conf({}));
    expect(res.ips).toBeUndefined();
    expect(podLink(pod).flags).toContain("UP");
    expect(pod.ns.ipJson<any[]>("-4", "addr", "show", "eth0")[0]?.addr_info ?? []).toEqual([]);
    const p2 = w.newPod();
    addOk(w, p2, w.conf({ disableContainerInterface: true }));
    expect(podLink(p2).flags).not.toContain("UP");
  });

  test("dns in the config replaces IPAM's", () => {
    const w = newWorld();
    const res = addOk(w, w.newPod(), w.conf({ dns: { nameservers: ["10.99.0.53"], search: ["svc.local"] }, ipam: w.ipam() }));
    expect(res.dns).toEqual({ nameservers: ["10.99.0.53"], search: ["svc.local"] });
  });

  test("macspoofchk installs the bridge-family drop rules; DEL removes them", () => {
    const w = newWorld();
    const pod = w.newPod();
    const conf = w.conf({ macspoofchk: true, ipam: w.ipam() });
    addOk(w, pod, conf);
    const ruleset = w.node.exec("nft", "list", "table", "bridge", "nat");
    expect(ruleset).toContain(`macspoofchk-${pod.containerId}-eth0`);
    expect(ruleset).toContain(podLink(pod).address);
    expect(w.run("DEL", pod, conf).status).toBe(0);
    expect(w.netfilterRules()).toEqual([]);
  });

  test("ipMasqBackend nftables: rules in inet cni_plugins_masquerade", () => {
    const w = newWorld();
    const pod = w.newPod();
    const conf = w.conf({ isGateway: true, ipMasq: true, ipMasqBackend: "nftables", ipam: w.ipam() });
    addOk(w, pod, conf);
    expect(w.node.exec("nft", "list", "table", "inet", "cni_plugins_masquerade")).toContain("10.99.0.2");
    expect(w.run("DEL", pod, conf).status).toBe(0);
    expect(w.netfilterRules()).toEqual([]);
  });

  test("dual-stack: both families configured, routed and reachable", (ctx) => {
    ctx.skip(!havePing(), "ping is not installed");
    const w = newWorld();
    const ipam = {
      type: "host-local",
      dataDir: w.dataDir,
      ranges: [[{ subnet: "10.99.0.0/24" }], [{ subnet: "fd99::/64" }]],
    };
    const conf = w.conf({ isDefaultGateway: true, ipam });
    const a = w.newPod();
    const b = w.newPod();
    const ra = addOk(w, a, conf);
    addOk(w, b, conf);
    expect(ra.ips).toEqual([
      { interface: 2, address: "10.99.0.2/24", gateway: "10.99.0.1" },
      { interface: 2, address: "fd99::2/64", gateway: "fd99::1" },
    ]);
    expect(ra.routes).toEqual([
      { dst: "0.0.0.0/0", gw: "10.99.0.1" },
      { dst: "::/0", gw: "fd99::1" },
    ]);
    expect(a.ns.ipJson<any[]>("-6", "route", "show", "default")[0].gateway).toBe("fd99::1");
    expect(nsSysctl(w.node, "net/ipv6/conf/all/forwarding")).toBe("1");
    expect(canPing(a.ns, "fd99::3")).toBe(true);
    expect(canPing(a.ns, "fd99::1", 4)).toBe(true);
    expect(canPing(b.ns, "10.99.0.2")).toBe(true);
  });

  test("CHECK passes on a fresh attachment (L3 and L2) and fails once an address is gone", () => {
    const w = newWorld();
    for (const extra of [{ isDefaultGateway: true, ipam: w.ipam() }, {}]) {
      const pod = w.newPod();
      const conf = w.conf(extra);
      const res = addOk(w, pod, conf);
      const check = w.run("CHECK", pod, { ...conf, prevResult: res });
      expect(check.status, check.stdout).toBe(0);
    }
    const pod = w.newPod();
    const conf = w.conf({ ipam: w.ipam() });
    const res = addOk(w, pod, conf);
    pod.ns.exec("ip", "addr", "flush", "dev", "eth0");
    const check = w.run("CHECK", pod, { ...conf, prevResult: res });
    expect(check.status).not.toBe(0);
    expect(check.json.msg).toMatch(/Failed to match addr/);
    const gwPod = w.newPod();
    const gwConf = w.conf({ isDefaultGateway: true, ipam: w.ipam() });
    const gwRes = addOk(w, gwPod, gwConf);
    const wrongGw = { ...gwRes, routes: [{ dst: "0.0.0.0/0", gw: "10.99.0.254" }] };
    const gwCheck = w.run("CHECK", gwPod, { ...gwConf, prevResult: wrongGw });
    expect(gwCheck.json?.msg).toBe("Failed to match route: 0.0.0.0/0 via 10.99.0.254");
    const noPrev = w.run("CHECK", pod, conf);
    expect(noPrev.json.msg).toBe("Required prevResult missing");
  });

  test("GC (1.1.0) releases IPAM and rules of attachments not in the valid list; STATUS succeeds", () => {
    const w = newWorld();
    const conf = w.conf({ isGateway: true, ipMasq: true, macspoofchk: true, ipam: w.ipam() }, "1.1.0");
    const keep = w.newPod();
    const stale = w.newPod();
    addOk(w, keep, conf);
    addOk(w, stale, conf);
    expect(w.allocations().sort()).toEqual(["10.99.0.2", "10.99.0.3"]);
    const rulesBefore = w.netfilterRules().length;
    expect(w.run("STATUS", undefined, conf).status).toBe(0);
    const gc = w.run("GC", undefined, { ...conf, "cni.dev/valid-attachments": [{ containerID: keep.containerId, ifname: "eth0" }] });
    expect(gc.status, gc.stdout + gc.stderr).toBe(0);
    expect(w.allocations()).toEqual(["10.99.0.2"]);
    const rules = w.netfilterRules();
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.length).toBeLessThan(rulesBefore);
    expect(rules.join("\n")).not.toContain(stale.containerId);
  });
});

describe("bridge VLANs (kernel with bridge VLAN filtering)", () => {
  skipAllUnless(vlanSupported, NO_VLAN_FILTERING);
  const portVlans = (w: BridgeWorld, dev: string) => {
    const out = w.node.exec("bridge", "-j", "vlan", "show", "dev", dev);
    const entries = JSON.parse(out || "[]") as any[];
    return (entries[0]?.vlans ?? []).map((v: any) => ({ vlan: v.vlan, flags: (v.flags ?? []).sort() }));
  };

  test("vlan: PVID untagged on the port, VID 1 removed, vlan_filtering on; gateway on <bridge>.<vlan>", () => {
    const w = newWorld();
    const res = addOk(w, w.newPod(), w.conf({ vlan: 100, isGateway: true, ipam: w.ipam() }));
    expect(portVlans(w, res.interfaces[1].name)).toEqual([{ vlan: 100, flags: ["Egress Untagged", "PVID"] }]);
    expect(w.nodeJson<any[]>("-d", "link", "show", w.bridge)[0].linkinfo.info_data.vlan_filtering).toBe(1);
    expect(res.interfaces[3].name).toBe(`${w.bridge}.100`);
    const addrs = w.nodeJson<any[]>("addr", "show", `${w.bridge}.100`)[0].addr_info.filter((a: any) => a.family === "inet");
    expect(addrs.map((a: any) => a.local)).toEqual(["10.99.0.1"]);
  });

  test("vlanTrunk: tagged VIDs plus VID 1 native; an existing bridge gets vlan_filtering", () => {
    const w = newWorld();
    w.node.exec("ip", "link", "add", w.bridge, "type", "bridge");
    const res = addOk(w, w.newPod(), w.conf({ vlanTrunk: [{ id: 10 }, { minID: 20, maxID: 21 }] }));
    expect(portVlans(w, res.interfaces[1].name)).toEqual([
      { vlan: 1, flags: ["Egress Untagged", "PVID"] },
      { vlan: 10, flags: [] },
      { vlan: 20, flags: [] },
      { vlan: 21, flags: [] },
    ]);
    expect(w.nodeJson<any[]>("-d", "link", "show", w.bridge)[0].linkinfo.info_data.vlan_filtering).toBe(1);
  });
});
