// The node-level egress masquerade of `cni-ts install`, on the real kernel
// of a throwaway node namespace: which destinations keep the pod's address
// (read back from the kernel's ruleset), in both backends, under --watch
// against the fake API server (following the Nodes, surviving a restart and
// someone's flush, gone with --uninstall-on-exit) and for a one-shot install.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { installerEnv, makeApiFiles, NODES, type ApiServerProcess, startAgent, startAgentCluster, type AgentCluster } from "../helpers/fake-api.ts";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { DIST_BIN } from "../helpers/run-plugin.ts";
import { eventually } from "../helpers/wait.ts";

const CNI_TS = join(DIST_BIN, "cni-ts");

/** Poll (integration only) until `check` holds or 15 s pass. */
/** Our nftables rules of one family as "source; exempt, ...", or undefined when the table is absent. */
function nftEgress(node: TestNetns, family: "ip" | "ip6"): string | undefined {
  const run = spawnSync("ip", ["netns", "exec", node.name, "nft", "list", "table", family, "cni_ts_egress"], { encoding: "utf8" });
  if (run.status !== 0) return undefined;
  const source = /saddr != (\S+) return/.exec(run.stdout)?.[1];
  const exempt = [...run.stdout.matchAll(/daddr (\S+) return/g)].map((m) => m[1]);
  const masq = run.stdout.match(/\bmasquerade\b/g)?.length ?? 0;
  return `${source}; ${exempt.join(", ")}; ${masq} masquerade`;
}

/** Our iptables rules (nat table) of one family, as iptables -S prints them. */
function iptablesEgress(node: TestNetns, tool: "iptables" | "ip6tables"): string[] {
  return node
    .exec(tool, "-w", "-t", "nat", "-S")
    .split("\n")
    .filter((line) => line.includes("CNI-TS-EGRESS"));
}

function conflistIpMasq(work: string): boolean {
  return JSON.parse(readFileSync(join(work, "net.d/10-cni-ts.conflist"), "utf8")).plugins[0].ipMasq;
}

describe("cni-ts install (one shot): egress masquerade", () => {
  let work: string;
  let node: TestNetns;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), "cnits-egress-"));
    node = createNetns("egress");
  });
  afterEach(() => {
    node.remove();
    rmSync(work, { recursive: true, force: true });
  });

  const install = (...args: string[]) =>
    spawnSync("ip", ["netns", "exec", node.name, CNI_TS, "install", "--cni-bin-dir", join(work, "bin"), "--cni-conf-dir", join(work, "net.d"), ...args], {
      encoding: "utf8",
    });

  it("keeps the bridge's per-pod masquerade when nobody says what the cluster is", () => {
    const run = install("--pod-cidr", "10.244.1.0/24");
    expect(run.status, run.stderr).toBe(0);
    expect(conflistIpMasq(work)).toBe(true);
    expect(nftEgress(node, "ip")).toBeUndefined();
  });

  it("programs node-level rules once with --cluster-cidr, the same rules when run again", () => {
    const args = ["--pod-cidr", "10.244.1.0/24,fd00:10:244:1::/64", "--cluster-cidr", "10.244.0.0/16,fd00:10:244::/56", "--non-masq-cidr", "192.168.0.0/16"];
    for (let i = 0; i < 2; i++) {
      const run = install(...args);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain("masquerade: ok: 10.244.1.0/24 → outside 10.244.0.0/16, 192.168.0.0/16, 224.0.0.0/4");
    }
    expect(conflistIpMasq(work)).toBe(false);
    expect(nftEgress(node, "ip")).toBe("10.244.1.0/24; 10.244.0.0/16, 192.168.0.0/16, 224.0.0.0/4; 1 masquerade");
    expect(nftEgress(node, "ip6")).toBe("fd00:10:244:1::/64; fd00:10:244::/56, ff00::/8; 1 masquerade");
  });

  it("writes no rule and no conflist for a CIDR list it cannot read", () => {
    const run = install("--pod-cidr", "10.244.1.0/24", "--cluster-cidr", "10.244.0.0");
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cluster CIDR "10.244.0.0" is not an IPv4 or IPv6 CIDR/);
    expect(nftEgress(node, "ip")).toBeUndefined();
  });
});

