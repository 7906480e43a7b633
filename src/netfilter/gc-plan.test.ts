import { describe, expect, test } from "vitest";
import { planIptablesGc, planNftMasqGc, planSpoofGc } from "./gc-plan.ts";
import { parseIptablesListing } from "./iptables-script.ts";
import { iptablesChainName, nftMasqComment } from "./names.ts";
import { parseNftListing } from "./nft-listing.ts";

function iptRules(net: string, cid: string, ip: string): string[] {
  const chain = iptablesChainName(net, cid);
  const c = `-m comment --comment "name: \\"${net}\\" id: \\"${cid}\\""`;
  return [`-N ${chain}`, `-A POSTROUTING -s ${ip}/32 ${c} -j ${chain}`, `-A ${chain} -d 10.0.0.0/8 ${c} -j ACCEPT`];
}

describe("planIptablesGc()", () => {
  test("removes only this network's chains that are not valid", () => {
    const listing = parseIptablesListing(
      [...iptRules("net", "keep", "10.0.0.2"), ...iptRules("net", "gone", "10.0.0.3"), ...iptRules("net2", "gone", "10.0.0.4")].join("\n"),
    );
    const plan = planIptablesGc(listing, "net", [{ containerId: "keep", ifName: "eth0" }]);
    expect(plan.chains).toEqual([iptablesChainName("net", "gone")]);
    expect(plan.jumps.map((j) => j.line)).toEqual([iptRules("net", "gone", "10.0.0.3")[1]]);
  });
  test("a network whose name prefixes another's is not confused with it", () => {
    const listing = parseIptablesListing(iptRules("net2", "x", "10.0.0.4").join("\n"));
    expect(planIptablesGc(listing, "net", []).chains).toEqual([]);
  });
});

function nftRule(handle: number, comment: string, chain = "masq_checks", expr: unknown[] = []) {
  return { rule: { family: "inet", table: "t", chain, handle, comment, expr } };
}

test("planNftMasqGc() keeps valid attachments and other networks", () => {
  const listing = parseNftListing(
    JSON.stringify({
      nftables: [
        nftRule(1, nftMasqComment("net", "eth0", "keep")),
        nftRule(2, nftMasqComment("net", "eth1", "keep")),
        nftRule(3, nftMasqComment("net2", "eth0", "gone")),
        nftRule(4, nftMasqComment("net", "eth0", "gone")),
      ],
    }),
  );
  expect(planNftMasqGc(listing, "net", [{ containerId: "keep", ifName: "eth0" }]).map((r) => r.handle)).toEqual([2, 4]);
});

test("planSpoofGc() spares valid attachments and live veths on other bridges", () => {
  const pre = (handle: number, ref: string, veth: string) =>
    nftRule(handle, `macspoofchk-${ref}`, "PREROUTING", [
      { match: { op: "==", left: { meta: { key: "iifname" } }, right: veth } },
      { jump: { target: `cni-br-iface-${ref}` } },
    ]);
  const listing = parseNftListing(
    JSON.stringify({
      nftables: [pre(1, "keep-eth0", "vethA"), pre(2, "gone-eth0", "vethB"), pre(3, "other-eth0", "vethC"), pre(4, "live-eth0", "vethD")],
    }),
  );
  const state = { vethA: "on-bridge", vethB: "missing", vethC: "elsewhere", vethD: "on-bridge" } as const;
  const plan = planSpoofGc(listing, [{ containerId: "keep", ifName: "eth0" }], (v) => state[v as keyof typeof state]);
  expect(plan).toEqual([
    { ifaceChain: "cni-br-iface-gone-eth0", macChain: "cni-br-iface-gone-eth0-mac", comment: "macspoofchk-gone-eth0" },
    { ifaceChain: "cni-br-iface-live-eth0", macChain: "cni-br-iface-live-eth0-mac", comment: "macspoofchk-live-eth0" },
  ]);
});
