/**
 * The CNI 1.1.0 result model. Every plugin builds its result once in this
 * shape; {@link ./convert.ts} turns it into the config's version when it is
 * printed, and turns results of any version (prevResult, delegated IPAM
 * output) back into it.
 *
 * @module
 */

/** An interface created or adjusted by the plugin. */
export interface Interface {
  /** Interface name (required). */
  name: string;
  /** Hardware address, lower-case `aa:bb:..`, when applicable. */
  mac?: string;
  /** MTU (1.1.0). */
  mtu?: number;
  /** The `CNI_NETNS` value for container interfaces; absent for host ones. */
  sandbox?: string;
  /** vhost-user or similar socket path (1.1.0). */
  socketPath?: string;
  /** PCI address of a device (1.1.0). */
  pciID?: string;
}

/** One assigned address. */
export interface IpConfig {
  /** Index into {@link Result.interfaces}; absent in IPAM results. */
  interface?: number;
  /** CIDR with host bits kept, e.g. `10.1.2.3/24`. */
  address: string;
  /** The subnet's gateway, if any. */
  gateway?: string;
}

/** A route the plugin created. */
export interface Route {
  /** Destination CIDR; `0.0.0.0/0` or `::/0` for a default route. */
  dst: string;
  /** Next hop. */
  gw?: string;
  /** Route MTU (1.1.0). */
  mtu?: number;
  /** Advertised MSS (1.1.0). */
  advmss?: number;
  /** Metric (1.1.0). */
  priority?: number;
  /** Routing table (1.1.0). */
  table?: number;
  /** Scope: 0 global, 253 link, 254 host (1.1.0). */
  scope?: number;
}

/** Resolver settings. */
export interface Dns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** An ADD result in the 1.1.0 model. `cniVersion` is set when printed. */
export interface Result {
  /** The version it was parsed from or will be printed as; informative only in the model. */
  cniVersion?: string;
  interfaces?: Interface[];
  ips?: IpConfig[];
  routes?: Route[];
  dns?: Dns;
}

/**
 * Whether a DNS block carries nothing (1.x results then omit it).
 *
 * @example isEmptyDns({}) // true
 */
export function isEmptyDns(dns: Dns | undefined): boolean {
  return (
    dns === undefined ||
    (!dns.nameservers?.length && !dns.domain && !dns.search?.length && !dns.options?.length)
  );
}
