/**
 * The node's network configuration list, as `cni-ts install` writes it for
 * a Kubernetes node: our bridge with host-local handing out the node's pod
 * CIDR(s), then portmap when the node has it. Loopback is not in the list:
 * the runtime sets up `lo` itself. Pure: the caller decides where it goes.
 *
 * @module
 */
import { InvalidConfigError } from "../errors.ts";
import { formatCidr, networkAddress, parseCidr } from "../ip/cidr.ts";

/** What shapes the node's conflist. */
export interface NodeConflistOptions {
  /** The network's name (`name` of the list). */
  networkName: string;
  /** The Linux bridge the pods attach to. */
  bridge: string;
  /** The node's pod CIDRs: one, or one per family for dual stack. */
  podCidrs: readonly string[];
  /** Chain the portmap plugin (hostPort support). */
  portmap: boolean;
  /** Let a pod reach itself through a Service (bridge port hairpin). */
  hairpin: boolean;
  /** Masquerade traffic from the pods to destinations outside their subnet. */
  ipMasq: boolean;
  /** Interface MTU; the kernel's default when absent. */
  mtu?: number | undefined;
}

/** The spec version written into the list (portmap and our plugins all speak it). */
const NODE_CONFLIST_CNI_VERSION = "1.0.0";

/** Interface names the kernel accepts: 1-15 bytes, no '/', ':' or whitespace. */
const IFNAME = /^[^/:\s]{1,15}$/;
/** A network name libcni accepts. */
const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Normalise and check the pod CIDRs: at most one per family, host bits cleared.
 *
 * @throws {InvalidConfigError} for a malformed CIDR, none at all, or two of one family
 * @example normalisePodCidrs(["10.244.1.7/24"]) // ["10.244.1.0/24"]
 */
export function normalisePodCidrs(cidrs: readonly string[]): string[] {
  if (cidrs.length === 0) throw new InvalidConfigError("no pod CIDR given");
  const seen = new Set<number>();
  return cidrs.map((text) => {
    const net = parseCidr(text.trim());
    if (!net) throw new InvalidConfigError(`pod CIDR ${JSON.stringify(text)} is not an IPv4 or IPv6 CIDR`);
    const family = net.family;
    if (seen.has(family)) throw new InvalidConfigError(`more than one IPv${family} pod CIDR given (${cidrs.join(", ")})`);
    seen.add(family);
    const hostBits = net.ip.length * 8 - net.prefixLength;
    if (hostBits < 2) throw new InvalidConfigError(`pod CIDR ${text} leaves no address for pods`);
    return formatCidr({ ...net, ip: networkAddress(net) });
  });
}

/**
 * Build the conflist document.
 *
 * @throws {InvalidConfigError} when a name or CIDR is unusable
 * @example nodeConflist({ networkName: "cni-ts", bridge: "cni-ts0", podCidrs: ["10.244.1.0/24"], portmap: false, hairpin: true, ipMasq: true })
 */
export function nodeConflist(options: NodeConflistOptions): Record<string, unknown> {
  if (!NETWORK_NAME.test(options.networkName)) {
    throw new InvalidConfigError(`network name ${JSON.stringify(options.networkName)} is not a valid CNI network name`);
  }
  if (!IFNAME.test(options.bridge) || options.bridge === "." || options.bridge === "..") {
    throw new InvalidConfigError(`bridge name ${JSON.stringify(options.bridge)} is not a valid interface name`);
  }
  if (options.mtu !== undefined && (!Number.isInteger(options.mtu) || options.mtu < 68 || options.mtu > 65535)) {
    throw new InvalidConfigError(`MTU ${options.mtu} is out of range (68-65535)`);
  }
  const podCidrs = normalisePodCidrs(options.podCidrs);
  const defaultRoutes = podCidrs.map((cidr) => ({ dst: cidr.includes(":") ? "::/0" : "0.0.0.0/0" }));
  const bridge: Record<string, unknown> = {
    type: "bridge",
    bridge: options.bridge,
    isGateway: true,
    ipMasq: options.ipMasq,
    hairpinMode: options.hairpin,
    ...(options.mtu !== undefined ? { mtu: options.mtu } : {}),
    ipam: {
      type: "host-local",
      ranges: podCidrs.map((subnet) => [{ subnet }]),
      routes: defaultRoutes,
    },
  };
  const plugins: Record<string, unknown>[] = [bridge];
  if (options.portmap) plugins.push({ type: "portmap", capabilities: { portMappings: true }, snat: true });
  return { cniVersion: NODE_CONFLIST_CNI_VERSION, name: options.networkName, plugins };
}

/**
 * The file's bytes: stable key order and a trailing newline, so an
 * unchanged configuration produces identical bytes.
 */
export function conflistText(conflist: Record<string, unknown>): string {
  return `${JSON.stringify(conflist, null, 2)}\n`;
}
