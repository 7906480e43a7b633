import { expect, it } from "vitest";
import { checkSysctls } from "./node-sysctls.ts";

const node = (values: Record<string, string>) => (key: string) => values[key];

it("holds when forwarding and bridge-nf-call are on for the node's families", () => {
  const all = {
    "net/ipv4/ip_forward": "1",
    "net/bridge/bridge-nf-call-iptables": "1",
    "net/ipv6/conf/all/forwarding": "1",
    "net/bridge/bridge-nf-call-ip6tables": "1",
  };
  expect(checkSysctls([4, 6], node(all))).toEqual({
    ok: true,
    message: "net.ipv4.ip_forward=1, net.bridge.bridge-nf-call-iptables=1, net.ipv6.conf.all.forwarding=1, net.bridge.bridge-nf-call-ip6tables=1",
  });
});

it("names each wrong value and says when br_netfilter is missing", () => {
  expect(checkSysctls([4], node({ "net/ipv4/ip_forward": "0" }))).toEqual({
    ok: false,
    message: "net.ipv4.ip_forward=0, needs 1, net.bridge.bridge-nf-call-iptables missing (the br_netfilter module is not loaded: modprobe br_netfilter)",
  });
});

it("asks nothing of IPv6 on an IPv4-only node", () => {
  expect(checkSysctls([4], node({ "net/ipv4/ip_forward": "1", "net/bridge/bridge-nf-call-iptables": "1" })).ok).toBe(true);
});

it("reports a key it cannot read instead of throwing", () => {
  const result = checkSysctls([4], () => {
    throw new Error("EACCES");
  });
  expect(result.ok).toBe(false);
  expect(result.message).toContain("net.ipv4.ip_forward unreadable (EACCES)");
});
