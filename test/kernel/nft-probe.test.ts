import { execFileSync } from "node:child_process";
import { afterEach, beforeEach, expect, it } from "vitest";
import { withNetns } from "../../src/netns/netns.ts";
import { iptablesIsNft, nftChainExists, nftTableExists } from "../../src/netfilter/nft-probe.ts";
import { createNetns, type TestNetns } from "../helpers/netns.ts";

let node: TestNetns;
beforeEach(() => {
  node = createNetns("nftprobe");
});
afterEach(() => {
  node.remove();
});

const nft = (script: string) => execFileSync("ip", ["netns", "exec", node.name, "nft", "-f", "-"], { input: script });

it("nftTableExists / nftChainExists see what nft and iptables-nft create in the namespace", () => {
  const probe = () =>
    withNetns(node.path, () => ({
      table: nftTableExists("inet", "cnits_probe"),
      chain: nftChainExists("inet", "cnits_probe", "cnits_chain"),
      otherFamily: nftTableExists("ip", "cnits_probe"),
      natChain: nftChainExists("ip", "nat", "CNI-cnitsprobe"),
    }));
  expect(probe()).toEqual({ table: false, chain: false, otherFamily: false, natChain: false });

  nft("add table inet cnits_probe\n");
  expect(probe()).toEqual({ table: true, chain: false, otherFamily: false, natChain: false });

  nft("add chain inet cnits_probe cnits_chain\n");
  expect(probe()).toMatchObject({ table: true, chain: true });

  // The chain an iptables-nft `-N` makes is an nftables chain of `ip nat`.
  execFileSync("ip", ["netns", "exec", node.name, "iptables", "-w", "-t", "nat", "-N", "CNI-cnitsprobe"]);
  expect(probe()).toMatchObject({ natChain: iptablesIsNft("iptables") });
  // The host namespace never saw any of it.
  expect(nftTableExists("inet", "cnits_probe")).toBe(false);
});
