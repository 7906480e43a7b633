/**
 * A network namespace's state as comparable lines, so a test (or
 * `npm run try`) can say what a plugin call changed, and prove that the
 * root namespace did not change.
 */
import { execFileSync, spawnSync } from "node:child_process";

/** `ip -j …` in a namespace (undefined = the root namespace), parsed. */
function ipJson<T>(ns: string | undefined, ...args: string[]): T {
  const out = execFileSync("ip", [...(ns ? ["-n", ns] : []), "-j", ...args], { encoding: "utf8" });
  return JSON.parse(out || "[]") as T;
}

function inNs(ns: string | undefined, cmd: string, ...args: string[]): string {
  const [file, argv] = ns ? ["ip", ["netns", "exec", ns, cmd, ...args]] : [cmd, args];
  return spawnSync(file, argv, { encoding: "utf8" }).stdout ?? "";
}

interface Link {
  ifname: string;
  master?: string;
  operstate: string;
  linkinfo?: { info_kind?: string };
}
interface Addr {
  ifname: string;
  addr_info: { local: string; prefixlen: number }[];
}
interface Route {
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string;
}

/**
 * A namespace's network state as lines: links, addresses, routes (every
 * table), IPv4/IPv6 forwarding, and with `rules` the NAT rules. Two
 * snapshots' difference is what a call did.
 *
 * @param ns the namespace, undefined for the root one
 */
export function netState(ns: string | undefined, rules = true): string[] {
  const lines: string[] = [];
  for (const l of ipJson<Link[]>(ns, "-d", "link", "show")) {
    lines.push(
      `link ${l.ifname}${l.linkinfo?.info_kind ? ` (${l.linkinfo.info_kind})` : ""}${l.master ? ` on ${l.master}` : ""}, ${l.operstate.toLowerCase()}`,
    );
  }
  for (const a of ipJson<Addr[]>(ns, "addr", "show")) {
    for (const i of a.addr_info) if (!i.local.startsWith("fe80:")) lines.push(`address ${i.local}/${i.prefixlen} on ${a.ifname}`);
  }
  for (const family of ["-4", "-6"]) {
    for (const r of ipJson<Route[]>(ns, family, "route", "show", "table", "all")) {
      // The kernel's own: local addresses and link-local prefixes.
      if (r.table === "local" || r.dst.startsWith("fe80:")) continue;
      lines.push(`route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ""}${r.dev ? ` dev ${r.dev}` : ""}${r.table ? ` table ${r.table}` : ""}`);
    }
  }
  for (const [name, path] of [
    ["net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward"],
    ["net.ipv6.conf.all.forwarding", "/proc/sys/net/ipv6/conf/all/forwarding"],
  ]) {
    lines.push(`sysctl ${name} = ${inNs(ns, "cat", path!).trim()}`);
  }
  if (rules) for (const rule of inNs(ns, "iptables-save", "-t", "nat").split("\n")) if (rule.startsWith("-A")) lines.push(`nat rule ${rule.slice(3)}`);
  return lines;
}
