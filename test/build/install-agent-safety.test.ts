// The node agent (`cni-ts install --watch`) against hostile Node objects, an
// admin's routes to the same destinations, an uplink whose MTU changes, and a
// node that had its own plugins: on the real kernel of a throwaway namespace
// playing kind-control-plane, with the fake API server inside it.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../helpers/wait.ts";
import { installerEnv, makeApiFiles, NODES, type ApiServerProcess, startAgent, startAgentCluster, type AgentCluster } from "../helpers/fake-api.ts";
import type { TestNetns } from "../helpers/netns.ts";
import { REFERENCE_BIN } from "../helpers/run-plugin.ts";

function peer(name: string, podCIDRs: string[], ...internalIps: string[]) {
  return { metadata: { name }, spec: { podCIDRs }, status: { addresses: internalIps.map((address) => ({ type: "InternalIP", address })) } };
}

describe("cni-ts install --watch as a node agent", () => {
  let work: string;
  let node: TestNetns;
  let files: ReturnType<typeof makeApiFiles>;
  let api: ApiServerProcess;
  let cluster: AgentCluster;
  beforeEach(async () => {
    cluster = await startAgentCluster("kagent");
    ({ node, work, files, api } = cluster);
  });
  afterEach(() => cluster.stop());

  /** Change the cluster; the agent hears of it through its watch. */
  async function setNodes(extra: unknown[], without: string[] = []): Promise<void> {
    const list = JSON.parse(readFileSync(NODES, "utf8"));
    list.items = [...list.items.filter((n: { metadata: { name: string } }) => !without.includes(n.metadata.name)), ...extra];
    writeFileSync(join(files.server, "nodes.json"), JSON.stringify(list));
    await api.control("reload");
  }

  function startWatch(...extra: string[]) {
    const { child, output, exited } = startAgent(node, work, installerEnv(api.port, files.account), ...extra);
    // The agent logs one JSON object per line: its messages, one per line.
    const messages = () =>
      output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => `${(JSON.parse(line) as { msg: string }).msg}\n`)
        .join("");
    return { child, output: messages, exited };
  }

  /** How many reconciles the agent has run, from its metrics inside the node. */
  function reconciles(): number {
    try {
      const metrics = node.exec("curl", "-s", "--noproxy", "*", "--max-time", "2", "http://127.0.0.1:9802/metrics");
      return Number(/^cni_ts_agent_reconciles_total (\d+)/m.exec(metrics)?.[1] ?? 0);
    } catch {
      return 0;
    }
  }

  /** Every route to `dst` as "via GW proto P metric M". */
  function routesTo(dst: string): string[] {
    const family = dst.includes(":") ? "-6" : "-4";
    return node
      .ipJson<any[]>(family, "route", "show", "exact", dst)
      .map((r) => `via ${r.gateway} proto ${r.protocol} metric ${r.metric ?? 0}`)
      .sort();
  }

  function ownRoutes(): string[] {
    const routes = [...node.ipJson<any[]>("-4", "route", "show", "proto", "177"), ...node.ipJson<any[]>("-6", "route", "show", "proto", "177")];
    return routes.map((r) => `${r.dst} via ${r.gateway}`).sort();
  }

  it("routes only sane claims of hostile Node objects, and logs each refusal once", async () => {
    node.exec("ip", "route", "add", "default", "via", "172.18.0.1");
    await setNodes([
      peer("evil-wide", ["128.0.0.0/1"], "172.18.0.10"),
      peer("evil-gateway", ["172.18.0.1/32"], "172.18.0.10"),
      peer("evil-metadata", ["169.254.169.254/32"], "172.18.0.10"),
      peer("evil-loopback-hop", ["10.244.20.0/24"], "127.0.0.1"),
      peer("evil-own-hop", ["10.244.21.0/24"], "172.18.0.2"),
      peer("evil-pod-hop", ["10.244.22.0/24"], "10.244.0.5"),
      peer("evil-three", ["10.244.23.0/24", "10.244.24.0/24", "10.244.25.0/24"], "172.18.0.11"),
      peer("evil-twin", ["10.244.1.0/24"], "172.18.0.12"),
    ]);
    const watch = startWatch();
    await eventually(() => (watch.output().match(/^no route to /gm) ?? []).length >= 10, "the refusals logged");
    expect(ownRoutes()).toEqual(
      ["fd00:10:244:1::/64 via fc00:f853:ccd:e793::3", "10.244.2.0/24 via 172.18.0.4", "fd00:10:244:2::/64 via fc00:f853:ccd:e793::4"].sort(),
    );
    const out = watch.output();
    for (const line of [
      "no route to 128.0.0.0/1 (node evil-wide): it is wider than the IPv4 floor /16",
      "no route to 172.18.0.1/32 (node evil-gateway): it overlaps the node's network 172.18.0.0/16 on eth0",
      "no route to 169.254.169.254/32 (node evil-metadata): it overlaps the link-local block 169.254.0.0/16",
      "no route to 10.244.20.0/24 (node evil-loopback-hop): its InternalIP 127.0.0.1 is a loopback address",
      "no route to 10.244.21.0/24 (node evil-own-hop): its InternalIP 172.18.0.2 is this node's own address",
      "no route to 10.244.22.0/24 (node evil-pod-hop): its InternalIP 10.244.0.5 lies in the pod CIDR 10.244.0.0/24 of node kind-control-plane",
      "no route to 10.244.23.0/24 (node evil-three): it is one of 3 IPv4 pod CIDRs of the node (at most one per family)",
      "no route to 10.244.1.0/24 (node evil-twin): it overlaps 10.244.1.0/24 of node kind-worker: refused for both",
      "no route to 10.244.1.0/24 (node kind-worker): it overlaps 10.244.1.0/24 of node evil-twin: refused for both",
    ]) {
      expect(out).toContain(`${line}\n`);
    }
    // the default route is still the node's, and nothing leaves through 128.0.0.0/1
    expect(node.exec("ip", "route", "get", "200.0.0.1")).toContain("via 172.18.0.1 dev eth0");
    const seen = reconciles();
    await eventually(() => reconciles() >= seen + 2, "two more reconciles");
    expect(watch.output().match(/\(node evil-wide\)/g)).toHaveLength(1);
    watch.child.kill("SIGTERM");
    expect(await watch.exited).toBe(0);
  });

  it("refuses its own Node's hostile pod CIDR: no conflist written, not ready, the conflist kept once written", async () => {
    await setNodes([peer("kind-control-plane", ["0.0.0.0/0"], "172.18.0.2")], ["kind-control-plane"]);
    const refused = startWatch();
    await eventually(() => refused.output().includes("pod CIDR 0.0.0.0/0 refused: it is wider than the IPv4 floor /16"), "the refusal");
    expect(existsSync(join(work, "net.d/10-cni-ts.conflist"))).toBe(false);
    expect(node.exec("curl", "-s", "--noproxy", "*", "--max-time", "2", "http://127.0.0.1:9802/readyz")).toMatch(/^not ok conflist/m);
    refused.child.kill("SIGTERM");
    expect(await refused.exited).toBe(0);

    await setNodes([]);
    const watch = startWatch();
    await eventually(() => ownRoutes().length === 4, "the routes");
    const conflist = readFileSync(join(work, "net.d/10-cni-ts.conflist"), "utf8");
    await setNodes([peer("kind-control-plane", ["10.0.0.0/8"], "172.18.0.2")], ["kind-control-plane"]);
    await eventually(() => watch.output().includes("pod CIDR 10.0.0.0/8 refused: it is wider than the IPv4 floor /16"), "the refusal");
    expect(readFileSync(join(work, "net.d/10-cni-ts.conflist"), "utf8")).toBe(conflist);
    watch.child.kill("SIGTERM");
    expect(await watch.exited).toBe(0);
  });

  it("removes only its own route when an admin has one to the same destination with another metric (IPv4 and IPv6)", async () => {
    node.exec("ip", "-4", "route", "add", "10.244.1.0/24", "via", "172.18.0.3", "metric", "100", "proto", "static");
    node.exec("ip", "-6", "route", "add", "fd00:10:244:1::/64", "via", "fc00:f853:ccd:e793::3", "metric", "100", "proto", "static");
    const watch = startWatch();
    await eventually(() => ownRoutes().length === 4, "our four routes");
    expect(routesTo("10.244.1.0/24")).toEqual(["via 172.18.0.3 proto 177 metric 0", "via 172.18.0.3 proto static metric 100"]);
    expect(routesTo("fd00:10:244:1::/64")).toEqual(["via fc00:f853:ccd:e793::3 proto 177 metric 1024", "via fc00:f853:ccd:e793::3 proto static metric 100"]);

    await setNodes([], ["kind-worker"]);
    await eventually(() => ownRoutes().length === 2, "kind-worker's routes gone");
    expect(routesTo("10.244.1.0/24")).toEqual(["via 172.18.0.3 proto static metric 100"]);
    expect(routesTo("fd00:10:244:1::/64")).toEqual(["via fc00:f853:ccd:e793::3 proto static metric 100"]);
    watch.child.kill("SIGTERM");
    expect(await watch.exited).toBe(0);
  });

  it("writes the uplink's MTU into the conflist and follows it, unless --mtu is given", async () => {
    node.exec("ip", "link", "set", "eth0", "mtu", "1450");
    node.exec("ip", "route", "add", "default", "via", "172.18.0.1");
    const conflist = () => JSON.parse(readFileSync(join(work, "net.d/10-cni-ts.conflist"), "utf8")).plugins[0];
    const watch = startWatch();
    await eventually(() => watch.output().includes("MTU 1450"), "the first conflist");
    expect(conflist().mtu).toBe(1450);
    node.exec("ip", "link", "set", "eth0", "mtu", "1400");
    await eventually(() => watch.output().includes("MTU 1400"), "the MTU followed");
    expect(conflist().mtu).toBe(1400);
    watch.child.kill("SIGTERM");
    expect(await watch.exited).toBe(0);

    const fixed = startWatch("--mtu", "1300");
    await eventually(() => fixed.output().includes("MTU 1300"), "the given MTU");
    expect(conflist().mtu).toBe(1300);
    fixed.child.kill("SIGTERM");
    expect(await fixed.exited).toBe(0);
  });

  it("with --uninstall-on-exit gives the node back the plugins it had (kind's loopback and host-local)", async () => {
    const bin = join(work, "bin");
    mkdirSync(bin);
    for (const name of ["loopback", "host-local"]) copyFileSync(join(REFERENCE_BIN, name), join(bin, name));
    const found = { loopback: statSync(join(bin, "loopback")).ino, "host-local": statSync(join(bin, "host-local")).ino };
    const watch = startWatch("--uninstall-on-exit");
    await eventually(() => ownRoutes().length === 4, "the routes");
    watch.child.kill("SIGTERM");
    expect(await watch.exited).toBe(0);
    expect(watch.output()).toContain("removed 4 route(s)");
    expect(ownRoutes()).toEqual([]);
    expect(readdirSync(bin).sort()).toEqual(["host-local", "loopback"]);
    expect(statSync(join(bin, "loopback")).ino).toBe(found.loopback);
    expect(statSync(join(bin, "host-local")).ino).toBe(found["host-local"]);
    expect(readdirSync(join(work, "net.d"))).toEqual([]);
  });
});
