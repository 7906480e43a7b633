import { expect, test } from "vitest";
import { EGRESS_COMMENT, iptablesEgressScript, nftEgressDelete, nftEgressReplace, nftEgressRuleCount } from "./egress-rules.ts";
import { attrList, attrMap, attrText, NFTA_EXPR_NAME, NFTA_RULE_EXPRESSIONS } from "./nft-wire.ts";

const payload = (msg: { finish(seq: number, flags: number): Buffer }) => Buffer.from(msg.finish(1, 0).subarray(16));
const expressionNames = (p: Buffer) => attrList(attrMap(p, 4).get(NFTA_RULE_EXPRESSIONS)!).map(([, elem]) => attrText(attrMap(elem).get(NFTA_EXPR_NAME))!);

const rules = { family: 4 as const, source: "10.244.1.0/24", exempt: ["10.244.0.0/16", "224.0.0.0/4"] };

test("the nftables batch replaces the table: add, delete, add, the nat chain, then the rules", () => {
  const messages = nftEgressReplace(rules);
  // NEWTABLE, DELTABLE, NEWTABLE, NEWCHAIN, then one NEWRULE per rule
  expect(messages.map((m) => m.type & 0xff)).toEqual([0, 2, 0, 3, 6, 6, 6, 6]);
  expect(messages.length - 4).toBe(nftEgressRuleCount(rules));
  const [notOurs, cluster, multicast, masq] = messages.slice(4).map(payload);
  expect(expressionNames(notOurs!)).toEqual(["payload", "cmp", "immediate"]); // /24: three bytes, no mask
  expect(expressionNames(cluster!)).toEqual(["payload", "cmp", "immediate"]);
  expect(expressionNames(multicast!)).toEqual(["payload", "bitwise", "cmp", "immediate"]); // /4: masked
  expect(expressionNames(masq!)).toEqual(["counter", "masq"]);
  expect(nftEgressReplace({ ...rules, family: 6, source: "fd00::/64", exempt: [] }).map((m) => Buffer.from(m.finish(1, 0))[16])).toEqual(Array(6).fill(10));
});

test("the nftables removal works whether or not the table exists (created, then deleted)", () => {
  expect(nftEgressDelete(6).map((m) => m.type & 0xff)).toEqual([0, 2]);
});

test("the iptables script refills our chain and adds the POSTROUTING jump only once", () => {
  const fresh = iptablesEgressScript(rules, []);
  expect(fresh).toBe(
    [
      "*nat",
      ":CNI-TS-EGRESS - [0:0]",
      "-A CNI-TS-EGRESS ! -s 10.244.1.0/24 -j RETURN",
      "-A CNI-TS-EGRESS -d 10.244.0.0/16 -j RETURN",
      "-A CNI-TS-EGRESS -d 224.0.0.0/4 -j RETURN",
      "-A CNI-TS-EGRESS -j MASQUERADE",
      `-A POSTROUTING -m comment --comment "${EGRESS_COMMENT}" -j CNI-TS-EGRESS`,
      "COMMIT",
      "",
    ].join("\n"),
  );
  const jump = { chain: "POSTROUTING", line: `-A POSTROUTING -m comment --comment "x" -j CNI-TS-EGRESS` };
  const again = iptablesEgressScript(rules, [jump, jump]);
  expect(again).not.toContain("-A POSTROUTING");
  expect(again).toContain(`-D POSTROUTING -m comment --comment "x" -j CNI-TS-EGRESS`);
});
