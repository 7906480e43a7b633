// Synchronous netlink requests. The receive buffer is reused, so parsers copy what they keep.
import { closeSync } from "node:fs";
import { SyscallError } from "../errors.ts";
import { native } from "../native/addon.ts";
import type { NetnsHandle } from "../netns/netns.ts";
import { withNetns } from "../netns/netns.ts";
import { NETLINK_ROUTE, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR } from "./constants.ts";
import { errnoText } from "./errno-text.ts";
import type { MessageBuilder } from "./message.ts";
import { parseNlError, splitMessages } from "./message.ts";

/** `undefined` skips the message. */
export type ReplyParser<T> = (type: number, payload: Buffer) => T | undefined;

/** How often a dump interrupted by a concurrent change is retried (as the reference does). */
const DUMP_ATTEMPTS = 5;
/** Netlink sends a reader at most ~32 KiB per datagram. */
let recvBuffer: Buffer | undefined;

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

class DumpInterrupted extends Error {}

/**
 * The kernel's extended-ack text is appended to the errno's message.
 */
function netlinkError(type: number, errno: number, extack: string | undefined): SyscallError {
  const { code, text } = errnoText(errno);
  const syscall = TYPE_NAMES[type] ?? `netlink(${type})`;
  return new SyscallError(syscall, errno, code, extack ? `${text}: ${extack}` : text);
}

/** A netlink socket, bound to the namespace it was opened in. */
export class RtnlSocket {
  readonly fd: number;
  private seq: number;
  private closed = false;

  private constructor(fd: number) {
    this.fd = fd;
    this.seq = (Date.now() & 0x3fffffff) >>> 0;
  }

  /** @throws {SyscallError} when socket(2) or bind(2) fails */
  static open(): RtnlSocket {
    return new RtnlSocket(native().netlinkOpen(NETLINK_ROUTE));
  }

  /**
   * Another netlink protocol (e.g. NETLINK_NETFILTER).
   * @throws {SyscallError} when socket(2) or bind(2) fails
   */
  static openProtocol(protocol: number): RtnlSocket {
    return new RtnlSocket(native().netlinkOpen(protocol));
  }

  /**
   * The socket keeps working in `target` after the thread has switched back.
   * @throws {NetnsNotFoundError} / {NotANetnsError} for a bad path
   */
  static openInNetns(target: string | NetnsHandle): RtnlSocket {
    return new RtnlSocket(withNetns(target, () => native().netlinkOpen(NETLINK_ROUTE)));
  }

  /** Idempotent. */
  close(): void {
    if (!this.closed) {
      this.closed = true;
      closeSync(this.fd);
    }
  }

  /** Sequence numbers for messages framed elsewhere (an nfnetlink batch); returns the first. */
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
   * Send with NLM_F_ACK and wait for the ack; replies before it (a GET's answer) go through `parse`.
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
   * Retries a dump the kernel flags as interrupted by a concurrent change.
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
