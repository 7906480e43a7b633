// One nfnetlink socket per namespace for the whole process: the last close of a socket a
// transaction was committed on waits for nf_tables to free it, so the kernel closes it at exit.
import { RtnlSocket } from "../netlink/socket.ts";
import { currentNetnsKey } from "../netns/netns.ts";
import { NETLINK_NETFILTER } from "./nft-wire.ts";

const sockets = new Map<string, RtnlSocket>();

/** For the calling thread's namespace, opened on first use. */
export function nfnlSocket(): RtnlSocket {
  const key = currentNetnsKey();
  let sock = sockets.get(key);
  if (!sock) {
    sock = RtnlSocket.openProtocol(NETLINK_NETFILTER);
    sockets.set(key, sock);
  }
  return sock;
}
