/**
 * What `cni-ts install` should do, from its flags and, for a DaemonSet, the
 * same settings as environment variables (a flag wins over its variable).
 * Pure: flags and environment in, checked settings out. Every value is
 * checked here, because a manifest someone else wrote feeds it.
 *
 * @module
 */
import { resolve } from "node:path";
import { InvalidConfigError } from "../errors.ts";
import { DEFAULT_PREFIX_FLOORS, type PrefixFloors } from "./route-plan.ts";
import { parseApiServer } from "./kube-api.ts";
import { parseHealthAddress, type HealthAddress } from "./telemetry.ts";
import type { EgressBackendSetting } from "../netfilter/egress.ts";
import { parseCidrList } from "./egress-plan.ts";

/** Where container runtimes look for CNI plugins by default. */
const DEFAULT_CNI_BIN_DIR = "/opt/cni/bin";
/** Where container runtimes look for CNI configs by default. */
const DEFAULT_CNI_CONF_DIR = "/etc/cni/net.d";
/** The conflist's file name: sorts early, so a runtime picking the first file picks it. */
const DEFAULT_CONFLIST_NAME = "10-cni-ts.conflist";
const DEFAULT_BRIDGE = "cni-ts0";
const DEFAULT_NETWORK_NAME = "cni-ts";
/** The agent's /healthz, /readyz and /metrics: local only, the kubelet probes from the node itself. */
const DEFAULT_HEALTH_ADDRESS = "127.0.0.1:9802";

/** When to chain portmap: always, never, or when the bin directory has it. */
export type PortmapMode = "auto" | "on" | "off";

/** The flags naming where things go, shared by install and uninstall. */
export interface LocationFlags {
  cniBinDir?: string | undefined;
  dir?: string | undefined;
  cniConfDir?: string | undefined;
  conflistName?: string | undefined;
}

/** Where install puts things. */
export interface InstallLocations {
  cniBinDir: string;
  cniConfDir: string;
  conflistName: string;
}

/** The flags as commander hands them over (undefined: not given). */
export interface InstallFlags extends LocationFlags {
  podCidr?: string[] | undefined;
  bridge?: string | undefined;
  networkName?: string | undefined;
  portmap?: string | undefined;
  hairpin?: boolean | undefined;
  ipMasq?: boolean | undefined;
  clusterCidr?: string[] | undefined;
  nonMasqCidr?: string[] | undefined;
  masqBackend?: string | undefined;
  mtu?: string | undefined;
  nodeName?: string | undefined;
  watch?: boolean | undefined;
  resyncInterval?: string | undefined;
  uninstallOnExit?: boolean | undefined;
  podCidrMinPrefixV4?: string | undefined;
  podCidrMinPrefixV6?: string | undefined;
  apiServer?: string | undefined;
  healthAddress?: string | undefined;
  from?: string | undefined;
}

/** The checked settings. */
export interface InstallSettings extends InstallLocations {
  /** Pod CIDRs given by flag or environment; empty: ask the API (nodeName) or write no conflist. */
  podCidrs: string[];
  bridge: string;
  networkName: string;
  portmap: PortmapMode;
  hairpin: boolean;
  /** Masquerade pod traffic leaving the cluster's pod network (how: see masqueradeMode in ./egress-plan.ts). */
  ipMasq: boolean;
  /** The cluster's pod CIDRs; empty: every Node's podCIDRs (under --watch). */
  clusterCidrs: string[];
  /** Destinations the pods reach without masquerade besides the cluster's pods. */
  nonMasqCidrs: string[];
  masqBackend: EgressBackendSetting;
  mtu: number | undefined;
  /** This node's name, to read its pod CIDRs (and the other nodes') from the API. */
  nodeName: string | undefined;
  watch: boolean;
  /** Seconds between two reconciles from the cached Nodes under --watch (changes reconcile at once). */
  resyncSeconds: number;
  uninstallOnExit: boolean;
  /** The widest pod CIDR accepted, ours or a peer's, per family. */
  floors: PrefixFloors;
  /** The API server to use instead of the in-cluster Service (the control-plane endpoint). */
  apiServer: { host: string; port: number } | undefined;
  /** Where the agent serves health and metrics; undefined: nowhere. */
  healthAddress: HealthAddress | undefined;
  from: string | undefined;
}

/**
 * Each setting's environment variable, for the DaemonSet. `NODE_NAME` is
 * what the downward API is usually told to fill in.
 */
