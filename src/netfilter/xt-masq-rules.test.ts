import { expect, test } from "vitest";
import { parseMasqAddress } from "./masq-address.ts";
import { attrList, attrMap, attrText, NFTA_EXPR_NAME, NFTA_RULE_CHAIN, NFTA_RULE_EXPRESSIONS } from "./nft-wire.ts";
import { parseDumpedRule, xtCommentFits, xtMasqSetup, xtMasqTeardown } from "./xt-masq-rules.ts";

/** The payload (after nlmsghdr) of a built message. */
const payload = (msg: { finish(seq: number, flags: number): Buffer }) => Buffer.from(msg.finish(1, 0).subarray(16));

/** Expression names of a NEWRULE payload, in order. */
function expressionNames(p: Buffer): string[] {
  return attrList(attrMap(p, 4).get(NFTA_RULE_EXPRESSIONS)!).map(([, elem]) => attrText(attrMap(elem).get(NFTA_EXPR_NAME))!);
}

test("xtMasqSetup() makes the chain, ACCEPT per network, MASQUERADE, then one POSTROUTING jump per address", () => {
  const messages = xtMasqSetup({ chain: "CNI-x", comment: "c", family: 4, addresses: ["10.1.0.2/24", "10.2.0.2/20"].map(parseMasqAddress) });
  expect(messages.map((m) => m.type & 0xff)).toEqual([3, 6, 6, 6, 6, 6]); // NEWCHAIN, then NEWRULEs
  const rules = messages.slice(1).map(payload);
  expect(rules.map((p) => attrText(attrMap(p, 4).get(NFTA_RULE_CHAIN)))).toEqual(["CNI-x", "CNI-x", "CNI-x", "POSTROUTING", "POSTROUTING"]);
  // A byte-aligned prefix loads only its bytes; any other goes through a mask, as iptables-nft does.
  expect(expressionNames(rules[0]!)).toEqual(["payload", "cmp", "match", "counter", "immediate"]);
  expect(expressionNames(rules[1]!)).toEqual(["payload", "bitwise", "cmp", "match", "counter", "immediate"]);
  expect(expressionNames(rules[2]!)).toEqual(["payload", "bitwise", "cmp", "match", "counter", "target"]);
  expect(parseDumpedRule(rules[3]!).jumpsTo).toBe("CNI-x");
  expect(parseDumpedRule(rules[0]!).jumpsTo).toBeUndefined(); // ACCEPT: a verdict without a chain
});

test("xtMasqTeardown() deletes the jumps by handle, then the chain's rules and the chain", () => {
  const messages = xtMasqTeardown(6, "CNI-x", [5n, 9n]);
  expect(messages.map((m) => m.type & 0xff)).toEqual([8, 8, 8, 5]);
  expect(messages.map((m) => Buffer.from(m.finish(1, 0))[16])).toEqual([10, 10, 10, 10]); // family ip6
});

test("xtCommentFits() follows iptables' 255-byte comment limit", () => {
  expect(xtCommentFits("x".repeat(255))).toBe(true);
  expect(xtCommentFits("x".repeat(256))).toBe(false);
  expect(xtCommentFits("é".repeat(128))).toBe(false); // bytes, not characters
});
