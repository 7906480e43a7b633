/**
 * One nfnetlink (NETLINK_NETFILTER) socket per network namespace for the
 * whole process (in a plugin, only the node's: masquerade, the spoof check
 * and GC all work there). The last close of a socket a transaction was
 * committed on waits for nf_tables to free that transaction, so one socket
 * serves every probe, dump and commit, and the kernel closes it at exit.
 *
 * @module
 */
import { RtnlSocket } from "../netlink/socket.ts";
import { currentNetnsKey } from "../netns/netns.ts";
import { NETLINK_NETFILTER } from "./nft-wire.ts";

/** By namespace ({@link currentNetnsKey}). */
const sockets = new Map<string, RtnlSocket>();

/** The socket for the calling thread's network namespace, opened on first use. */
export function nfnlSocket(): RtnlSocket {
  const key = currentNetnsKey();
  let sock = sockets.get(key);
  if (!sock) {
    sock = RtnlSocket.openProtocol(NETLINK_NETFILTER);
    sockets.set(key, sock);
  }
  return sock;
}
