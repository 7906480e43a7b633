import { expect, test } from "vitest";
import { spoofNames } from "./names.ts";
import { renderSpoofSetup, renderSpoofTeardown } from "./spoof-script.ts";

const names = spoofNames("ctr1", "eth0");

test("renderSpoofSetup() is one JSON transaction with the reference's objects", () => {
  const doc = JSON.parse(renderSpoofSetup({ names, hostVeth: "veth9f09820d", mac: "c6:20:a1:ee:75:5b", staleHandles: [4] }));
  const cmds = doc.nftables as Record<string, any>[];
  expect(cmds[0]!).toEqual({ add: { table: { family: "bridge", name: "nat" } } });
  expect(cmds[1]!.add.chain).toEqual({
    family: "bridge",
    table: "nat",
    name: "PREROUTING",
    type: "filter",
    hook: "prerouting",
    prio: -300,
    policy: "accept",
  });
  expect(cmds.slice(2, 6).map((c) => Object.keys(c)[0] + " " + Object.values(c)[0].chain.name)).toEqual([
    "add cni-br-iface-ctr1-eth0",
    "add cni-br-iface-ctr1-eth0-mac",
    "flush cni-br-iface-ctr1-eth0",
    "flush cni-br-iface-ctr1-eth0-mac",
  ]);
  expect(cmds[6]).toEqual({ delete: { rule: { family: "bridge", table: "nat", chain: "PREROUTING", handle: 4 } } });
  const rules = cmds.slice(7).map((c) => c.add.rule);
  expect(rules.map((r) => [r.chain, r.comment])).toEqual([
    ["PREROUTING", "macspoofchk-ctr1-eth0"],
    ["cni-br-iface-ctr1-eth0", "macspoofchk-ctr1-eth0"],
    ["cni-br-iface-ctr1-eth0-mac", "macspoofchk-ctr1-eth0"],
    ["cni-br-iface-ctr1-eth0-mac", "macspoofchk-ctr1-eth0"],
  ]);
  // Same expressions nft -j printed for the reference's rules.
  expect(rules[0].expr).toEqual([
    { match: { op: "==", left: { meta: { key: "iifname" } }, right: "veth9f09820d" } },
    { jump: { target: "cni-br-iface-ctr1-eth0" } },
  ]);
  expect(rules[2].expr).toEqual([
    { match: { op: "==", left: { payload: { protocol: "ether", field: "saddr" } }, right: "c6:20:a1:ee:75:5b" } },
    { return: null },
  ]);
  expect(rules[3].expr).toEqual([{ drop: null }]);
});

test("renderSpoofTeardown() deletes rules before chains, and nothing when empty", () => {
  expect(renderSpoofTeardown({ baseHandles: [], chains: [] })).toBeUndefined();
  const cmds = JSON.parse(renderSpoofTeardown({ baseHandles: [4], chains: [names.ifaceChain, names.macChain] })!).nftables;
  expect(cmds.map((c: Record<string, any>) => Object.keys(c)[0])).toEqual(["delete", "flush", "flush", "delete", "delete"]);
  expect(cmds[0].delete.rule.handle).toBe(4);
  expect(cmds[4].delete.chain.name).toBe("cni-br-iface-ctr1-eth0-mac");
});
