/**
 * One nfnetlink (NETLINK_NETFILTER) socket per network namespace for the
 * whole process (in a plugin, only the node's: masquerade, the spoof check
 * and GC all work there).
 *
 * nf_tables frees a committed transaction after an RCU grace period, and
 * the last close of a bound nfnetlink socket waits for that work to finish:
 * measured 10-15 ms when a DEL's commit follows the pod veth's deletion.
 * So one socket serves every probe, dump and commit (a second socket
 * closed after the commit would wait the same), and after a commit it is
 * closed at exit by a detached child (`closeDetached`), so that wait
 * happens after the plugin has answered (where that child will be reaped:
 * ../native/orphans.ts).
 *
 * @module
 */
import { native } from "../native/addon.ts";
import { orphansAreReaped } from "../native/orphans.ts";
import { RtnlSocket } from "../netlink/socket.ts";
import { currentNetnsKey } from "../netns/netns.ts";
import { NETLINK_NETFILTER } from "./nft-wire.ts";

/** By namespace ({@link currentNetnsKey}). */
const sockets = new Map<string, RtnlSocket>();
/** Those a transaction was committed on: their close may wait. */
const committed = new Set<RtnlSocket>();

function closeAll(): void {
  for (const sock of sockets.values()) {
    if (committed.has(sock) && orphansAreReaped()) native().closeDetached(sock.fd);
    else sock.close();
  }
}

/** The socket for the calling thread's network namespace, opened on first use. */
export function nfnlSocket(): RtnlSocket {
  const key = currentNetnsKey();
  let sock = sockets.get(key);
  if (!sock) {
    if (sockets.size === 0) process.once("exit", closeAll);
    sock = RtnlSocket.openProtocol(NETLINK_NETFILTER);
    sockets.set(key, sock);
  }
  return sock;
}

/** Record that a transaction is being committed on `sock` (its close may then wait). */
export function noteCommit(sock: RtnlSocket): void {
  committed.add(sock);
}
