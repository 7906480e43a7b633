// The node agent's egress masquerade rules in a throwaway node namespace,
// both backends: what the kernel holds after an apply, that a drift (a rule
// added, a chain flushed, a changed plan) is seen, that applying again never
// duplicates, and that removal leaves nothing, present or not.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { useScratch } from "../helpers/netns.ts";
import { mustInNode, natRules } from "./harness.ts";

const plans = [
  { family: 4, source: "10.244.1.0/24", exempt: ["10.244.0.0/16", "224.0.0.0/4"] },
  { family: 6, source: "fd00:10:244:1::/64", exempt: ["fd00:10:244::/56", "ff00::/8"] },
];

describe("egress masquerade rules", () => {
  const scratch = useScratch("egress");

  /** `nft list table` of ours as its rule lines, or undefined without the table. */
  function nftRulesText(family: "ip" | "ip6"): string[] | undefined {
    const run = spawnSync("ip", ["netns", "exec", scratch.netns.name, "nft", "list", "table", family, "cni_ts_egress"], { encoding: "utf8" });
    if (run.status !== 0) return undefined;
    return run.stdout
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => / return$|masquerade$|^type nat/.test(l));
  }

  it("nftables: exactly the planned rules in one table per family, drift seen, removed whole", () => {
    const ns = scratch.netns;
    expect(mustInNode(ns, "egressInSync", "nftables", plans)).toBe(false);
    for (let i = 0; i < 2; i++) mustInNode(ns, "applyEgress", "nftables", plans);
    expect(nftRulesText("ip")).toEqual([
      "type nat hook postrouting priority srcnat; policy accept;",
      "ip saddr != 10.244.1.0/24 return",
      "ip daddr 10.244.0.0/16 return",
      "ip daddr 224.0.0.0/4 return",
      "counter packets 0 bytes 0 masquerade",
    ]);
    expect(nftRulesText("ip6")?.[1]).toBe("ip6 saddr != fd00:10:244:1::/64 return");
    expect(mustInNode(ns, "egressInSync", "nftables", plans)).toBe(true);
    expect(mustInNode(ns, "egressInSync", "nftables", plans.slice(0, 1))).toBe(false); // IPv6 table still there
    ns.exec("nft", "add", "rule", "ip", "cni_ts_egress", "postrouting", "masquerade");
    expect(mustInNode(ns, "egressInSync", "nftables", plans)).toBe(false);
    mustInNode(ns, "applyEgress", "nftables", plans.slice(0, 1));
    expect(nftRulesText("ip")).toHaveLength(5);
    expect(nftRulesText("ip6")).toBeUndefined();
    mustInNode(ns, "removeEgress", ["nftables"]);
    expect(nftRulesText("ip")).toBeUndefined();
    mustInNode(ns, "removeEgress", ["nftables"]); // nothing there: still fine
  });

  it("iptables: our chain behind one POSTROUTING jump, never two, drift seen, removed whole", () => {
    const ns = scratch.netns;
    ns.exec("iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "192.168.0.0/16", "-j", "MASQUERADE"); // someone else's
    for (let i = 0; i < 2; i++) mustInNode(ns, "applyEgress", "iptables", plans);
    expect(natRules(ns, 4)).toEqual([
      ":CNI-TS-EGRESS - [0:0]",
      "-A POSTROUTING -s 192.168.0.0/16 -j MASQUERADE",
      '-A POSTROUTING -m comment --comment "cni-ts: masquerade pod traffic leaving the pod network" -j CNI-TS-EGRESS',
      "-A CNI-TS-EGRESS ! -s 10.244.1.0/24 -j RETURN",
      "-A CNI-TS-EGRESS -d 10.244.0.0/16 -j RETURN",
      "-A CNI-TS-EGRESS -d 224.0.0.0/4 -j RETURN",
      "-A CNI-TS-EGRESS -j MASQUERADE",
    ]);
    expect(natRules(ns, 6)).toContain("-A CNI-TS-EGRESS ! -s fd00:10:244:1::/64 -j RETURN");
    expect(mustInNode(ns, "egressInSync", "iptables", plans)).toBe(true);
    ns.exec("iptables", "-t", "nat", "-F", "CNI-TS-EGRESS");
    expect(mustInNode(ns, "egressInSync", "iptables", plans)).toBe(false);
    mustInNode(ns, "removeEgress", ["iptables"]);
    expect(natRules(ns, 4)).toEqual(["-A POSTROUTING -s 192.168.0.0/16 -j MASQUERADE"]);
    expect(natRules(ns, 6)).toEqual([]);
    expect(mustInNode(ns, "egressInSync", "iptables", [])).toBe(true);
  });
});
