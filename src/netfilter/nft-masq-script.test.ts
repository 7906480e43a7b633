import { expect, test } from "vitest";
import { parseMasqAddress } from "./masq-address.ts";
import { renderNftMasqDelete, renderNftMasqSetup } from "./nft-masq-script.ts";

test("renderNftMasqSetup() holds both families and the stale deletions in one script", () => {
  const script = renderNftMasqSetup({
    comment: "h-i, net: n, if: eth0, id: c",
    addresses: [parseMasqAddress("10.4.0.2/24"), parseMasqAddress("fd00::2/64")],
    staleHandles: [7],
  });
  const T = "inet cni_plugins_masquerade";
  expect(script.split("\n")).toEqual([
    `add table ${T} { comment "Masquerading for plugins from github.com/containernetworking/plugins" ; }`,
    `add chain ${T} masq_checks { comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" ; }`,
    `add chain ${T} postrouting { type nat hook postrouting priority srcnat ; }`,
    `flush chain ${T} postrouting`,
    `add rule ${T} postrouting ip daddr == 224.0.0.0/4 return`,
    `add rule ${T} postrouting ip6 daddr == ff00::/8 return`,
    `add rule ${T} postrouting goto masq_checks`,
    `delete rule ${T} masq_checks handle 7`,
    `add rule ${T} masq_checks ip saddr == 10.4.0.2 ip daddr != 10.4.0.0/24 masquerade comment "h-i, net: n, if: eth0, id: c"`,
    `add rule ${T} masq_checks ip6 saddr == fd00::2 ip6 daddr != fd00::/64 masquerade comment "h-i, net: n, if: eth0, id: c"`,
    "",
  ]);
});

test("renderNftMasqSetup() escapes a comment so it stays on its line", () => {
  const script = renderNftMasqSetup({ comment: "a\nb\\", addresses: [parseMasqAddress("10.4.0.2/24")], staleHandles: [] });
  expect(script).toContain('masquerade comment "a\\nb\\\\"\n');
});

test("renderNftMasqDelete() deletes by handle", () => {
  expect(renderNftMasqDelete([3, 9])).toBe(
    "delete rule inet cni_plugins_masquerade masq_checks handle 3\ndelete rule inet cni_plugins_masquerade masq_checks handle 9\n",
  );
});
