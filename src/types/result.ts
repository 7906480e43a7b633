// The CNI 1.1.0 result model: plugins build results once in it; ./convert.ts prints other versions.

export interface Interface {
  name: string;
  mac?: string;
  /** 1.1.0, like socketPath and pciID. */
  mtu?: number;
  /** The `CNI_NETNS` value for container interfaces; absent for host ones. */
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

export interface IpConfig {
  /** Index into {@link Result.interfaces}; absent in IPAM results. */
  interface?: number;
  /** CIDR with host bits kept. */
  address: string;
  gateway?: string;
}

export interface Route {
  dst: string;
  gw?: string;
  /** mtu, advmss, priority, table and scope are 1.1.0. */
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface Dns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface Result {
  /** Informative only in the model; set when printed. */
  cniVersion?: string;
  interfaces?: Interface[];
  ips?: IpConfig[];
  routes?: Route[];
  dns?: Dns;
}

/** 1.x results omit an empty DNS block. */
export function isEmptyDns(dns: Dns | undefined): boolean {
  return dns === undefined || (!dns.nameservers?.length && !dns.domain && !dns.search?.length && !dns.options?.length);
}