export const INSTALL_ENV = {
  cniBinDir: "CNI_TS_CNI_BIN_DIR",
  cniConfDir: "CNI_TS_CNI_CONF_DIR",
  conflistName: "CNI_TS_CONFLIST_NAME",
  podCidrs: "CNI_TS_POD_CIDR",
  bridge: "CNI_TS_BRIDGE",
  networkName: "CNI_TS_NETWORK_NAME",
  portmap: "CNI_TS_PORTMAP",
  hairpin: "CNI_TS_HAIRPIN",
  ipMasq: "CNI_TS_IP_MASQ",
  clusterCidrs: "CNI_TS_CLUSTER_CIDR",
  nonMasqCidrs: "CNI_TS_NON_MASQ_CIDR",
  masqBackend: "CNI_TS_MASQ_BACKEND",
  mtu: "CNI_TS_MTU",
  nodeName: "NODE_NAME",
  watch: "CNI_TS_WATCH",
  resyncInterval: "CNI_TS_RESYNC_INTERVAL",
  uninstallOnExit: "CNI_TS_UNINSTALL_ON_EXIT",
  podCidrMinPrefixV4: "CNI_TS_POD_CIDR_MIN_PREFIX_V4",
  podCidrMinPrefixV6: "CNI_TS_POD_CIDR_MIN_PREFIX_V6",
  apiServer: "CNI_TS_API_SERVER",
  healthAddress: "CNI_TS_HEALTH_ADDRESS",
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function text(flag: string | undefined, env: Env, name: string): string | undefined {
  if (flag !== undefined) return flag;
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

function bool(flag: boolean | undefined, env: Env, name: string, fallback: boolean): boolean {
  if (flag !== undefined) return flag;
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new InvalidConfigError(`${name}=${JSON.stringify(value)} is not a boolean (true/false)`);
}

function prefixFloor(flag: string | undefined, env: Env, name: string, family: 4 | 6): number {
  const value = text(flag, env, name);
  if (value === undefined) return DEFAULT_PREFIX_FLOORS[family];
  const bits = family === 4 ? 32 : 128;
  // Below /1 a single Node could claim the whole address space.
  if (!/^[1-9][0-9]{0,2}$/.test(value) || Number(value) > bits) {
    throw new InvalidConfigError(`IPv${family} pod CIDR floor ${JSON.stringify(value)} is not a prefix length (1-${bits})`);
  }
  return Number(value);
}

function directory(value: string, what: string): string {
  if (value.includes("\0")) throw new InvalidConfigError(`${what} ${JSON.stringify(value)} contains a NUL byte`);
  return resolve(value);
}

/** `--pod-cidr` is repeatable and each value may hold several, comma-separated. */
export function splitCidrList(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** A repeatable CIDR flag, else its comma-separated variable. */
function cidrList(flag: string[] | undefined, env: Env, name: string): string[] {
  if (flag && flag.length > 0) return splitCidrList(flag);
  const value = text(undefined, env, name);
  return value === undefined ? [] : splitCidrList([value]);
}

/**
 * Where install puts things (and uninstall looks), from flags over environment over defaults.
 *
 * @throws {InvalidConfigError} for a directory with a NUL byte or a conflist name that is not a plain `.conflist` name
 */
export function resolveInstallLocations(flags: LocationFlags, env: Env): InstallLocations {
  const conflistName = text(flags.conflistName, env, INSTALL_ENV.conflistName) ?? DEFAULT_CONFLIST_NAME;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*\.conflist$/.test(conflistName)) {
    throw new InvalidConfigError(`conflist name ${JSON.stringify(conflistName)} must be a plain file name ending in .conflist`);
  }
  return {
    cniBinDir: directory(flags.cniBinDir ?? flags.dir ?? text(undefined, env, INSTALL_ENV.cniBinDir) ?? DEFAULT_CNI_BIN_DIR, "CNI bin directory"),
    cniConfDir: directory(text(flags.cniConfDir, env, INSTALL_ENV.cniConfDir) ?? DEFAULT_CNI_CONF_DIR, "CNI config directory"),
    conflistName,
  };
}

/**
 * Merge flags over environment over defaults, and check the result.
 *
 * @throws {InvalidConfigError} for a value that cannot be right
 * @example resolveInstallSettings({ podCidr: ["10.244.1.0/24"] }, process.env)
 */
export function resolveInstallSettings(flags: InstallFlags, env: Env): InstallSettings {
  const portmap = text(flags.portmap, env, INSTALL_ENV.portmap) ?? "auto";
  if (portmap !== "auto" && portmap !== "on" && portmap !== "off") {
    throw new InvalidConfigError(`portmap mode ${JSON.stringify(portmap)} is not auto, on or off`);
  }
  const mtuText = text(flags.mtu, env, INSTALL_ENV.mtu);
  if (mtuText !== undefined && !/^[1-9][0-9]{1,4}$/.test(mtuText)) {
    throw new InvalidConfigError(`MTU ${JSON.stringify(mtuText)} is not a number`);
  }
  const nodeName = text(flags.nodeName, env, INSTALL_ENV.nodeName);
  // A DNS subdomain (RFC 1123), as Kubernetes requires of node names; it becomes part of a URL path.
  if (nodeName !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(nodeName)) {
    throw new InvalidConfigError(`node name ${JSON.stringify(nodeName)} is not a valid Kubernetes node name`);
  }
  const podCidrFlag = flags.podCidr && flags.podCidr.length > 0 ? flags.podCidr : undefined;
  const podCidrEnv = text(undefined, env, INSTALL_ENV.podCidrs);
  const masqBackend = text(flags.masqBackend, env, INSTALL_ENV.masqBackend) ?? "auto";
  if (masqBackend !== "auto" && masqBackend !== "nftables" && masqBackend !== "iptables") {
    throw new InvalidConfigError(`masquerade backend ${JSON.stringify(masqBackend)} is not auto, nftables or iptables`);
  }
  const watch = bool(flags.watch, env, INSTALL_ENV.watch, false);
  const uninstallOnExit = bool(flags.uninstallOnExit, env, INSTALL_ENV.uninstallOnExit, false);
  if (uninstallOnExit && !watch) {
    throw new InvalidConfigError("--uninstall-on-exit needs --watch (without it the installer exits right away)");
  }
  if (watch && nodeName === undefined) {
    throw new InvalidConfigError("--watch needs the node's name (--node-name or NODE_NAME) to tell its own Node from the others");
  }
  const resyncText = text(flags.resyncInterval, env, INSTALL_ENV.resyncInterval) ?? "10";
  if (!/^[1-9][0-9]{0,4}$/.test(resyncText)) {
    throw new InvalidConfigError(`resync interval ${JSON.stringify(resyncText)} is not a whole number of seconds (1-99999)`);
  }
  const apiServerText = text(flags.apiServer, env, INSTALL_ENV.apiServer);
  return {
    ...resolveInstallLocations(flags, env),
    podCidrs: splitCidrList(podCidrFlag ?? (podCidrEnv !== undefined ? [podCidrEnv] : [])),
    bridge: text(flags.bridge, env, INSTALL_ENV.bridge) ?? DEFAULT_BRIDGE,
    networkName: text(flags.networkName, env, INSTALL_ENV.networkName) ?? DEFAULT_NETWORK_NAME,
    portmap,
    hairpin: bool(flags.hairpin, env, INSTALL_ENV.hairpin, true),
    ipMasq: bool(flags.ipMasq, env, INSTALL_ENV.ipMasq, true),
    clusterCidrs: parseCidrList(cidrList(flags.clusterCidr, env, INSTALL_ENV.clusterCidrs), "cluster CIDR"),
    nonMasqCidrs: parseCidrList(cidrList(flags.nonMasqCidr, env, INSTALL_ENV.nonMasqCidrs), "non-masquerade CIDR"),
    masqBackend,
    mtu: mtuText === undefined ? undefined : Number(mtuText),
    nodeName,
    watch,
    resyncSeconds: Number(resyncText),
    uninstallOnExit,
    floors: {
      4: prefixFloor(flags.podCidrMinPrefixV4, env, INSTALL_ENV.podCidrMinPrefixV4, 4),
      6: prefixFloor(flags.podCidrMinPrefixV6, env, INSTALL_ENV.podCidrMinPrefixV6, 6),
    },
    apiServer: apiServerText === undefined ? undefined : parseApiServer(apiServerText),
    healthAddress: parseHealthAddress(text(flags.healthAddress, env, INSTALL_ENV.healthAddress) ?? DEFAULT_HEALTH_ADDRESS),
    from: flags.from,
  };
}