describe("cni-ts install --watch: egress masquerade follows the Nodes", () => {
  let work: string;
  let node: TestNetns;
  let api: ApiServerProcess;
  let files: ReturnType<typeof makeApiFiles>;
  let cluster: AgentCluster;
  beforeEach(async () => {
    cluster = await startAgentCluster("egwatch");
    ({ node, work, files, api } = cluster);
  });
  afterEach(() => cluster.stop());

  function startWatch(env: Record<string, string> = {}, ...extra: string[]) {
    return startAgent(node, work, { ...installerEnv(api.port, files.account), ...env }, ...extra);
  }

  it("exempts every Node's pod CIDRs, follows a new Node, survives a restart and a flush, and leaves on uninstall", async () => {
    const first = startWatch();
    await eventually(() => nftEgress(node, "ip6") !== undefined && first.output().includes("masquerade: ok"), "the rules");
    expect(nftEgress(node, "ip")).toBe("10.244.0.0/24; 10.244.0.0/23, 10.244.2.0/24, 224.0.0.0/4; 1 masquerade");
    expect(nftEgress(node, "ip6")).toBe("fd00:10:244::/64; fd00:10:244::/63, fd00:10:244:2::/64, ff00::/8; 1 masquerade");
    expect(conflistIpMasq(work)).toBe(false);

    const list = JSON.parse(readFileSync(NODES, "utf8"));
    list.items.push({ metadata: { name: "kind-worker3" }, spec: { podCIDRs: ["10.244.3.0/24"] }, status: { addresses: [] } });
    writeFileSync(join(files.server, "nodes.json"), JSON.stringify(list));
    await api.control("reload"); // the agent hears of it through its watch
    await eventually(() => nftEgress(node, "ip")?.startsWith("10.244.0.0/24; 10.244.0.0/22,") === true, "the new Node's CIDR");

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(nftEgress(node, "ip")).toBe("10.244.0.0/24; 10.244.0.0/22, 224.0.0.0/4; 1 masquerade"); // an upgrade keeps egress working

    const second = startWatch({}, "--uninstall-on-exit");
    await eventually(() => second.output().includes("masquerade: ok"), "the second agent");
    expect(nftEgress(node, "ip")).toBe("10.244.0.0/24; 10.244.0.0/22, 224.0.0.0/4; 1 masquerade");
    node.exec("nft", "flush", "table", "ip", "cni_ts_egress");
    await eventually(() => nftEgress(node, "ip") === "10.244.0.0/24; 10.244.0.0/22, 224.0.0.0/4; 1 masquerade", "the rules back after a flush");

    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(nftEgress(node, "ip")).toBeUndefined();
    expect(nftEgress(node, "ip6")).toBeUndefined();
  });

  it("with --no-ip-masq removes the rules an earlier run left, and writes no ipMasq", async () => {
    const first = startWatch();
    await eventually(() => first.output().includes("masquerade: ok"), "the rules");
    first.child.kill("SIGTERM");
    await first.exited;
    expect(nftEgress(node, "ip")).toBeDefined();
    const off = startWatch({}, "--no-ip-masq");
    await eventually(() => off.output().includes("masquerade: ok: no egress masquerade rules"), "the rules removed");
    expect(nftEgress(node, "ip")).toBeUndefined();
    expect(nftEgress(node, "ip6")).toBeUndefined();
    expect(conflistIpMasq(work)).toBe(false);
    off.child.kill("SIGTERM");
    expect(await off.exited).toBe(0);
  });

  it("in the iptables backend: one POSTROUTING jump across restarts, the nftables table of an earlier run removed", async () => {
    const nft = startWatch();
    await eventually(() => nft.output().includes("masquerade: ok"), "the nftables rules");
    nft.child.kill("SIGTERM");
    await nft.exited;

    for (const extra of [[], ["--uninstall-on-exit"]]) {
      const agent = startWatch({ CNI_TS_MASQ_BACKEND: "iptables" }, ...extra);
      await eventually(() => agent.output().includes("masquerade: ok"), "the iptables rules");
      expect(nftEgress(node, "ip")).toBeUndefined();
      expect(iptablesEgress(node, "iptables")).toEqual([
        "-N CNI-TS-EGRESS",
        '-A POSTROUTING -m comment --comment "cni-ts: masquerade pod traffic leaving the pod network" -j CNI-TS-EGRESS',
        "-A CNI-TS-EGRESS ! -s 10.244.0.0/24 -j RETURN",
        "-A CNI-TS-EGRESS -d 10.244.0.0/23 -j RETURN",
        "-A CNI-TS-EGRESS -d 10.244.2.0/24 -j RETURN",
        "-A CNI-TS-EGRESS -d 224.0.0.0/4 -j RETURN",
        "-A CNI-TS-EGRESS -j MASQUERADE",
      ]);
      expect(iptablesEgress(node, "ip6tables")).toContain("-A CNI-TS-EGRESS ! -s fd00:10:244::/64 -j RETURN");
      agent.child.kill("SIGTERM");
      expect(await agent.exited).toBe(0);
    }
    expect(iptablesEgress(node, "iptables")).toEqual([]);
    expect(iptablesEgress(node, "ip6tables")).toEqual([]);
  });
});
