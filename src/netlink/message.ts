/**
 * Pure netlink framing: a small builder for request messages (header,
 * fixed family struct, attributes, nested attributes) and parsers for the
 * kernel's replies. No I/O here; src/netlink/socket.ts sends and receives.
 *
 * @module
 */
import { NLA_F_NESTED, NLA_TYPE_MASK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSGERR_ATTR_MSG } from "./constants.ts";

/** Size of `struct nlmsghdr`. */
export const NLMSG_HDRLEN = 16;

/** Round `n` up to netlink's 4-byte alignment. */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Builds one netlink request. The header is written by {@link finish} once
 * the socket has chosen a sequence number.
 *
 * @example
 * const msg = new MessageBuilder(RTM_NEWLINK, NLM_F_CREATE, new Uint8Array(16)).str(IFLA_IFNAME, "br0");
 */
export class MessageBuilder {
  /** Message type (RTM_*). */
  readonly type: number;
  /** Flags besides NLM_F_REQUEST / NLM_F_ACK, which the socket adds. */
  readonly flags: number;
  private buf: Buffer;
  private len = NLMSG_HDRLEN;
  private readonly open: number[] = [];

  /**
   * @param type the RTM_* message type
   * @param flags NLM_F_* flags such as NLM_F_CREATE | NLM_F_EXCL or NLM_F_DUMP
   * @param header the family struct (ifinfomsg, ifaddrmsg, rtmsg ...)
   */
  constructor(type: number, flags: number, header: Uint8Array) {
    this.type = type;
    this.flags = flags;
    this.buf = Buffer.alloc(256);
    this.raw(header);
  }

  private reserve(n: number): number {
    const at = this.len;
    const need = at + align4(n);
    if (need > this.buf.length) {
      const bigger = Buffer.alloc(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    this.len = need;
    return at;
  }

  /** Append raw bytes (padded to 4), e.g. the ifinfomsg inside VETH_INFO_PEER. */
  raw(data: Uint8Array): this {
    const at = this.reserve(data.length);
    this.buf.set(data, at);
    return this;
  }

  /** Append an attribute with an arbitrary value. */
  bytes(type: number, value: Uint8Array): this {
    const at = this.reserve(4 + value.length);
    this.buf.writeUInt16LE(4 + value.length, at);
    this.buf.writeUInt16LE(type, at + 2);
    this.buf.set(value, at + 4);
    return this;
  }

  /** Append an 8-bit attribute. */
  u8(type: number, value: number): this {
    return this.bytes(type, Uint8Array.of(value));
  }

  /** Append a 16-bit (host order) attribute. */
  u16(type: number, value: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(value);
    return this.bytes(type, b);
  }

  /** Append a 32-bit (host order) attribute. */
  u32(type: number, value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    return this.bytes(type, b);
  }

  /** Append a NUL-terminated string attribute. */
  str(type: number, value: string): this {
    return this.bytes(type, Buffer.from(`${value}\0`, "utf8"));
  }

  /**
   * Open a nested attribute; close it with {@link end}.
   *
   * @param flagNested set NLA_F_NESTED on the type (the kernel's strict
   *   policies want it on new attributes; old ones accept either)
   */
  begin(type: number, flagNested = true): this {
    const at = this.reserve(4);
    this.buf.writeUInt16LE(flagNested ? type | NLA_F_NESTED : type, at + 2);
    this.open.push(at);
    return this;
  }

  /** Close the innermost nested attribute. */
  end(): this {
    const at = this.open.pop();
    if (at === undefined) throw new Error("MessageBuilder.end() without begin()");
    this.buf.writeUInt16LE(this.len - at, at);
    return this;
  }

  /**
   * Write the header and return the finished message (a view of the
   * internal buffer).
   *
   * @param seq the sequence number
   * @param extraFlags flags the socket adds (NLM_F_REQUEST, NLM_F_ACK)
   */
  finish(seq: number, extraFlags: number): Buffer {
    if (this.open.length) throw new Error("MessageBuilder.finish() with an open nested attribute");
    this.buf.writeUInt32LE(this.len, 0);
    this.buf.writeUInt16LE(this.type, 4);
    this.buf.writeUInt16LE(this.flags | extraFlags, 6);
    this.buf.writeUInt32LE(seq >>> 0, 8);
    this.buf.writeUInt32LE(0, 12);
    return this.buf.subarray(0, this.len);
  }
}

/** One received netlink message; `payload` is a view after the header. */
export interface NlMessage {
  type: number;
  flags: number;
  seq: number;
  payload: Buffer;
}

/** Split a received datagram into messages (views, no copies). */
export function splitMessages(buf: Buffer, length: number): NlMessage[] {
  const out: NlMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > length) break;
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Call `fn` for every attribute in `buf` from `start` to its end; the type has the flag bits masked off. */
export function forEachAttr(buf: Buffer, start: number, fn: (type: number, value: Buffer) => void): void {
  let off = start;
  while (off + 4 <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > buf.length) break;
    fn(buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, buf.subarray(off + 4, off + len));
    off += align4(len);
  }
}

/** The attributes in `buf` from `start`, last one winning on repeats. */
export function parseAttrs(buf: Buffer, start = 0): Map<number, Buffer> {
  const attrs = new Map<number, Buffer>();
  forEachAttr(buf, start, (type, value) => attrs.set(type, value));
  return attrs;
}

/** A string attribute without its trailing NUL. */
export function attrString(value: Buffer | undefined): string | undefined {
  if (!value) return undefined;
  const nul = value.indexOf(0);
  return value.toString("utf8", 0, nul < 0 ? value.length : nul);
}

/** A 32-bit attribute, or undefined when absent or short. */
export function attrU32(value: Buffer | undefined): number | undefined {
  return value && value.length >= 4 ? value.readUInt32LE(0) : undefined;
}

/** An 8-bit attribute, or undefined when absent. */
export function attrU8(value: Buffer | undefined): number | undefined {
  return value && value.length >= 1 ? value[0] : undefined;
}

/** The decoded payload of an NLMSG_ERROR message. */
export interface NlError {
  /** Positive errno, 0 for a plain ack. */
  errno: number;
  /** The kernel's extended-ack text, when it sent one. */
  extack: string | undefined;
}

/**
 * Decode an NLMSG_ERROR payload: the negative errno, the echoed request
 * (just its header when NLM_F_CAPPED), then extended-ack TLVs.
 */
export function parseNlError(payload: Buffer, flags: number): NlError {
  const errno = payload.length >= 4 ? -payload.readInt32LE(0) || 0 : 0;
  let extack: string | undefined;
  if (flags & NLM_F_ACK_TLVS && payload.length >= 4 + NLMSG_HDRLEN) {
    const echoed = flags & NLM_F_CAPPED ? NLMSG_HDRLEN : payload.readUInt32LE(4);
    const start = 4 + align4(echoed);
    if (start <= payload.length) {
      forEachAttr(payload, start, (type, value) => {
        if (type === NLMSGERR_ATTR_MSG) extack = attrString(value) || undefined;
      });
    }
  }
  return { errno, extack };
}
