import { describe, expect, it } from "vitest";
import { NLA_F_NESTED, NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_REQUEST, NLMSG_ERROR } from "./constants.ts";
import { attrString, MessageBuilder, parseAttrs, parseNlError, splitMessages } from "./message.ts";

describe("MessageBuilder", () => {
  it("finish() writes the header and pads attributes to 4 bytes", () => {
    const msg = new MessageBuilder(16, 0x600, new Uint8Array(16))
      .str(3, "br0")
      .u8(7, 1)
      .u32(4, 1500)
      .finish(42, NLM_F_REQUEST | NLM_F_ACK);
    expect(msg.length).toBe(16 + 16 + 8 + 8 + 8);
    expect(msg.readUInt32LE(0)).toBe(msg.length);
    expect(msg.readUInt16LE(4)).toBe(16);
    expect(msg.readUInt16LE(6)).toBe(0x600 | NLM_F_REQUEST | NLM_F_ACK);
    expect(msg.readUInt32LE(8)).toBe(42);
    // "br0\0" = 4 bytes + 4 header = 8, no padding; u8 attr length 5 padded to 8
    expect(msg.readUInt16LE(32)).toBe(8);
    expect(msg.subarray(36, 40).toString()).toBe("br0\0");
    expect(msg.readUInt16LE(40)).toBe(5);
    const attrs = parseAttrs(msg.subarray(16), 16);
    expect(attrString(attrs.get(3))).toBe("br0");
    expect(attrs.get(7)![0]).toBe(1);
    expect(attrs.get(4)!.readUInt32LE(0)).toBe(1500);
  });

  it("begin()/end() nest attributes with NLA_F_NESTED and the right lengths", () => {
    const msg = new MessageBuilder(16, 0, new Uint8Array(16)).begin(18).str(1, "veth").begin(2).u32(9, 7).end().end().finish(1, 0);
    const outer = msg.readUInt16LE(32);
    expect(outer).toBe(msg.length - 32);
    expect(msg.readUInt16LE(34)).toBe(18 | NLA_F_NESTED);
    const linkinfo = parseAttrs(msg.subarray(16), 16).get(18)!;
    const inner = parseAttrs(linkinfo);
    expect(attrString(inner.get(1))).toBe("veth");
    expect(parseAttrs(inner.get(2)!).get(9)!.readUInt32LE(0)).toBe(7);
  });

  it("parseAttrs: the last of repeated attributes wins, absent ones are absent, a cut one throws", () => {
    const msg = new MessageBuilder(16, 0, new Uint8Array(16)).u32(4, 1).u32(4, 2).str(3, "x").finish(1, 0);
    const attrs = parseAttrs(msg.subarray(16), 16);
    expect(attrs.get(4)!.readUInt32LE(0)).toBe(2);
    expect(attrs.has(3)).toBe(true);
    expect(attrs.has(5)).toBe(false);
    expect(attrs.get(5)).toBeUndefined();
    expect(() => parseAttrs(msg.subarray(16, msg.length - 3), 16)).toThrow("Invalid attribute length");
  });

  it("grows past its initial buffer", () => {
    const b = new MessageBuilder(16, 0, new Uint8Array(16));
    for (let i = 0; i < 100; i++) b.u32(1, i);
    const msg = b.finish(1, 0);
    expect(msg.readUInt32LE(0)).toBe(16 + 16 + 100 * 8);
  });

  it("finish() refuses an unclosed nest", () => {
    expect(() => new MessageBuilder(16, 0, new Uint8Array(16)).begin(18).finish(1, 0)).toThrow(/open nested/);
  });
});

function errorMessage(errno: number, flags: number, extack?: string): Buffer {
  const echoed = new MessageBuilder(16, 0, new Uint8Array(16)).str(3, "x").finish(9, 0);
  const body = Buffer.alloc(4);
  body.writeInt32LE(-errno);
  const capped = flags & NLM_F_CAPPED ? echoed.subarray(0, 16) : echoed;
  const tlv = extack ? new MessageBuilder(0, 0, new Uint8Array(0)).str(1, extack).finish(0, 0).subarray(16) : Buffer.alloc(0);
  const payload = Buffer.concat([body, capped, tlv]);
  const header = Buffer.alloc(16);
  header.writeUInt32LE(16 + payload.length);
  header.writeUInt16LE(NLMSG_ERROR, 4);
  header.writeUInt16LE(flags, 6);
  header.writeUInt32LE(9, 8);
  return Buffer.concat([header, payload]);
}

describe("splitMessages() and parseNlError()", () => {
  it("decodes errno and extended-ack text, capped or not", () => {
    for (const flags of [NLM_F_ACK_TLVS, NLM_F_ACK_TLVS | NLM_F_CAPPED]) {
      const raw = errorMessage(95, flags, "Unknown device type");
      const [m] = splitMessages(raw, raw.length);
      expect(m).toMatchObject({ type: NLMSG_ERROR, seq: 9 });
      expect(parseNlError(m!.payload, m!.flags)).toEqual({ errno: 95, extack: "Unknown device type" });
    }
  });

  it("reads a plain ack as errno 0 and splits consecutive messages", () => {
    const two = Buffer.concat([errorMessage(0, NLM_F_CAPPED), errorMessage(17, 0)]);
    const msgs = splitMessages(two, two.length);
    expect(msgs.map((m) => parseNlError(m.payload, m.flags))).toEqual([
      { errno: 0, extack: undefined },
      { errno: 17, extack: undefined },
    ]);
    // A cut message is an error, not silence: the socket would otherwise wait forever for the dropped ack.
    expect(() => splitMessages(two, 10)).toThrow(/header length/);
  });
});
