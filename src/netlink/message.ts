// Pure netlink framing, no I/O. Netlink uses the host's byte order, and every architecture
// cni-ts builds for (amd64, arm64) is little-endian: fields are read and written as LE.
import { NLA_F_NESTED, NLA_TYPE_MASK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSGERR_ATTR_MSG } from "./constants.ts";

// Plain indexing: `readUInt16LE` would re-check bounds the loops below have checked.
const readU16 = (buf: Buffer, off: number): number => buf[off]! | (buf[off + 1]! << 8);

/** Size of `struct nlmsghdr`. */
const NLMSG_HDRLEN = 16;

/** Round `n` up to netlink's 4-byte alignment. */
function align4(n: number): number {
  return (n + 3) & ~3;
}

const NLA_HDRLEN = 4;

/**
 * One request in a single growing Buffer, written in place. The header is written by
 * {@link finish} once the socket has chosen a sequence number.
 */
export class MessageBuilder {
  readonly type: number;
  /** Besides NLM_F_REQUEST / NLM_F_ACK, which the socket adds. */
  readonly flags: number;
  /** Zero-filled, so padding needs no writes. */
  private buf: Buffer = Buffer.alloc(256);
  private length = NLMSG_HDRLEN;
  /** Header offsets of the nested attributes still open. */
  private readonly open: number[] = [];

  /** @param header the family struct (ifinfomsg, ifaddrmsg, rtmsg ...) */
  constructor(type: number, flags: number, header: Uint8Array) {
    this.type = type;
    this.flags = flags;
    this.raw(header);
  }

  /** Room for `n` more bytes and their padding; returns where they start. May replace `buf`. */
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

  private header(type: number, valueLength: number): number {
    const length = NLA_HDRLEN + valueLength;
    if (length >= 0x10000) throw new Error(`Maximum attribute length exceeded (${length})`);
    const at = this.reserve(length);
    this.buf.writeUInt16LE(length, at);
    this.buf.writeUInt16LE(type & NLA_TYPE_MASK, at + 2);
    return at + NLA_HDRLEN;
  }

  /** Raw bytes (padded to 4), e.g. the ifinfomsg inside VETH_INFO_PEER. */
  raw(data: Uint8Array): this {
    const at = this.reserve(data.length);
    this.buf.set(data, at);
    return this;
  }

  bytes(type: number, value: Uint8Array): this {
    const at = this.header(type, value.length);
    this.buf.set(value, at);
    return this;
  }

  u8(type: number, value: number): this {
    const at = this.header(type, 1);
    this.buf.writeUInt8(value, at);
    return this;
  }

  u16(type: number, value: number): this {
    const at = this.header(type, 2);
    this.buf.writeUInt16LE(value, at);
    return this;
  }

  u32(type: number, value: number): this {
    const at = this.header(type, 4);
    this.buf.writeUInt32LE(value >>> 0, at);
    return this;
  }

  /** NUL-terminated UTF-8. */
  str(type: number, value: string): this {
    const length = Buffer.byteLength(value);
    const at = this.header(type, length + 1);
    this.buf.write(value, at, length);
    return this;
  }

  /** Open a nested attribute; NLA_F_NESTED is what strict kernel policies want on new attributes. */
  begin(type: number, flagNested = true): this {
    const at = this.header(type, 0) - NLA_HDRLEN;
    if (flagNested) this.buf.writeUInt16LE((type & NLA_TYPE_MASK) | NLA_F_NESTED, at + 2);
    this.open.push(at);
    return this;
  }

  end(): this {
    const at = this.open.pop();
    if (at === undefined) throw new Error("MessageBuilder.end() without begin()");
    const length = this.length - at;
    if (length >= 0x10000) throw new Error(`Maximum attribute length exceeded (${length})`);
    this.buf.writeUInt16LE(length, at);
    return this;
  }

  finish(seq: number, extraFlags: number): Buffer {
    if (this.open.length) throw new Error("MessageBuilder.finish() with an open nested attribute");
    const message = this.buf.subarray(0, this.length);
    message.writeUInt32LE(this.length, 0);
    message.writeUInt16LE(this.type, 4);
    message.writeUInt16LE(this.flags | extraFlags, 6);
    message.writeUInt32LE(seq >>> 0, 8);
    message.writeUInt32LE(0, 12);
    return message;
  }
}

/** `payload` is a view after the header. */
export interface NlMessage {
  type: number;
  flags: number;
  seq: number;
  payload: Buffer;
}

/** @throws {Error} when a message is cut: the socket would otherwise wait forever for its ack */
export function splitMessages(buf: Buffer, length: number): NlMessage[] {
  const out: NlMessage[] = [];
  for (let off = 0; off < length;) {
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
 * Allocates nothing per attribute: an ADD walks every link and route the kernel dumps.
 * @throws {Error} on an attribute whose length runs past `buf`
 */
function walkAttrs(buf: Buffer, start: number, visit: (type: number, off: number, len: number) => void): void {
  for (let off = start; off + 4 <= buf.length;) {
    const len = readU16(buf, off);
    if (len < 4 || off + len > buf.length) throw new Error(`Invalid attribute length (${len})`);
    visit(readU16(buf, off + 2) & NLA_TYPE_MASK, off, len);
    off += align4(len);
  }
}

export function forEachAttr(buf: Buffer, start: number, fn: (type: number, value: Buffer) => void): void {
  walkAttrs(buf, start, (type, off, len) => fn(type, buf.subarray(off + 4, off + len)));
}

/**
 * Attributes by type, last one winning. Only offsets are kept: a link carries ~50 attributes
 * and a reader wants a handful, so a value's view is made when asked for.
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

  get(type: number): Buffer | undefined {
    const off = this.offsets.get(type);
    return off === undefined ? undefined : this.buf.subarray(off + 4, off + readU16(this.buf, off));
  }
}

export function parseAttrs(buf: Buffer, start = 0): Attrs {
  return new Attrs(buf, start);
}

/** @throws {Error} when the value is not NUL-terminated */
export function attrString(value: Buffer | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value[value.length - 1] !== 0) throw new Error("Not null terminated");
  return value.toString("utf8", 0, value.length - 1);
}

/** @throws {Error} unless `value` is exactly `size` bytes */
function fixed(value: Buffer, size: number): Buffer {
  if (value.length !== size) throw new Error(`Unexpected length (got ${value.length}, expected ${size})`);
  return value;
}

/** @throws {Error} when the value is not 4 bytes */
export function attrU32(value: Buffer | undefined): number | undefined {
  return value && fixed(value, 4).readUInt32LE(0);
}

/** @throws {Error} when the value is not 1 byte */
export function attrU8(value: Buffer | undefined): number | undefined {
  return value && fixed(value, 1)[0];
}

export interface NlError {
  /** Positive errno, 0 for a plain ack. */
  errno: number;
  extack: string | undefined;
}

/** NLMSG_ERROR payload: negative errno, the echoed request (its header if NLM_F_CAPPED), ack TLVs. */
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
