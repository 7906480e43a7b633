import { SyscallError } from "../errors.ts";
import { native } from "../native/addon.ts";
import type { MessageBuilder } from "../netlink/message.ts";
import type { RtnlSocket } from "../netlink/socket.ts";
import { nfnlSocket } from "./nfnl-socket.ts";
import {
  batchDelimiter,
  NFNL_MSG_BATCH_BEGIN,
  NFNL_MSG_BATCH_END,
  NFT_MSG_GETGEN,
  NFT_MSG_GETRULE,
  NFTA_RULE_CHAIN,
  NFTA_RULE_TABLE,
  nftMessage,
  type NftFamily,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
} from "./nft-wire.ts";

interface Received {
  type: number;
  seq: number;
  payload: Buffer;
}

let recvBuffer: Buffer | undefined;

function* receive(sock: RtnlSocket): Generator<Received> {
  recvBuffer ??= Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    const n = native().netlinkRecv(sock.fd, recvBuffer);
    let off = 0;
    while (off + 16 <= n) {
      const len = recvBuffer.readUInt32LE(off);
      if (len < 16 || off + len > n) break;
      yield { type: recvBuffer.readUInt16LE(off + 4), seq: recvBuffer.readUInt32LE(off + 8), payload: recvBuffer.subarray(off + 16, off + len) };
      off += (len + 3) & ~3;
    }
  }
}

const errnoOf = (payload: Buffer) => (payload.length >= 4 ? -payload.readInt32LE(0) : 0);

const ERRNO_CODES: Record<number, string> = { 1: "EPERM", 2: "ENOENT", 16: "EBUSY", 17: "EEXIST" };

function nfnetlinkError(operation: string, errno: number, detail: string): SyscallError {
  return new SyscallError(operation, errno, ERRNO_CODES[errno] ?? `errno ${errno}`, `${detail} (${ERRNO_CODES[errno] ?? `errno ${errno}`})`);
}

/**
 * One atomic nf_tables transaction. A GETGEN sent after it is a barrier: the kernel answers
 * in order, so every verdict has arrived once its answer has, even if the kernel stopped early.
 * @throws {SyscallError} with the first error the kernel reported (the transaction was then aborted)
 */
export function commitBatch(messages: readonly MessageBuilder[]): void {
  const sock = nfnlSocket();
  const first = sock.reserveSeq(messages.length + 3);
  const frames = [batchDelimiter(NFNL_MSG_BATCH_BEGIN).finish(first, NLM_F_REQUEST)];
  messages.forEach((m, i) => frames.push(Buffer.from(m.finish(first + 1 + i, NLM_F_REQUEST | NLM_F_ACK))));
  const barrierSeq = first + messages.length + 2;
  frames.push(batchDelimiter(NFNL_MSG_BATCH_END).finish(first + messages.length + 1, NLM_F_REQUEST));
  native().netlinkSend(sock.fd, Buffer.concat(frames));
  native().netlinkSend(sock.fd, nftMessage(NFT_MSG_GETGEN, 0, "unspec").finish(barrierSeq, NLM_F_REQUEST | NLM_F_ACK));
  let failure: SyscallError | undefined;
  for (const m of receive(sock)) {
    // Anything older on the shared socket (a dump abandoned on an error) is not ours.
    if (m.type !== NLMSG_ERROR || m.seq < first || m.seq > barrierSeq) continue;
    const errno = errnoOf(m.payload);
    if (m.seq === barrierSeq) break;
    if (errno && !failure) failure = nfnetlinkError("nfnetlink batch", errno, `nf_tables refused message ${m.seq - first} of the batch`);
  }
  if (failure) throw failure;
}

/**
 * `parse` gets the payload, nfgenmsg first, and must copy what it keeps.
 * @throws {SyscallError} when the kernel refuses the dump (ENOENT: no such table or chain)
 */
export function dumpRules<T>(family: NftFamily, table: string, chain: string, parse: (payload: Buffer) => T): T[] {
  const sock = nfnlSocket();
  const seq = sock.reserveSeq(1);
  const msg = nftMessage(NFT_MSG_GETRULE, NLM_F_DUMP, family).str(NFTA_RULE_TABLE, table).str(NFTA_RULE_CHAIN, chain);
  native().netlinkSend(sock.fd, msg.finish(seq, NLM_F_REQUEST | NLM_F_ACK));
  const out: T[] = [];
  for (const m of receive(sock)) {
    if (m.seq !== seq) continue;
    if (m.type === NLMSG_DONE) break;
    if (m.type === NLMSG_ERROR) {
      const errno = errnoOf(m.payload);
      if (errno) throw nfnetlinkError("nfnetlink dump", errno, `listing ${family} ${table} ${chain} failed`);
      break;
    }
    out.push(parse(m.payload));
  }
  return out;
}
