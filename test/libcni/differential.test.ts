/**
 * Differential tests: the same conflists through the reference bridge
 * (/usr/lib/cni) and ours, driven by libcni; results and the kernel state
 * they leave (links, addresses, routes, bridge-port flags, sysctls,
 * iptables rules) must match once veth names and MACs are normalised.
 */
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { buildDriver, makePluginDir, runDriver, scratchDir, SUBJECT, type Impl, type PluginDir } from "./driver.ts";
import { allocations, bridgeConflist, LIBCNI_VERSIONS } from "./fixtures.ts";

const MAC = /\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b/gi;

/** Replace per-run identifiers with stable placeholders. */
function normalise(text: string, vethNames: string[], netnsPath: string): string {
  let out = text.split(netnsPath).join("<netns>");
  vethNames.forEach((v, i) => (out = out.split(v).join(`<veth${i}>`)));
  return out.replace(MAC, "<mac>");
}

interface LinkJson {
  ifname: string;
  mtu: number;
  flags: string[];
  master?: string;
  linkinfo?: { info_kind?: string; info_slave_data?: { hairpin?: boolean; learning?: boolean } };
  addr_info?: { family: string; local: string; prefixlen: number; scope: string }[];
}

/** What a namespace looks like, in a comparable form. */
function snapshot(ns: TestNetns): unknown {
  const links = ns.ipJson<LinkJson[]>("-d", "addr", "show").map((l) => ({
    name: l.ifname,
    kind: l.linkinfo?.info_kind ?? null,
    master: l.master ?? null,
    mtu: l.mtu,
    up: l.flags.includes("UP"),
    hairpin: l.linkinfo?.info_slave_data?.hairpin ?? null,
    addrs: (l.addr_info ?? [])
      .filter((a) => a.scope !== "link")
      .map((a) => `${a.local}/${a.prefixlen}`)
      .sort(),
  }));
  const routes = ns
    .exec("ip", "-4", "route", "show", "table", "all")
    .split("\n")
    .filter(Boolean)
    // "linkdown" follows the bridge carrier, which the kernel updates asynchronously.
    .map((r) =>
      r
        .replace(/ linkdown\b/, "")
        .replace(/\s+/g, " ")
        .trim(),
    )
    .sort();
  const sysctl = ns.exec("sysctl", "-n", "net.ipv4.ip_forward").trim();
  const iptables = execFileSync("ip", ["netns", "exec", ns.name, "iptables-save"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  })
    .split("\n")
    .filter((l) => l.startsWith("-A") || l.startsWith("*") || /^:CNI/.test(l))
    .map((l) => l.replace(/\[\d+:\d+\]/, ""))
    .sort();
  return { links: links.sort((a, b) => a.name.localeCompare(b.name)), routes, sysctl, iptables };
}

interface Run {
  add: unknown;
  node: unknown;
  pod: unknown;
  afterDel: { node: unknown; pod: unknown; allocations: string[] };
}

/** ADD, snapshot, DEL, snapshot — with one implementation. */
function runWith(impl: Impl, conf: (dataDir: string) => Record<string, unknown>, extra: { capabilityArgs?: Record<string, unknown> } = {}): Run {
  const node = createNetns("node");
  const pod = createNetns("pod");
  const dirs: PluginDir[] = [];
  try {
    const plugins = makePluginDir({ bridge: impl, "host-local": impl });
    const cache = scratchDir("cache");
    const ipam = scratchDir("ipam");
    dirs.push(plugins, cache, ipam);
    const base = { netns: pod.path, containerId: "cnits-diff", cniPath: [plugins.dir], cacheDir: cache.dir, hostNetns: node.name, ...extra };
    const c = conf(ipam.dir);
    const add = runDriver({ verb: "add", conf: c, ...base });
    const vethNames = add.ok ? (add.result.interfaces as { name: string }[]).map((i) => i.name).filter((n) => n.startsWith("veth")) : [];
    const norm = (v: unknown) => JSON.parse(normalise(JSON.stringify(v).split(ipam.dir).join("<dataDir>"), vethNames, pod.path));
    const out: Run = {
      add: norm({ ok: add.ok, result: add.result ?? null, error: add.error ?? null }),
      node: norm(snapshot(node)),
      pod: norm(snapshot(pod)),
      afterDel: { node: null, pod: null, allocations: [] },
    };
    const del = runDriver({ verb: "del", conf: c, ...base });
    out.afterDel = { node: norm({ ok: del.ok, ...(snapshot(node) as object) }), pod: norm(snapshot(pod)), allocations: allocations(ipam.dir) };
    return out;
  } finally {
    pod.remove();
    node.remove();
    for (const d of dirs) d.remove();
  }
}

interface Case {
  name: string;
  conf: (v: string) => (dataDir: string) => Record<string, unknown>;
  capabilityArgs?: Record<string, unknown>;
  /**
   * Where the reference reports a config fault as 999 (a plain Go error), ours
   * raises the typed error with its spec code; the message must still match.
   */
  oursCode?: number;
}

const CASES: Case[] = [
  {
    name: "gateway + masquerade",
    conf: (v) => (dataDir) => bridgeConflist({ cniVersion: v, dataDir, ipMasq: true }),
  },
  {
    name: "default gateway, MTU 1400, hairpin",
    conf: (v) => (dataDir) => {
      const c = bridgeConflist({ cniVersion: v, dataDir, extra: { isDefaultGateway: true, mtu: 1400, hairpinMode: true } });
      ((c.plugins as Record<string, any>[])[0]!.ipam as Record<string, unknown>).routes = [];
      return c;
    },
  },
  {
    name: "runtime-chosen MAC and IP",
    conf: (v) => (dataDir) => bridgeConflist({ cniVersion: v, dataDir, extra: { capabilities: { mac: true, ips: true } } }),
    capabilityArgs: { mac: "0e:00:00:00:00:42", ips: ["10.244.1.42/24"] },
  },
  {
    name: "L2 only (no IPAM)",
    conf: (v) => () => ({ cniVersion: v, name: "cnits-net", plugins: [{ type: "bridge", bridge: "cnits-br0" }] }),
  },
  {
    name: "bad config: hairpin with promiscuous mode",
    conf: (v) => (dataDir) => bridgeConflist({ cniVersion: v, dataDir, extra: { hairpinMode: true, promiscMode: true } }),
    oursCode: 7,
  },
];

beforeAll(() => {
  buildDriver();
});

describe.each(LIBCNI_VERSIONS)("[%s] reference bridge vs ours", (cniVersion) => {
  it.each(CASES)("$name: same result, same kernel state, same cleanup", ({ conf, capabilityArgs, oursCode }) => {
    const extra = capabilityArgs ? { capabilityArgs } : {};
    const reference = runWith("reference", conf(cniVersion), extra);
    // With CNITS_IMPL=reference this compares the reference with itself: a check that
    // the normalisation hides every per-run difference.
    const ours = runWith(SUBJECT, conf(cniVersion), extra);
    if (oursCode !== undefined && SUBJECT === "ours") {
      const [r, o] = [reference.add as any, ours.add as any];
      expect(r.error.code).toBe(999);
      expect(o.error.code).toBe(oursCode);
      expect(o.error.msg.replace(/\.$/, "")).toBe(r.error.msg.replace(/\.$/, ""));
      r.error = o.error = null;
    }
    expect(ours.add).toEqual(reference.add);
    expect(ours.node).toEqual(reference.node);
    expect(ours.pod).toEqual(reference.pod);
    expect(ours.afterDel).toEqual(reference.afterDel);
  });
});
