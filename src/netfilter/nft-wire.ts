// nf_tables numbers from the kernel's uapi headers (linux/netfilter/nf_tables.h, nfnetlink.h).
// nf_tables integers are big-endian on the wire.
import { MessageBuilder } from "../netlink/message.ts";

export const NETLINK_NETFILTER = 12;
const NFNL_SUBSYS_NFTABLES = 10;
export const NFNL_MSG_BATCH_BEGIN = 0x10;
export const NFNL_MSG_BATCH_END = 0x11;

export const NFT_MSG_NEWTABLE = 0;
export const NFT_MSG_GETTABLE = 1;
export const NFT_MSG_NEWCHAIN = 3;
export const NFT_MSG_GETCHAIN = 4;
export const NFT_MSG_DELCHAIN = 5;
export const NFT_MSG_NEWRULE = 6;
export const NFT_MSG_GETRULE = 7;
export const NFT_MSG_DELRULE = 8;
export const NFT_MSG_GETGEN = 16;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;

export const NFTA_TABLE_NAME = 1;
export const NFTA_CHAIN_TABLE = 1;
export const NFTA_CHAIN_NAME = 3;
export const NFTA_RULE_TABLE = 1;
export const NFTA_RULE_CHAIN = 2;
export const NFTA_RULE_HANDLE = 3;
export const NFTA_RULE_EXPRESSIONS = 4;
export const NFTA_LIST_ELEM = 1;
export const NFTA_EXPR_NAME = 1;
export const NFTA_EXPR_DATA = 2;

export type NftFamily = "ip" | "ip6" | "inet" | "bridge";
const FAMILY: Record<NftFamily, number> = { inet: 1, ip: 2, bridge: 7, ip6: 10 };

export function nftMessage(msgType: number, flags: number, family: NftFamily | "unspec"): MessageBuilder {
  // nfgenmsg: family, version 0, resource id 0.
  return new MessageBuilder((NFNL_SUBSYS_NFTABLES << 8) | msgType, flags, Uint8Array.of(family === "unspec" ? 0 : FAMILY[family], 0, 0, 0));
}

/** nfgenmsg with the nftables subsystem as resource id (big-endian). */
export function batchDelimiter(msgType: typeof NFNL_MSG_BATCH_BEGIN | typeof NFNL_MSG_BATCH_END): MessageBuilder {
  return new MessageBuilder(msgType, 0, Uint8Array.of(0, 0, 0, NFNL_SUBSYS_NFTABLES));
}

export function be32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b;
}

export function be64(value: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(value);
  return b;
}

/** [type without flag bits, value view] in order. */
export function attrList(buf: Buffer, start = 0): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  let off = start;
  while (off + 4 <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > buf.length) break;
    out.push([buf.readUInt16LE(off + 2) & 0x3fff, buf.subarray(off + 4, off + len)]);
    off += (len + 3) & ~3;
  }
  return out;
}

/** The last of a repeated type wins. */
export function attrMap(buf: Buffer, start = 0): Map<number, Buffer> {
  return new Map(attrList(buf, start));
}

export function attrText(value: Buffer | undefined): string | undefined {
  if (!value) return undefined;
  const nul = value.indexOf(0);
  return value.toString("utf8", 0, nul < 0 ? value.length : nul);
}
