/**
 * The kernel settings a bridge CNI's data path needs on the node, checked
 * (never set: the DaemonSet's privileged init container sets them, the
 * agent only says when they are wrong):
 * - forwarding, for each family the node has pods of: pods' traffic to
 *   other nodes and outside is routed by the node;
 * - `net.bridge.bridge-nf-call-iptables` (and `-ip6tables`), from the
 *   br_netfilter module: without it, same-node pod → Service → pod traffic
 *   is bridged past kube-proxy's conntrack and the reply never gets its
 *   DNAT undone.
 * Pure apart from the reader it is given.
 *
 * @module
 */
import { readSysctl } from "../sysctl.ts";

/** A readiness condition: whether it holds, and what to tell the admin. */
export interface Condition {
  ok: boolean;
  message: string;
}

/** The sysctls required for these pod address families, with the value each must have. */
function requiredSysctls(families: readonly (4 | 6)[]): { key: string; want: string }[] {
  const keys: { key: string; want: string }[] = [];
  if (families.includes(4)) keys.push({ key: "net/ipv4/ip_forward", want: "1" }, { key: "net/bridge/bridge-nf-call-iptables", want: "1" });
  if (families.includes(6)) keys.push({ key: "net/ipv6/conf/all/forwarding", want: "1" }, { key: "net/bridge/bridge-nf-call-ip6tables", want: "1" });
  return keys;
}

/**
 * Whether every required sysctl has its value.
 *
 * @param read reads one key (undefined: no such key)
 * @example checkSysctls([4]) // { ok: true, message: "net.ipv4.ip_forward=1, net.bridge.bridge-nf-call-iptables=1" }
 */
export function checkSysctls(families: readonly (4 | 6)[], read: (key: string) => string | undefined = readSysctl): Condition {
  const wrong: string[] = [];
  const good: string[] = [];
  let noBrNetfilter = false;
  for (const { key, want } of requiredSysctls(families)) {
    const name = key.replaceAll("/", ".");
    let value: string | undefined;
    try {
      value = read(key);
    } catch (err) {
      wrong.push(`${name} unreadable (${(err as Error).message})`);
      continue;
    }
    if (value === want) good.push(`${name}=${want}`);
    else if (value === undefined) {
      wrong.push(`${name} missing`);
      noBrNetfilter ||= key.startsWith("net/bridge/");
    } else wrong.push(`${name}=${value}, needs ${want}`);
  }
  if (wrong.length === 0) return { ok: true, message: good.join(", ") };
  const hint = noBrNetfilter ? " (the br_netfilter module is not loaded: modprobe br_netfilter)" : "";
  return { ok: false, message: `${wrong.join(", ")}${hint}` };
}
