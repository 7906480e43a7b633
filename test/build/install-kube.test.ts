// `cni-ts install` with the Kubernetes API: the pod CIDR of its own Node
// read over HTTPS (real TLS handshake against a certificate made here, the
// service account's bearer token checked), and `--watch` keeping routes to
// the other nodes' pod CIDRs on the real kernel of a throwaway node namespace.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createKindNode,
  installerEnv,
  type ApiServerProcess,
  makeApiFiles,
  NODES,
  startApiServer,
  TOKEN,
  startAgent,
  stopAgents,
  type AgentProcess,
  selfSignedCert,
} from "../helpers/fake-api.ts";
import type { TestNetns } from "../helpers/netns.ts";
import { DIST_BIN } from "../helpers/run-plugin.ts";
import { eventually } from "../helpers/wait.ts";

const CNI_TS = join(DIST_BIN, "cni-ts");

type FakeApi = { work: string; files: ReturnType<typeof makeApiFiles>; api: ApiServerProcess };

/** A fresh work dir holding the fake API server's files, and the server (reachable from `node` when given). */
async function startFakeApi(prefix: string, node?: TestNetns): Promise<FakeApi> {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const files = makeApiFiles(work);
  return { work, files, api: await startApiServer(files.server, node) };
}

function stopFakeApi({ work, api }: Partial<FakeApi>): void {
  api?.process.kill();
  if (work) rmSync(work, { recursive: true, force: true });
}

