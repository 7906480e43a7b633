/**
 * A synchronous rtnetlink socket: send one request, read until its ack or
 * the end of its dump. Replies are parsed as they arrive (the receive
 * buffer is reused), so callers pass a parser that copies what it needs.
 *
 * @module
 */
import { closeSync } from "node:fs";
import { SyscallError } from "../errors.ts";
import { native } from "../native/addon.ts";
import type { NetnsHandle } from "../netns/netns.ts";
import { withNetns } from "../netns/netns.ts";
import { NETLINK_ROUTE, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR } from "./constants.ts";
import { errnoText } from "./errno-text.ts";
import type { MessageBuilder } from "./message.ts";
import { parseNlError, splitMessages } from "./message.ts";

/** Parses one reply message; `undefined` skips it. */
export type ReplyParser<T> = (type: number, payload: Buffer) => T | undefined;

/** How often a dump interrupted by a concurrent change is retried (as the reference does). */
const DUMP_ATTEMPTS = 5;
/** Netlink never sends a datagram larger than ~32 KiB to a reader; room to spare. */
let recvBuffer: Buffer | undefined;

/** Names for the messages we send, for error text. */
const TYPE_NAMES: Record<number, string> = {
  16: "RTM_NEWLINK",
  17: "RTM_DELLINK",
  18: "RTM_GETLINK",
  19: "RTM_SETLINK",
  20: "RTM_NEWADDR",
  21: "RTM_DELADDR",
  22: "RTM_GETADDR",
  24: "RTM_NEWROUTE",
  25: "RTM_DELROUTE",
  26: "RTM_GETROUTE",
};

/** The dump was interrupted DUMP_ATTEMPTS times in a row. */
class DumpInterrupted extends Error {}

/**
 * The error a failed request raises: errno and code kept, the kernel's
 * extended-ack text appended to the message.
 *
 * @example netlinkError(RTM_NEWLINK, 17, undefined).message // "file exists"
 */
function netlinkError(type: number, errno: number, extack: string | undefined): SyscallError {
  const { code, text } = errnoText(errno);
  const syscall = TYPE_NAMES[type] ?? `netlink(${type})`;
  return new SyscallError(syscall, errno, code, extack ? `${text}: ${extack}` : text);
}

/** A synchronous netlink socket (NETLINK_ROUTE unless opened with another protocol) bound to the namespace it was opened in. */
export class RtnlSocket {
  /** The socket's file descriptor. */
  readonly fd: number;
  private seq: number;
  private closed = false;

  private constructor(fd: number) {
    this.fd = fd;
    this.seq = (Date.now() & 0x3fffffff) >>> 0;
  }

  /**
   * Open a socket in the current network namespace.
   *
   * @throws {SyscallError} when socket(2) or bind(2) fails
   * @example const sock = RtnlSocket.open();
   */
  static open(): RtnlSocket {
    return new RtnlSocket(native().netlinkOpen(NETLINK_ROUTE));
  }

  /**
   * Open a socket of another netlink protocol (e.g. NETLINK_NETFILTER) in
   * the current namespace: same request/ack handling, the caller's messages.
   *
   * @throws {SyscallError} when socket(2) or bind(2) fails
   * @example const nfnl = RtnlSocket.openProtocol(12);
   */
  static openProtocol(protocol: number): RtnlSocket {
    return new RtnlSocket(native().netlinkOpen(protocol));
  }

  /**
   * Open a socket inside another namespace; it keeps working there after
   * the thread has switched back.
   *
   * @param target a namespace path or handle
   * @throws {NetnsNotFoundError} / {NotANetnsError} for a bad path
   * @example const pod = RtnlSocket.openInNetns(args.netns);
   */
  static openInNetns(target: string | NetnsHandle): RtnlSocket {
    return new RtnlSocket(withNetns(target, () => native().netlinkOpen(NETLINK_ROUTE)));
  }

  /** Close the socket (idempotent). */
  close(): void {
    if (!this.closed) {
      this.closed = true;
      closeSync(this.fd);
    }
  }

