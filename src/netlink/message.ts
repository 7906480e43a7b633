/**
 * Pure netlink framing: a builder for request messages (header, fixed
 * family struct, attributes, nested attributes) on the `netlink` package's
 * generic layer (netlink/dist/structs: header size, alignment, host-order
 * writers and value decoders), and readers for the kernel's replies. No I/O here;
 * src/netlink/socket.ts sends and receives.
 *
 * Only that module of the package is bundled: its typed rtnetlink codecs
 * (netlink/dist/rt/gen_structs and rt/ifla) cost more to load than an ADD may
 * grow (BENCHMARKS.md, "Library adoption"), so the family structs and the
 * attribute numbers stay ours (./link-codec.ts, ./address-codec.ts,
 * ./route-codec.ts, ./bridge-port.ts, ./constants.ts).
 *
 * @module
 */
import * as structs from "netlink/dist/structs.js";
import { NLA_F_NESTED, NLA_TYPE_MASK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSGERR_ATTR_MSG } from "./constants.ts";

// Read once: the bundle reaches a CommonJS module's exports through a getter
// at every use, and these run for every attribute (BENCHMARKS.md, "Ninth pass").
const { getString, getU32, getU8, HEADER_LENGTH, padding, writeU16, writeU32, writeU8 } = structs;

/**
 * A little-endian 16-bit field of a message being parsed (netlink uses the
 * host's order; every architecture cni-ts builds for is little-endian).
 * Plain indexing: `Buffer#readUInt16LE` validates its offset at each call,
 * and the loops below have checked their bounds already.
 */
const readU16 = (buf: Buffer, off: number): number => buf[off]! | (buf[off + 1]! << 8);

/** Size of `struct nlmsghdr`. */
const NLMSG_HDRLEN: number = HEADER_LENGTH;

/** Round `n` up to netlink's 4-byte alignment. */
function align4(n: number): number {
  return n + padding(n);
}

/** Size of an attribute header (`struct nlattr`). */
const NLA_HDRLEN = 4;

/**
 * Builds one netlink request into a single growing Buffer, written in place
 * with the package's host-order writers: the package's `formatAttribute` /
 * `put*` helpers allocate a Buffer per header, value and padding, which
 * BENCHMARKS.md ("Library adoption") measured on every ADD and DEL. The
 * header is written by {@link finish} once the socket has chosen a
 * sequence number.
 *
 * @example
 * const msg = new MessageBuilder(RTM_NEWLINK, NLM_F_CREATE, new Uint8Array(16)).str(IFLA_IFNAME, "br0");
 */
export class MessageBuilder {
  /** Message type (RTM_*). */
  readonly type: number;
  /** Flags besides NLM_F_REQUEST / NLM_F_ACK, which the socket adds. */
  readonly flags: number;
  /** Zero-filled, so padding needs no writes. */
  private buf: Buffer = Buffer.alloc(256);
  /** End of what is written so far (always 4-aligned between calls). */
  private length = NLMSG_HDRLEN;
  /** Offsets of the headers of the nested attributes still open. */
  private readonly open: number[] = [];

  /**
   * @param type the RTM_* message type
   * @param flags NLM_F_* flags such as NLM_F_CREATE | NLM_F_EXCL or NLM_F_DUMP
   * @param header the family struct (ifinfomsg, ifaddrmsg, rtmsg ...)
   */
  constructor(type: number, flags: number, header: Uint8Array) {
    this.type = type;
    this.flags = flags;
    this.raw(header);
  }

