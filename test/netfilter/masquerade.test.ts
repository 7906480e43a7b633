import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { nftInstanceHash } from "../../src/netfilter/names.ts";
import { inNode, inNodeWithPath, mustInNode, natRules, nftChains, nftRules, nftTable } from "./harness.ts";

const target = { network: "mynet", containerId: "ctr1", ifName: "eth0" };
const CHAIN = "CNI-5145007e2a8415ce07579739"; // sha512("mynetctr1")[:24], as the reference names it
const C = '-m comment --comment "name: \\"mynet\\" id: \\"ctr1\\""';
const TABLE = "cni_plugins_masquerade";

let node: TestNetns;
beforeEach(() => {
  node = createNetns("nfnode");
});
afterEach(() => node.remove());

describe("iptables backend", () => {
  test("setupMasquerade() writes exactly the reference's rules, dual stack", () => {
    mustInNode(node, "setupMasquerade", target, "iptables", ["10.44.0.2/24", "fd44::2/64"]);
    // Same lines iptables-save printed after /usr/lib/cni/bridge (v1.1.1) with ipMasq.
    expect(natRules(node, 4)).toEqual([
      `:${CHAIN} - [0:0]`,
      `-A POSTROUTING -s 10.44.0.2/32 ${C} -j ${CHAIN}`,
      `-A ${CHAIN} -d 10.44.0.0/24 ${C} -j ACCEPT`,
      `-A ${CHAIN} ! -d 224.0.0.0/4 ${C} -j MASQUERADE`,
    ]);
    expect(natRules(node, 6)).toEqual([
      `:${CHAIN} - [0:0]`,
      `-A POSTROUTING -s fd44::2/128 ${C} -j ${CHAIN}`,
      `-A ${CHAIN} -d fd44::/64 ${C} -j ACCEPT`,
      `-A ${CHAIN} ! -d ff00::/8 ${C} -j MASQUERADE`,
    ]);
    expect(nftTable(node, "inet", TABLE)).toBeUndefined();
  });

  test("a retried setupMasquerade() leaves no duplicates; a changed address replaces the old jump", () => {
    mustInNode(node, "setupMasquerade", target, undefined, ["10.44.0.2/24"]);
    const once = natRules(node, 4);
    mustInNode(node, "setupMasquerade", target, undefined, ["10.44.0.2/24"]);
    expect(natRules(node, 4)).toEqual(once);
    mustInNode(node, "setupMasquerade", target, undefined, ["10.44.0.9/24"]);
    expect(natRules(node, 4).filter((l) => l.startsWith("-A POSTROUTING"))).toEqual([`-A POSTROUTING -s 10.44.0.9/32 ${C} -j ${CHAIN}`]);
  });

  test("teardownMasquerade() removes chain and jumps without addresses, and is idempotent", () => {
    mustInNode(node, "setupMasquerade", target, "iptables", ["10.44.0.2/24", "10.45.0.2/16", "fd44::2/64"]);
    node.exec("iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "10.99.0.0/16", "-j", "MASQUERADE"); // someone else's
    mustInNode(node, "teardownMasquerade", target);
    expect(natRules(node, 4)).toEqual(["-A POSTROUTING -s 10.99.0.0/16 -j MASQUERADE"]);
    expect(natRules(node, 6)).toEqual([]);
    mustInNode(node, "teardownMasquerade", target);
    expect(natRules(node, 4)).toEqual(["-A POSTROUTING -s 10.99.0.0/16 -j MASQUERADE"]);
  });

  test("teardownMasquerade() also removes the legacy /prefix jump form", () => {
    mustInNode(node, "setupMasquerade", target, "iptables", ["10.44.0.2/24"]);
    node.exec("iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "10.44.0.0/24", "-j", CHAIN);
    mustInNode(node, "teardownMasquerade", target);
    expect(natRules(node, 4)).toEqual([]);
  });
});

describe("iptables backend with legacy iptables first on PATH", () => {
  let bin: string;
  beforeEach(() => {
    bin = mkdtempSync(join(tmpdir(), "cnits-legacy-"));
    for (const tool of ["iptables", "iptables-restore", "ip6tables", "ip6tables-restore"]) symlinkSync("/usr/sbin/xtables-legacy-multi", join(bin, tool));
  });
  afterEach(() => rmSync(bin, { recursive: true, force: true }));

  test("the rules go through the legacy tools even where nfnetlink could write them (the probe decides, not a guess)", () => {
    // An nf_tables nat POSTROUTING exists, so only the probe keeps the nfnetlink path out.
    node.exec("nft", "add table ip nat; add chain ip nat POSTROUTING { type nat hook postrouting priority srcnat; }");
    const path = `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`;
    expect(inNodeWithPath(node, path, "setupMasquerade", target, "iptables", ["10.44.0.2/24"])).toMatchObject({ ok: true });
    const legacy = () =>
      node
        .exec("iptables-legacy-save", "-t", "nat")
        .split("\n")
        .filter((l) => l.startsWith("-A"));
    expect(legacy()).toEqual([
      `-A POSTROUTING -s 10.44.0.2/32 ${C} -j ${CHAIN}`,
      `-A ${CHAIN} -d 10.44.0.0/24 ${C} -j ACCEPT`,
      `-A ${CHAIN} ! -d 224.0.0.0/4 ${C} -j MASQUERADE`,
    ]);
    expect(nftChains(node, "ip", "nat")).toEqual(["POSTROUTING"]);
    expect(inNodeWithPath(node, path, "teardownMasquerade", target)).toMatchObject({ ok: true });
    expect(legacy()).toEqual([]);
  });
});

describe("nftables backend", () => {
  test("setupMasquerade() puts both families in one table, as the reference v1.6.1 does", () => {
    mustInNode(node, "setupMasquerade", target, "nftables", ["10.44.0.2/24", "fd44::2/64"]);
    const comment = "d23676b4f2d9fe04-7883a6f9ce71eedb, net: mynet, if: eth0, id: ctr1";
    const text = node.exec("nft", "list", "table", "inet", TABLE);
    expect(text).toContain('comment "Masquerading for plugins from github.com/containernetworking/plugins"');
    expect(text).toContain("type nat hook postrouting priority srcnat; policy accept;");
    expect(text).toMatch(/ip daddr 224\.0\.0\.0\/4 return\n\s+ip6 daddr ff00::\/8 return\n\s+goto masq_checks\n/);
    expect(text).toContain(`ip saddr 10.44.0.2 ip daddr != 10.44.0.0/24 masquerade comment "${comment}"`);
    expect(text).toContain(`ip6 saddr fd44::2 ip6 daddr != fd44::/64 masquerade comment "${comment}"`);
    expect(natRules(node, 4)).toEqual([]);
  });

  test("repeated setupMasquerade() replaces the instance's rules; other instances stay", () => {
    const other = { ...target, containerId: "ctr2" };
    mustInNode(node, "setupMasquerade", other, "nftables", ["10.44.0.3/24"]);
    mustInNode(node, "setupMasquerade", target, "nftables", ["10.44.0.2/24", "fd44::2/64"]);
    mustInNode(node, "setupMasquerade", target, "nftables", ["10.44.0.2/24", "fd44::2/64"]);
    const rules = nftRules(node, "inet", TABLE);
    expect(rules.filter((r) => r.chain === "postrouting")).toHaveLength(3);
    expect(rules.filter((r) => r.chain === "masq_checks").map((r) => r.comment!.slice(0, 33))).toEqual([
      nftInstanceHash("mynet", "eth0", "ctr2"),
      "d23676b4f2d9fe04-7883a6f9ce71eedb",
      "d23676b4f2d9fe04-7883a6f9ce71eedb",
    ]);
  });

  test("teardownMasquerade() removes the instance's rules by comment, idempotently", () => {
    const other = { ...target, containerId: "ctr2" };
    mustInNode(node, "setupMasquerade", other, "nftables", ["10.44.0.3/24"]);
    mustInNode(node, "setupMasquerade", target, "nftables", ["10.44.0.2/24", "fd44::2/64"]);
    mustInNode(node, "teardownMasquerade", target);
    expect(
      nftRules(node, "inet", TABLE)
        .filter((r) => r.chain === "masq_checks")
        .map((r) => r.comment),
    ).toEqual([expect.stringContaining("id: ctr2")]);
    mustInNode(node, "teardownMasquerade", target);
    mustInNode(node, "teardownMasquerade", other);
    expect(nftRules(node, "inet", TABLE).filter((r) => r.chain === "masq_checks")).toEqual([]);
    expect(nftChains(node, "inet", TABLE).sort()).toEqual(["masq_checks", "postrouting"]);
  });
});

test("teardownMasquerade() on a fresh node (nothing there) succeeds and creates nothing visible", () => {
  mustInNode(node, "teardownMasquerade", target);
  expect(natRules(node, 4)).toEqual([]);
  expect(nftTable(node, "inet", TABLE)).toBeUndefined();
});

test("setupMasquerade() rejects an unknown backend and a bad address with code 7, changing nothing", () => {
  expect(inNode(node, "setupMasquerade", target, "ebtables", ["10.44.0.2/24"])).toMatchObject({ ok: false, code: 7 });
  expect(inNode(node, "setupMasquerade", target, "iptables", ["10.44.0.2"])).toMatchObject({ ok: false, code: 7 });
  expect(natRules(node, 4)).toEqual([]);
});
