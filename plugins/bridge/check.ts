/**
 * Bridge CHECK: the attachment in prevResult still exists as recorded. Stricter than the
 * reference: no IPAM call on an L2 network (docs/REFERENCE.md gap 8), and a recorded default
 * route's gateway must match.
 */
import { InvalidConfigError, KernelError } from "../../src/errors.ts";
import { parsePrevResult } from "../../src/config/prev-result.ts";
import { delegateIpam } from "../../src/delegation/delegate.ts";
import { listAddresses } from "../../src/netlink/address.ts";
import { getLinkByIndex, getLinkByName, type Link } from "../../src/netlink/link.ts";
import { listRoutes } from "../../src/netlink/route.ts";
import { RtnlSocket } from "../../src/netlink/socket.ts";
import type { CmdArgs, RawConf } from "../../src/skel/types.ts";
import type { Interface, Result } from "../../src/types/result.ts";
import { loadSettings } from "./config.ts";
import { formatCidr, parseCidr } from "../../src/ip/cidr.ts";
import { networkCidr } from "./calc-gateways.ts";
import type { BridgeSettings } from "./config.ts";
import { openPodNetns } from "./links.ts";

const fail = (msg: string) => new KernelError(msg);

function checkBridge(host: RtnlSocket, rec: Interface | undefined, s: BridgeSettings): Link {
  const link = getLinkByName(host, s.bridgeName);
  if (!rec || !link) throw fail(`CNI created bridge ${s.bridgeName} in host namespace was not found`);
  if (link.kind !== "bridge") throw fail(`Error: Bridge interface ${s.bridgeName} is not a bridge`);
  if (rec.mac && rec.mac.toLowerCase() !== link.mac) {
    throw fail(`Bridge interface ${s.bridgeName} Mac doesn't match: ${rec.mac}`);
  }
  if (link.promisc !== s.promiscMode) {
    throw fail(`Bridge interface ${s.bridgeName} promiscuous mode is ${link.promisc ? "on" : "off"}, expected ${s.promiscMode ? "on" : "off"}`);
  }
  return link;
}

function checkContainer(pod: RtnlSocket, rec: Interface | undefined, ifName: string): Link {
  const link = getLinkByName(pod, ifName);
  if (!rec || !link) throw fail(`CNI created interface in container ${ifName} not found`);
  if (link.kind !== "veth") throw fail(`Error: Container interface ${ifName} not of type veth`);
  if (rec.mac && rec.mac.toLowerCase() !== link.mac) {
    throw fail(`Interface ${ifName} Mac ${rec.mac} doesn't match container Mac: ${link.mac}`);
  }
  return link;
}

function checkHostVeth(host: RtnlSocket, prev: Result, bridge: Link, container: Link): void {
  const peer = container.linkIndex !== undefined ? getLinkByIndex(host, container.linkIndex) : undefined;
  const rec = peer ? prev.interfaces?.find((i) => i.name === peer.name && i.sandbox === undefined) : undefined;
  if (!peer || !rec || peer.kind !== "veth" || peer.masterIndex !== bridge.index || peer.linkIndex !== container.index) {
    throw fail(`CNI veth created for bridge ${bridge.name} was not found`);
  }
  if (rec.mac && rec.mac.toLowerCase() !== peer.mac) throw fail(`Interface ${peer.name} Mac doesn't match: ${rec.mac}`);
}

function checkAddressesAndRoutes(pod: RtnlSocket, container: Link, prev: Result, ifName: string): void {
  const addrs = listAddresses(pod, { index: container.index });
  const routes = [...listRoutes(pod, { family: 4 }), ...listRoutes(pod, { family: 6 })];
  const sameDst = (a: string, b: string) => {
    const ca = parseCidr(a);
    const cb = parseCidr(b);
    return !!ca && !!cb && networkCidr(ca) === networkCidr(cb);
  };
  for (const ip of prev.ips ?? []) {
    const c = parseCidr(ip.address);
    if (!c) throw fail(`invalid address ${ip.address} in prevResult`);
    const text = formatCidr(c);
    if (!addrs.some((a) => `${a.address}/${a.prefixLength}` === text)) {
      throw fail(`Failed to match addr ${ip.address} on interface ${ifName}`);
    }
    if (!routes.some((r) => r.index === container.index && sameDst(r.dst, ip.address))) {
      throw fail(`Failed to find route to ${networkCidr(c)} on interface ${ifName}`);
    }
  }
  for (const r of prev.routes ?? []) {
    const found = routes.some((k) => sameDst(k.dst, r.dst) && (r.gw === undefined || k.gw === r.gw));
    if (!found) throw fail(`Failed to match route: ${r.dst}${r.gw ? ` via ${r.gw}` : ""}`);
  }
}

/**
 * @throws {InvalidConfigError} `Required prevResult missing`
 * @throws {KernelError} naming the first mismatch
 */
export async function cmdCheck(args: CmdArgs, raw: RawConf): Promise<void> {
  const s = loadSettings(args, raw);
  const podNs = openPodNetns(args.netns);
  try {
    if (s.ipamType) await delegateIpam("CHECK", s.ipamType, args, raw);
    const prev = parsePrevResult(raw);
    if (!prev) throw new InvalidConfigError("Required prevResult missing");

    const brRec = prev.interfaces?.find((i) => i.name === s.bridgeName);
    const contRec = prev.interfaces?.find((i) => i.name === args.ifName && i.sandbox !== undefined);
    if (contRec && contRec.sandbox !== args.netns) {
      throw fail(`Sandbox in prevResult ${contRec.sandbox} doesn't match configured netns: ${args.netns}`);
    }
    const host = RtnlSocket.open();
    const pod = RtnlSocket.openInNetns(podNs);
    try {
      const bridge = checkBridge(host, brRec, s);
      const container = checkContainer(pod, contRec, args.ifName);
      checkHostVeth(host, prev, bridge, container);
      checkAddressesAndRoutes(pod, container, prev, args.ifName);
    } finally {
      pod.close();
      host.close();
    }
  } finally {
    podNs.close();
  }
}