  /** Room for `n` more bytes and their padding; returns where they start. May replace `buf`: read it after. */
  private reserve(n: number): number {
    const at = this.length;
    const needed = at + align4(n);
    if (needed > this.buf.length) {
      const grown = Buffer.alloc(Math.max(needed, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, at);
      this.buf = grown;
    }
    this.length = needed;
    return at;
  }

  /** Write an attribute header for `valueLength` bytes of value; returns where the value goes. */
  private header(type: number, valueLength: number): number {
    const length = NLA_HDRLEN + valueLength;
    if (length >= 0x10000) throw new Error(`Maximum attribute length exceeded (${length})`);
    const at = this.reserve(length);
    writeU16.call(this.buf, length, at);
    writeU16.call(this.buf, type & NLA_TYPE_MASK, at + 2);
    return at + NLA_HDRLEN;
  }

  /** Append raw bytes (padded to 4), e.g. the ifinfomsg inside VETH_INFO_PEER. */
  raw(data: Uint8Array): this {
    const at = this.reserve(data.length);
    this.buf.set(data, at);
    return this;
  }

  /** Append an attribute with an arbitrary value. */
  bytes(type: number, value: Uint8Array): this {
    const at = this.header(type, value.length);
    this.buf.set(value, at);
    return this;
  }

  /** Append an 8-bit attribute. */
  u8(type: number, value: number): this {
    const at = this.header(type, 1);
    writeU8.call(this.buf, value, at);
    return this;
  }

  /** Append a 16-bit (host order) attribute. */
  u16(type: number, value: number): this {
    const at = this.header(type, 2);
    writeU16.call(this.buf, value, at);
    return this;
  }

  /** Append a 32-bit (host order) attribute. */
  u32(type: number, value: number): this {
    const at = this.header(type, 4);
    writeU32.call(this.buf, value >>> 0, at);
    return this;
  }

  /** Append a NUL-terminated string attribute (UTF-8, as the package's `putString`). */
  str(type: number, value: string): this {
    const length = Buffer.byteLength(value);
    const at = this.header(type, length + 1);
    this.buf.write(value, at, length);
    return this;
  }

  /**
   * Open a nested attribute; close it with {@link end}.
   *
   * @param flagNested set NLA_F_NESTED on the type (the kernel's strict
   *   policies want it on new attributes; old ones accept either)
   */
  begin(type: number, flagNested = true): this {
    const at = this.header(type, 0) - NLA_HDRLEN;
    if (flagNested) writeU16.call(this.buf, (type & NLA_TYPE_MASK) | NLA_F_NESTED, at + 2);
    this.open.push(at);
    return this;
  }

  /** Close the innermost nested attribute. */
  end(): this {
    const at = this.open.pop();
    if (at === undefined) throw new Error("MessageBuilder.end() without begin()");
    const length = this.length - at;
    if (length >= 0x10000) throw new Error(`Maximum attribute length exceeded (${length})`);
    writeU16.call(this.buf, length, at);
    return this;
  }

  /**
   * Write the header and return the finished message.
   *
   * @param seq the sequence number
   * @param extraFlags flags the socket adds (NLM_F_REQUEST, NLM_F_ACK)
   */
  finish(seq: number, extraFlags: number): Buffer {
    if (this.open.length) throw new Error("MessageBuilder.finish() with an open nested attribute");
    const message = this.buf.subarray(0, this.length);
    writeU32.call(message, this.length, 0);
    writeU16.call(message, this.type, 4);
    writeU16.call(message, this.flags | extraFlags, 6);
    writeU32.call(message, seq >>> 0, 8);
    writeU32.call(message, 0, 12);
    return message;
  }
}

/** One received netlink message; `payload` is a view after the header. */
export interface NlMessage {
  type: number;
  flags: number;
  seq: number;
  payload: Buffer;
}

/**
 * Split a received datagram into messages (views, no copies).
 *
 * @throws {Error} when a message is cut: the socket would otherwise wait forever for its ack
 */
export function splitMessages(buf: Buffer, length: number): NlMessage[] {
  const out: NlMessage[] = [];
  for (let off = 0; off < length; ) {
    const len = off + NLMSG_HDRLEN <= length ? buf.readUInt32LE(off) : 0;
    if (len < NLMSG_HDRLEN || off + len > length) throw new Error(`Invalid header length (${len})`);
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

/**
 * Call `visit` with the type (flag bits masked off), offset and length of
 * every attribute in `buf` from `start` to its end: the one walk of the
 * attribute headers that both readers below share. Our loop rather than the
 * package's `parseAttributes`, which slices the rest of the buffer and
 * allocates a record per attribute: measurable over the link and route
 * dumps of an ADD.
 *
 * @throws {Error} on an attribute whose length runs past `buf`
 */
function walkAttrs(buf: Buffer, start: number, visit: (type: number, off: number, len: number) => void): void {
  for (let off = start; off + 4 <= buf.length; ) {
    const len = readU16(buf, off);
    if (len < 4 || off + len > buf.length) throw new Error(`Invalid attribute length (${len})`);
    visit(readU16(buf, off + 2) & NLA_TYPE_MASK, off, len);
    off += align4(len);
  }
}

/** Call `fn` with the type and value of every attribute in `buf` from `start`, in order. */
export function forEachAttr(buf: Buffer, start: number, fn: (type: number, value: Buffer) => void): void {
  walkAttrs(buf, start, (type, off, len) => fn(type, buf.subarray(off + 4, off + len)));
}

/**
 * The attributes of a message, by type (last one winning on repeats). Only
 * where each starts is recorded: a link carries ~50 attributes and a reader
 * wants a handful, so a view of a value is made when it is asked for.
 * Making one for every attribute, in every link, address and route an ADD
 * reads, kept Node's Buffer constructor hot enough for V8 to optimise it in
 * every process (BENCHMARKS.md, "Ninth pass").
 */
export class Attrs {
  private readonly buf: Buffer;
  private readonly offsets = new Map<number, number>();

  /** @throws {Error} on an attribute whose length runs past `buf` */
  constructor(buf: Buffer, start: number) {
    this.buf = buf;
    walkAttrs(buf, start, (type, off) => this.offsets.set(type, off));
  }

  has(type: number): boolean {
    return this.offsets.has(type);
  }

  /** The value of attribute `type` (a view into the message), or undefined. */
  get(type: number): Buffer | undefined {
    const off = this.offsets.get(type);
    return off === undefined ? undefined : this.buf.subarray(off + 4, off + readU16(this.buf, off));
  }
}

/** The attributes in `buf` from `start`. */
export function parseAttrs(buf: Buffer, start = 0): Attrs {
  return new Attrs(buf, start);
}

/** A string attribute without its trailing NUL. */
export function attrString(value: Buffer | undefined): string | undefined {
  return value && getString(value);
}

/** A 32-bit attribute, or undefined when absent. */
export function attrU32(value: Buffer | undefined): number | undefined {
  return value && getU32(value);
}

/** An 8-bit attribute, or undefined when absent. */
export function attrU8(value: Buffer | undefined): number | undefined {
  return value && getU8(value);
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
