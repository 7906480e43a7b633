/** The ADD result in the 1.1.0 model. Pure. */
import type { Dns, Interface, IpConfig, Result, Route } from "../../src/types/result.ts";

export interface ResultParts {
  bridge: { name: string; mac: string };
  hostVeth: { name: string; mac: string };
  container: { name: string; mac: string; sandbox: string };
  /** `<bridge>.<vlan>` when the gateway went there. */
  vlanIface?: { name: string; mac: string } | undefined;
  ips: readonly IpConfig[];
  routes: readonly Route[];
  ipamDns: Dns | undefined;
  /** Replaces IPAM's when set. */
  confDns: Dns | undefined;
}

const iface = (i: { name: string; mac: string }, sandbox?: string): Interface => ({
  name: i.name,
  ...(i.mac ? { mac: i.mac } : {}),
  ...(sandbox !== undefined ? { sandbox } : {}),
});

/** `interfaces` = bridge, host veth, container (+ `<bridge>.<vlan>`), as the reference orders them. */
export function buildResult(p: ResultParts): Result {
  const interfaces = [iface(p.bridge), iface(p.hostVeth), iface(p.container, p.container.sandbox)];
  if (p.vlanIface) interfaces.push(iface(p.vlanIface));
  const result: Result = { interfaces };
  if (p.ips.length) result.ips = p.ips.map((ip) => ({ ...ip }));
  if (p.routes.length) result.routes = p.routes.map((r) => ({ ...r }));
  const dns = p.confDns ?? p.ipamDns;
  if (dns) result.dns = dns;
  return result;
}
