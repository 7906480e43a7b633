import { describe, expect, test } from "vitest";
import { iptablesChainName, iptablesComment, nftInstanceHash, nftMasqComment, nftNetworkHash, spoofNames } from "./names.ts";

describe("iptables names", () => {
  test("iptablesChainName() is CNI- + sha512(net+cid)[:24], as the reference bridge created it", () => {
    // observed: /usr/lib/cni/bridge ipMasq, name mynet, CNI_CONTAINERID ctr1
    expect(iptablesChainName("mynet", "ctr1")).toBe("CNI-5145007e2a8415ce07579739");
    expect(iptablesChainName('we"ird', 'ctr"x')).toBe("CNI-6100bcd06eda36884d5e5fc3");
  });
  test("iptablesComment() uses %q quoting", () => {
    expect(iptablesComment("mynet", "ctr1")).toBe('name: "mynet" id: "ctr1"');
    expect(iptablesComment('a"b', "c")).toBe('name: "a\\"b" id: "c"');
  });
});

describe("nftables masquerade names", () => {
  test("hashes are the first 16 hex digits of sha512", () => {
    expect(nftNetworkHash("mynet")).toBe("d23676b4f2d9fe04");
    expect(nftInstanceHash("mynet", "eth0", "ctr1")).toBe("d23676b4f2d9fe04-7883a6f9ce71eedb");
  });
  test("nftMasqComment() strips quotes and cuts to 128 chars", () => {
    expect(nftMasqComment("mynet", "eth0", "ctr1")).toBe("d23676b4f2d9fe04-7883a6f9ce71eedb, net: mynet, if: eth0, id: ctr1");
    expect(nftMasqComment('my"net', "eth0", "c")).toContain("net: mynet,");
    const long = nftMasqComment("mynet", "eth0", "x".repeat(200));
    expect(long).toHaveLength(128);
    expect(long.startsWith("d23676b4f2d9fe04-")).toBe(true);
  });
});

describe("spoofNames()", () => {
  test("chains and comment as the reference names them", () => {
    expect(spoofNames("ctr1", "eth0")).toEqual({
      ifaceChain: "cni-br-iface-ctr1-eth0",
      macChain: "cni-br-iface-ctr1-eth0-mac",
      comment: "macspoofchk-ctr1-eth0",
    });
  });
});
