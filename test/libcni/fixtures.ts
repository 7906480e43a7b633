/**
 * Conflists and kernel-state probes shared by the libcni, mixed-chain and
 * differential tests.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { TestNetns } from "../helpers/netns.ts";

/** The versions this libcni (v1.1.2) can drive; it knows nothing of 1.1.0. */
export const LIBCNI_VERSIONS = ["1.0.0", "0.4.0", "0.3.1"] as const;

/** Options of a bridge + host-local network. */
export interface BridgeNetOptions {
  cniVersion: string;
  name?: string;
  bridge?: string;
  subnet?: string;
  rangeStart?: string;
  rangeEnd?: string;
  dataDir: string;
  ipMasq?: boolean;
  /** Extra keys on the bridge plugin's config. */
  extra?: Record<string, unknown>;
  /** Plugins chained after bridge. */
  chain?: Record<string, unknown>[];
}

/** A kubelet-style bridge + host-local conflist. */
export function bridgeConflist(o: BridgeNetOptions): Record<string, unknown> {
  const range: Record<string, string> = { subnet: o.subnet ?? "10.244.1.0/24" };
  if (o.rangeStart) range.rangeStart = o.rangeStart;
  if (o.rangeEnd) range.rangeEnd = o.rangeEnd;
  return {
    cniVersion: o.cniVersion,
    name: o.name ?? "cnits-net",
    plugins: [
      {
        type: "bridge",
        bridge: o.bridge ?? "cnits-br0",
        isGateway: true,
        ipMasq: o.ipMasq ?? false,
        ...o.extra,
        ipam: {
          type: "host-local",
          ranges: [[range]],
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: o.dataDir,
        },
      },
      ...(o.chain ?? []),
    ],
  };
}

/** The loopback network kubelet's runtimes attach first. */
export function loopbackConflist(cniVersion: string): Record<string, unknown> {
  return { cniVersion, name: "cnits-lo", plugins: [{ type: "loopback" }] };
}

/** Files host-local keeps for a network (addresses, last_reserved_ip.*, lock). */
function ipamFiles(dataDir: string, network = "cnits-net"): string[] {
  const dir = join(dataDir, network);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Allocation files only (names that are IP addresses). */
export function allocations(dataDir: string, network = "cnits-net"): string[] {
  return ipamFiles(dataDir, network).filter((f) => /^[0-9a-f.:]+$/i.test(f) && (f.includes(".") || f.includes(":")));
}

/** libcni's cached results for this cache dir. */
export function cachedResults(cacheDir: string): string[] {
  const dir = join(cacheDir, "results");
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

interface IpLink {
  ifname: string;
  link_type?: string;
  master?: string;
  operstate?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string };
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** Names of veth links in a namespace. */
export function veths(ns: TestNetns): string[] {
  const links = ns.ipJson<IpLink[]>("-d", "link", "show") ?? [];
  return links.filter((l) => l.linkinfo?.info_kind === "veth").map((l) => l.ifname);
}

/** IPv4 addresses (CIDR) of an interface, or [] if it does not exist. */
export function ipv4Of(ns: TestNetns, ifName: string): string[] {
  try {
    const [link] = ns.ipJson<IpLink[]>("-4", "addr", "show", "dev", ifName) ?? [];
    return (link?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
  } catch {
    return [];
  }
}

/** The namespace's IPv4 main-table routes as `dst via gw dev`. */
export function routes4(ns: TestNetns): string[] {
  const rs = ns.ipJson<{ dst: string; gateway?: string; dev: string }[]>("-4", "route", "show") ?? [];
  return rs.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ""} dev ${r.dev}`).sort();
}

/** iptables-save + nft ruleset of a namespace, for "no rule left" checks. */
export function netfilterText(ns: TestNetns): string {
  const ipt = execFileSync("ip", ["netns", "exec", ns.name, "iptables-save"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const nft = execFileSync("ip", ["netns", "exec", ns.name, "nft", "list", "ruleset"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return `${ipt}\n${nft}`;
}
