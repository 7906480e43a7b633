/**
 * nf_tables rule expressions as netlink attributes, shared by the rules
 * cni-ts sends over nfnetlink: an address match (`ip saddr`/`daddr`
 * ADDR/PLEN, optionally negated), a counter and an immediate verdict.
 * Addresses are matched the way iptables-nft encodes `-s`/`-d`: a prefix on
 * a byte boundary loads only its whole bytes, any other loads the whole
 * address through a `bitwise` mask; then a `cmp`. Pure.
 *
 * @module
 */
import type { MessageBuilder } from "../netlink/message.ts";
import { parseIp } from "../ip/ip-bytes.ts";
import { be32, be64, NFTA_EXPR_DATA, NFTA_EXPR_NAME, NFTA_LIST_ELEM } from "./nft-wire.ts";

const NFT_REG_VERDICT = 0;
const NFT_REG_1 = 1;
const NFT_PAYLOAD_NETWORK_HEADER = 1;
const NFT_CMP_EQ = 0;
const NFT_CMP_NEQ = 1;

/** Verdict codes (uapi linux/netfilter.h and nf_tables.h). */
export const NF_ACCEPT = 1;
export const NFT_JUMP = -3;
export const NFT_RETURN = -5;

/** One expression: its name and, in NFTA_EXPR_DATA, what `data` writes. */
export function expression(msg: MessageBuilder, name: string, data: (m: MessageBuilder) => void): void {
  msg.begin(NFTA_LIST_ELEM).str(NFTA_EXPR_NAME, name).begin(NFTA_EXPR_DATA);
  data(msg);
  msg.end().end();
}

/** A value in an NFTA_DATA_VALUE nest. */
function dataValue(msg: MessageBuilder, type: number, value: Uint8Array): void {
  msg.begin(type).bytes(1 /* NFTA_DATA_VALUE */, value).end();
}

/**
 * Match the source or destination address against `cidr` (`!=` with `negate`).
 * The prefix must not be 0 (there would be nothing to load).
 */
export function addressMatch(msg: MessageBuilder, family: 4 | 6, field: "source" | "destination", cidr: string, negate: boolean): void {
  const [text, plen] = cidr.split("/") as [string, string];
  const address = parseIp(text)!;
  const prefix = Number(plen);
  const mask = address.map((_, i) => (0xff << (8 - Math.max(0, Math.min(8, prefix - i * 8)))) & 0xff);
  const partialByte = prefix % 8 !== 0;
  const length = partialByte ? address.length : prefix / 8;
  const offset = family === 4 ? (field === "source" ? 12 : 16) : field === "source" ? 8 : 24;
  expression(msg, "payload", (m) => {
    m.bytes(1 /* DREG */, be32(NFT_REG_1)).bytes(2 /* BASE */, be32(NFT_PAYLOAD_NETWORK_HEADER));
    m.bytes(3 /* OFFSET */, be32(offset)).bytes(4 /* LEN */, be32(length));
  });
  if (partialByte) {
    expression(msg, "bitwise", (m) => {
      m.bytes(1 /* SREG */, be32(NFT_REG_1)).bytes(2 /* DREG */, be32(NFT_REG_1)).bytes(3 /* LEN */, be32(length));
      dataValue(m, 4 /* MASK */, mask);
      dataValue(m, 5 /* XOR */, new Uint8Array(length));
    });
  }
  expression(msg, "cmp", (m) => {
    m.bytes(1 /* SREG */, be32(NFT_REG_1)).bytes(2 /* OP */, be32(negate ? NFT_CMP_NEQ : NFT_CMP_EQ));
    dataValue(
      m,
      3 /* DATA */,
      address.subarray(0, length).map((b, i) => b & mask[i]!),
    );
  });
}

/** A packet and byte counter starting at zero. */
export function counter(msg: MessageBuilder): void {
  expression(msg, "counter", (m) => m.bytes(1 /* BYTES */, be64(0n)).bytes(2 /* PACKETS */, be64(0n)));
}

/** An immediate verdict (`chain` for a jump or goto). */
export function verdict(msg: MessageBuilder, code: number, chain?: string): void {
  expression(msg, "immediate", (m) => {
    m.bytes(1 /* DREG */, be32(NFT_REG_VERDICT)).begin(2 /* DATA */).begin(2 /* NFTA_DATA_VERDICT */);
    m.bytes(1 /* CODE */, be32(code));
    if (chain !== undefined) m.str(2 /* CHAIN */, chain);
    m.end().end();
  });
}