  /**
   * Send `msg`, a link deletion (RTM_DELLINK of link `index`), from a
   * detached child process, and return once the link is gone for every
   * observer: `watch`, a socket in the same namespace, hears the kernel
   * announce the deletion, or the child relays the kernel's answer. The
   * kernel's freeing of the device, which follows within the same request
   * (~15 ms of RCU grace periods on a small node), finishes in the child,
   * even after this process has exited. Consumes this socket (closed here).
   *
   * @throws {SyscallError} the kernel's refusal (ENODEV: no such link), or
   *   syscall `setsockopt`, `pipe2`, `mmap` or `clone` when nothing was sent
   */
  deleteLinkDetached(msg: MessageBuilder, index: number, watch: RtnlSocket): void {
    try {
      if (this.closed) throw new Error("RtnlSocket is closed");
      this.seq = (this.seq + 1) >>> 0 || 1;
      const answer = native().netlinkDeleteLinkDetached(this.fd, watch.fd, msg.finish(this.seq, NLM_F_REQUEST | NLM_F_ACK), index);
      for (const m of answer ? splitMessages(answer, answer.length) : []) {
        if (m.type !== NLMSG_ERROR) continue;
        const { errno, extack } = parseNlError(m.payload, m.flags);
        if (errno) throw netlinkError(msg.type, errno, extack);
      }
    } finally {
      this.close();
    }
  }

  /**
   * Reserve `count` consecutive sequence numbers for messages framed outside
   * this class (an nfnetlink batch), so they never collide with this
   * socket's own requests; returns the first.
   */
  reserveSeq(count: number): number {
    if (this.seq + count >= 0xffffffff) this.seq = 0;
    const first = this.seq + 1;
    this.seq += count;
    return first;
  }

  private send(msg: MessageBuilder, extraFlags: number): number {
    if (this.closed) throw new Error("RtnlSocket is closed");
    this.seq = (this.seq + 1) >>> 0 || 1;
    native().netlinkSend(this.fd, msg.finish(this.seq, NLM_F_REQUEST | extraFlags));
    return this.seq;
  }

  private *replies(seq: number): Generator<{ type: number; flags: number; payload: Buffer }> {
    recvBuffer ??= Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const n = native().netlinkRecv(this.fd, recvBuffer);
      for (const m of splitMessages(recvBuffer, n)) {
        if (m.seq === seq) yield m;
      }
    }
  }

  /**
   * Send a request with NLM_F_ACK and wait for the ack. Replies before it
   * (a GET's answer) go through `parse`.
   *
   * @returns the parsed replies (empty for plain changes)
   * @throws {SyscallError} when the kernel refuses the request
   */
  request<T = never>(msg: MessageBuilder, parse?: ReplyParser<T>): T[] {
    const seq = this.send(msg, NLM_F_ACK);
    const out: T[] = [];
    for (const m of this.replies(seq)) {
      if (m.type === NLMSG_ERROR) {
        const { errno, extack } = parseNlError(m.payload, m.flags);
        if (errno) throw netlinkError(msg.type, errno, extack);
        return out;
      }
      if (m.type === NLMSG_DONE) return out;
      const v = parse?.(m.type, m.payload);
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  /**
   * Dump (NLM_F_DUMP) and parse every reply, retrying when the kernel flags
   * the dump as interrupted by a concurrent change.
   *
   * @throws {SyscallError} when the kernel refuses the dump or it stays inconsistent
   */
  dump<T>(msg: MessageBuilder, parse: ReplyParser<T>): T[] {
    for (let attempt = 1; ; attempt++) {
      try {
        return this.dumpOnce(msg, parse);
      } catch (err) {
        if (!(err instanceof DumpInterrupted)) throw err;
        if (attempt >= DUMP_ATTEMPTS) {
          throw new SyscallError(TYPE_NAMES[msg.type] ?? "netlink", 4, "EINTR", `dump interrupted ${attempt} times`);
        }
      }
    }
  }

  private dumpOnce<T>(msg: MessageBuilder, parse: ReplyParser<T>): T[] {
    const seq = this.send(msg, NLM_F_DUMP);
    const out: T[] = [];
    let interrupted = false;
    for (const m of this.replies(seq)) {
      if (m.flags & NLM_F_DUMP_INTR) interrupted = true;
      if (m.type === NLMSG_DONE) break;
      if (m.type === NLMSG_ERROR) {
        const { errno, extack } = parseNlError(m.payload, m.flags);
        if (errno) throw netlinkError(msg.type, errno, extack);
        break;
      }
      if (!interrupted) {
        const v = parse(m.type, m.payload);
        if (v !== undefined) out.push(v);
      }
    }
    if (interrupted) throw new DumpInterrupted();
    return out;
  }
}