describe("cni-ts install --node-name: pod CIDR from the API", () => {
  let work: string;
  let api: FakeApi["api"];
  let files: FakeApi["files"];
  beforeEach(async () => {
    ({ work, files, api } = await startFakeApi("cnits-kubeapi-"));
  });
  afterEach(() => stopFakeApi({ work, api }));

  function install(env: Record<string, string>, ...args: string[]) {
    return spawnSync(CNI_TS, ["install", "--node-name", "kind-worker", "--cni-bin-dir", join(work, "bin"), "--cni-conf-dir", join(work, "net.d"), ...args], {
      encoding: "utf8",
      env,
    });
  }

  it("writes the conflist for its own Node's podCIDRs, having presented the token", () => {
    const run = install(installerEnv(api.port, files.account));
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("for 10.244.1.0/24, fd00:10:244:1::/64");
    const list = JSON.parse(readFileSync(join(work, "net.d/10-cni-ts.conflist"), "utf8"));
    expect(list.plugins[0].ipam.ranges).toEqual([[{ subnet: "10.244.1.0/24" }], [{ subnet: "fd00:10:244:1::/64" }]]);
    expect(readFileSync(join(files.server, "requests.log"), "utf8")).toBe("GET /api/v1/nodes/kind-worker token-ok\n");
  });

  it("waits while its Node has no pod CIDR yet, installing nothing, then installs once one is assigned", async () => {
    const list = JSON.parse(readFileSync(NODES, "utf8"));
    const worker = list.items.find((n: any) => n.metadata.name === "kind-worker");
    const assigned = worker.spec;
    worker.spec = { providerID: assigned.providerID };
    writeFileSync(join(files.server, "nodes.json"), JSON.stringify(list));
    const child = spawn(
      CNI_TS,
      ["install", "--node-name", "kind-worker", "--resync-interval", "1", "--cni-bin-dir", join(work, "bin"), "--cni-conf-dir", join(work, "net.d")],
      {
        env: installerEnv(api.port, files.account),
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await eventually(() => output.includes("node kind-worker has no pod CIDR assigned yet; asking again in 1 s"), "the wait message");
    expect(existsSync(join(work, "bin"))).toBe(false);
    worker.spec = assigned;
    writeFileSync(join(files.server, "nodes.json"), JSON.stringify(list));
    expect(await exited).toBe(0);
    expect(output).toContain("for 10.244.1.0/24, fd00:10:244:1::/64");
  });

  it("fails without installing anything on a wrong token, an untrusted CA or an unknown node", () => {
    writeFileSync(join(files.account, "token"), "wrong");
    const badToken = install(installerEnv(api.port, files.account));
    expect(badToken.status).toBe(1);
    expect(badToken.stderr).toMatch(/HTTP 401/);

    writeFileSync(join(files.account, "token"), TOKEN);
    selfSignedCert(join(work, "other.key"), join(files.account, "ca.crt"), { cn: "other-ca" });
    const badCa = install(installerEnv(api.port, files.account));
    expect(badCa.status).toBe(1);
    expect(badCa.stderr).toMatch(/certificate/i);

    copyFileSync(join(files.server, "cert.pem"), join(files.account, "ca.crt"));
    const unknown = spawnSync(CNI_TS, ["install", "--node-name", "no-such-node", "--cni-bin-dir", join(work, "bin")], {
      encoding: "utf8",
      env: installerEnv(api.port, files.account),
    });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/HTTP 404 \(nodes "no-such-node" not found\)/);

    const outside = spawnSync(CNI_TS, ["install", "--node-name", "kind-worker", "--cni-bin-dir", join(work, "bin")], {
      encoding: "utf8",
      env: { PATH: "/usr/bin:/bin" },
    });
    expect(outside.stderr).toMatch(/KUBERNETES_SERVICE_HOST is not set/);
    expect(existsSync(join(work, "bin"))).toBe(false);
    expect(existsSync(join(work, "net.d"))).toBe(false);
  });
});

describe("cni-ts install --watch: routes to the other nodes' pods", () => {
  let work: string;
  let node: TestNetns;
  let api: FakeApi["api"];
  let files: FakeApi["files"];
  beforeEach(async () => {
    node = createKindNode("kwatch");
    ({ work, files, api } = await startFakeApi("cnits-kubewatch-", node));
  });
  afterEach(() => {
    stopAgents();
    stopFakeApi({ work, api });
    node.remove();
  });

  function startWatch(...extra: string[]): AgentProcess {
    return startWatchWith(installerEnv(api.port, files.account), ...extra);
  }

  function startWatchWith(env: Record<string, string>, ...extra: string[]): AgentProcess {
    return startAgent(node, work, env, ...extra);
  }

  /** Our routes (protocol 177) as "dst via gw". */
  function ownRoutes(): string[] {
    const v4 = node.ipJson<any[]>("-4", "route", "show", "proto", "177");
    const v6 = node.ipJson<any[]>("-6", "route", "show", "proto", "177");
    return [...v4, ...v6].map((r) => `${r.dst} via ${r.gateway}`).sort();
  }

  it("adds the routes, follows a node leaving, keeps everything on SIGTERM, and leaves others' routes alone", async () => {
    // someone else's route to a peer's CIDR is not ours to replace
    node.exec("ip", "route", "add", "10.244.2.0/24", "via", "172.18.0.99");
    // a peer whose InternalIP is not on-link costs only its own route
    const withUnreachable = JSON.parse(readFileSync(NODES, "utf8"));
    withUnreachable.items.push({
      metadata: { name: "far-away" },
      spec: { podCIDR: "10.244.7.0/24", podCIDRs: ["10.244.7.0/24"] },
      status: { addresses: [{ type: "InternalIP", address: "198.51.100.7" }] },
    });
    writeFileSync(join(files.server, "nodes.json"), JSON.stringify(withUnreachable));
    const watch = startWatch();
    await eventually(() => ownRoutes().length === 3, "three routes");
    // The watcher logs after it changes routes, and its output reaches this process through a pipe: wait for both lines.
    await eventually(() => watch.output().includes("not added: ") && watch.output().includes("(node far-away)"), "the two refusals logged");
    expect(ownRoutes()).toEqual([
      "10.244.1.0/24 via 172.18.0.3",
      "fd00:10:244:1::/64 via fc00:f853:ccd:e793::3",
      "fd00:10:244:2::/64 via fc00:f853:ccd:e793::4",
    ]);
    expect(watch.output()).toContain("route 10.244.2.0/24 via 172.18.0.4 (node kind-worker2) not added: another route to 10.244.2.0/24 exists");
    expect(watch.output()).toContain("no route to 10.244.7.0/24 (node far-away): its InternalIP 198.51.100.7 is on none of this node's networks");
    await new Promise((resolve) => setTimeout(resolve, 2500)); // two more resyncs: reported once, not again
    expect(watch.output().match(/\(node far-away\)/g)).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(work, "net.d/10-cni-ts.conflist"), "utf8")).plugins[0].ipam.ranges[0]).toEqual([{ subnet: "10.244.0.0/24" }]);

    // kind-worker leaves; kind-worker2 gets the other route's CIDR back from its owner
    const list = JSON.parse(readFileSync(NODES, "utf8"));
    list.items = list.items.filter((n: any) => n.metadata.name !== "kind-worker");
    writeFileSync(join(files.server, "nodes.json"), JSON.stringify(list));
    await api.control("reload"); // the agent hears of it through its watch
    node.exec("ip", "route", "del", "10.244.2.0/24", "via", "172.18.0.99");
    await eventually(() => ownRoutes().join() === ["10.244.2.0/24 via 172.18.0.4", "fd00:10:244:2::/64 via fc00:f853:ccd:e793::4"].join(), "the new route set");
    // the kernel forwards by them: the route lookup for a kind-worker2 pod goes via its InternalIP
    expect(node.exec("ip", "route", "get", "10.244.2.7")).toContain("via 172.18.0.4");
    // a resync with no change in the Nodes reuses its plan, but still puts back a route removed behind its back
    node.exec("ip", "route", "del", "10.244.2.0/24", "via", "172.18.0.4", "proto", "177");
    await eventually(() => ownRoutes().includes("10.244.2.0/24 via 172.18.0.4"), "the route put back by a resync");

    watch.child.kill("SIGTERM");
    expect(await watch.exited).toBe(0);
    expect(watch.output()).toContain("SIGTERM: stopping");
    expect(ownRoutes()).toHaveLength(2);
    expect(existsSync(join(work, "net.d/10-cni-ts.conflist"))).toBe(true);
    expect(readFileSync(join(files.server, "requests.log"), "utf8")).not.toContain("token-bad");
  });

  it("removes what it installed on SIGTERM with --uninstall-on-exit, and stale routes of an earlier run on start", async () => {
    // a route from an earlier run whose node is gone
    node.exec("ip", "route", "add", "10.244.9.0/24", "via", "172.18.0.9", "proto", "177");
    writeFileSync(join(work, "unrelated"), "");
    const watch = startWatch("--uninstall-on-exit");
    await eventually(() => ownRoutes().length === 4 && !ownRoutes().some((r) => r.startsWith("10.244.9.")), "the routes");
    mkdirSync(join(work, "bin"), { recursive: true });
    writeFileSync(join(work, "bin/portmap"), "not ours");
    watch.child.kill("SIGTERM");
    expect(await watch.exited).toBe(0);
    expect(ownRoutes()).toEqual([]);
    expect(readdirSync(join(work, "net.d"))).toEqual([]);
    expect(readdirSync(join(work, "bin"))).toEqual(["portmap"]);
  });

  /** GET a path of the agent's health endpoint inside the node: [status, body]. */
  function health(path: string): [number, string] {
    const out = node.exec("curl", "-s", "--noproxy", "*", "--max-time", "2", "-w", "\n%{http_code}", `http://127.0.0.1:9802${path}`);
    const cut = out.lastIndexOf("\n");
    return [Number(out.slice(cut + 1)), out.slice(0, cut)];
  }

  function tryHealth(path: string): [number, string] {
    try {
      return health(path);
    } catch {
      return [0, ""];
    }
  }

  it("stays up through an API failing from the start, shows it in /readyz, then syncs; metrics and JSON log lines", async () => {
    // What the DaemonSet's init container sets on a node.
    node.exec("sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
    await api.control("mode error");
    const watch = startWatch();
    await eventually(() => tryHealth("/readyz")[1].includes("not ok api: GET"), "readiness naming the API");
    expect(health("/readyz")).toEqual([503, expect.stringMatching(/^not ok api: .*HTTP 500 \(etcdserver: request timed out\)\nnot ok conflist/)]);
    expect(health("/healthz")).toEqual([200, "ok\n"]);
    await eventually(() => readFileSync(join(files.server, "requests.log"), "utf8").split("\n").length > 3, "retries");
    expect(watch.child.exitCode).toBe(null);
    expect(existsSync(join(work, "net.d/10-cni-ts.conflist"))).toBe(false);

    await api.control("mode ok");
    await eventually(() => ownRoutes().length === 4 && tryHealth("/readyz")[0] === 200, "routes and readiness");
    expect(health("/readyz")[1]).toMatch(/^ok api\nok conflist\nok masquerade: .*masquerade \(nftables\)\nok reconcile\nok routes\nok sysctls(: .*)?\n$/);
    const metrics = health("/metrics")[1];
    expect(metrics).toMatch(/^cni_ts_agent_reconciles_total [1-9]/m);
    expect(metrics).toMatch(/^cni_ts_agent_api_errors_total [1-9]/m);
    expect(metrics).toMatch(/^cni_ts_agent_routes_installed 4$/m);
    expect(metrics).toMatch(/^cni_ts_agent_seconds_since_last_sync [0-9.]+$/m);
    expect(metrics).toMatch(/^cni_ts_agent_condition\{name="routes"\} 1$/m);

    // an expired watch costs one LIST, and the routes stay
    const lists = () => readFileSync(join(files.server, "requests.log"), "utf8").match(/GET \/api\/v1\/nodes\?limit=[0-9]+ token-ok/g)?.length ?? 0;
    const before = lists();
    await api.control("gone");
    await eventually(() => lists() === before + 1, "the new list");
    expect(ownRoutes()).toHaveLength(4);

    watch.child.kill("SIGTERM");
    expect(await watch.exited).toBe(0);
    const lines = watch
      .output()
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    for (const line of lines) expect(Object.keys(line).slice(0, 4)).toEqual(["time", "level", "event", "msg"]);
    expect(lines.filter((l) => l.event === "api-error" && /HTTP 500/.test(l.msg))).toHaveLength(1); // once, not per retry
    expect(lines.find((l) => l.event === "route-added" && l.dst === "10.244.1.0/24")).toMatchObject({ via: "172.18.0.3", node: "kind-worker" });
    expect(lines.at(-1)).toMatchObject({ event: "stop", signal: "SIGTERM" });
  });

  it("exits within 2 s of SIGTERM while a request hangs on a silent API, uninstall included", async () => {
    const watch = startWatch("--uninstall-on-exit");
    await eventually(() => ownRoutes().length === 4, "the routes");
    await api.control("mode silent");
    await api.control("end-watches");
    const watches = () => readFileSync(join(files.server, "requests.log"), "utf8").match(/watch=1/g)?.length ?? 0;
    await eventually(() => watches() === 2, "the unanswered watch");
    const t0 = Date.now();
    watch.child.kill("SIGTERM");
    expect(await watch.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(ownRoutes()).toEqual([]);
    expect(readdirSync(join(work, "net.d"))).toEqual([]);
  });

  it("reaches the API through --api-server without the Service's environment", async () => {
    const { KUBERNETES_SERVICE_HOST: _host, KUBERNETES_SERVICE_PORT: _port, ...env } = installerEnv(api.port, files.account);
    const watch = startWatchWith(env, "--api-server", `https://127.0.0.1:${api.port}`);
    await eventually(() => ownRoutes().length === 4, "the routes");
    watch.child.kill("SIGTERM");
    expect(await watch.exited).toBe(0);
    expect(readFileSync(join(files.server, "requests.log"), "utf8")).not.toContain("token-bad");
  });
});
