/**
 * Build-time warm-up of the rtnetlink layer and the bridge's pure steps, for
 * the code cache (see ./warm-up.ts). Every request an ADD or DEL makes is
 * built by the real functions and handed to {@link EchoSocket}, which never
 * reaches a kernel: it frames the message and passes it back to the
 * request's own reply parser, as a kernel reply of the same family would
 * come back (struct, then attributes), followed by an ack. Only the code
 * gets compiled; nothing is sent and the results are discarded.
 *
 * @module
 */
import { calcGateways } from "../../plugins/bridge/calc-gateways.ts";
import { formatHostVethRecord, parseHostVethRecord } from "../../plugins/bridge/host-veth-record.ts";
import { planPortVlans } from "../../plugins/bridge/host-port.ts";
import { buildResult } from "../../plugins/bridge/result.ts";
import { randomVethName } from "../../plugins/bridge/setup-veth.ts";
import { addAddress, listAddresses, type Addr } from "../netlink/address.ts";
import { setBridgePortFlags } from "../netlink/bridge-port.ts";
import { NLM_F_ACK_TLVS, NLM_F_CAPPED } from "../netlink/constants.ts";
import { errnoText } from "../netlink/errno-text.ts";
import { createVeth, deleteLink, getLinkByIndex, getLinkByName, listLinks, setLinkUp, type Link } from "../netlink/link.ts";
import { type MessageBuilder, parseNlError, splitMessages } from "../netlink/message.ts";
import { addRoute, listRoutes, type RouteEntry } from "../netlink/route.ts";
import type { ReplyParser, RtnlSocket } from "../netlink/socket.ts";

/**
 * Stands in for RtnlSocket at build time. A change request is remembered;
 * a GET is answered with the last change of its family (RTM_NEW* has the
 * layout of the kernel's reply), or with itself, then every request is acked.
 */
class EchoSocket {
  private seq = 0;
  private readonly lastChange = new Map<number, Buffer>();

  request<T = never>(msg: MessageBuilder, parse?: ReplyParser<T>): T[] {
    return this.answer(msg, parse);
  }

  dump<T>(msg: MessageBuilder, parse: ReplyParser<T>): T[] {
    return this.answer(msg, parse);
  }

  private answer<T>(msg: MessageBuilder, parse?: ReplyParser<T>): T[] {
    const wire = msg.finish(++this.seq, 0);
    // rtnetlink types come in fours per family: NEW, DEL, GET, SET.
    const family = msg.type & ~3;
    const isGet = (msg.type & 3) === 2;
    if (!isGet) this.lastChange.set(family, Buffer.from(wire));
    const reply = isGet ? (this.lastChange.get(family) ?? wire) : wire;
    const out: T[] = [];
    for (const m of splitMessages(reply, reply.length)) {
      const v = parse?.(family, m.payload);
      if (v !== undefined) out.push(v);
    }
    parseNlError(Buffer.alloc(20), NLM_F_CAPPED | NLM_F_ACK_TLVS);
    return out;
  }
}

/**
 * Run the ADD and DEL request builders and reply parsers once.
 *
 * @returns what the list calls decoded, so a test can see the parsers ran
 */
export function warmUpNetlink(): { links: Link[]; addresses: Addr[]; routes: RouteEntry[] } {
  const sock = new EchoSocket() as unknown as RtnlSocket;
  getLinkByName(sock, "cni0");
  getLinkByIndex(sock, 2);
  const name = randomVethName();
  createVeth(sock, { name, peerName: "eth0", mtu: 1500, mac: "02:42:0a:00:00:02", masterIndex: 2 });
  const links = listLinks(sock);
  setBridgePortFlags(sock, 3, { hairpin: false, isolated: false });
  setLinkUp(sock, 3);
  addAddress(sock, 3, "10.0.0.2", 24);
  addAddress(sock, 3, "fd00::2", 64, { noPrefixRoute: true });
  const addresses = listAddresses(sock);
  addRoute(sock, { dst: "0.0.0.0/0", gw: "10.0.0.1", index: 3 });
  const routes = listRoutes(sock);
  deleteLink(sock, 3);
  errnoText(17);

  const plan = calcGateways([{ address: "10.0.0.2/24" }], [{ dst: "0.0.0.0/0" }], { isGateway: true, isDefaultGateway: false });
  const result = buildResult({
    bridge: { name: "cni0", mac: "02:42:0a:00:00:01" },
    hostVeth: { name, mac: "02:42:0a:00:00:03" },
    container: { name: "eth0", mac: "02:42:0a:00:00:02", sandbox: "/var/run/netns/warm-up" },
    ips: plan.ips,
    routes: plan.routes,
    ipamDns: undefined,
    confDns: undefined,
  });
  parseHostVethRecord(formatHostVethRecord(result, { network: "warm-up", containerId: "c", ifName: "eth0" }) ?? "");
  planPortVlans(0, undefined, false);
  return { links, addresses, routes };
}
