import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { RtnlSocket } from "../../src/netlink/socket.ts";
import { createVeth, getLinkByName, setLinkUp } from "../../src/netlink/link.ts";
import { addAddress, deleteAddress, listAddresses, waitForAddressesSettled } from "../../src/netlink/address.ts";
import { addRoute, deleteRoute, listRoutes } from "../../src/netlink/route.ts";
import { openNetns, withNetns } from "../../src/netns/netns.ts";
import { writeSysctl } from "../../src/sysctl.ts";
import { KernelError } from "../../src/errors.ts";

interface IpAddr {
  ifname: string;
  addr_info: { family: string; local: string; prefixlen: number; broadcast?: string; noprefixroute?: boolean }[];
}
interface IpRoute {
  dst: string;
  gateway?: string;
  dev: string;
  metric?: number;
  scope?: string;
  protocol?: string;
  metrics?: { mtu?: number; advmss?: number }[];
}

describe("netlink addresses and routes", () => {
  let pod: TestNetns;
  let sock: RtnlSocket;
  let eth0: number;

  beforeEach(() => {
    pod = createNetns("pod");
    sock = RtnlSocket.openInNetns(pod.path);
    createVeth(sock, { name: "eth0", peerName: "cnits-peer" });
    eth0 = getLinkByName(sock, "eth0")!.index;
    setLinkUp(sock, eth0);
    setLinkUp(sock, getLinkByName(sock, "cnits-peer")!.index);
  });
  afterEach(() => {
    sock.close();
    pod.remove();
  });

  it("addAddress() puts IPv4 and IPv6 addresses on the link, listAddresses() reads them, deleteAddress() removes them", () => {
    withNetns(pod.path, () => writeSysctl("net/ipv6/conf/eth0/accept_dad", "0"));
    addAddress(sock, eth0, "10.1.2.3", 24);
    addAddress(sock, eth0, "fd00:0:0:0::3", 64, { noPrefixRoute: true });
    const seen = pod.ipJson<IpAddr[]>("addr", "show", "dev", "eth0")[0]!.addr_info;
    expect(seen).toContainEqual(expect.objectContaining({ family: "inet", local: "10.1.2.3", prefixlen: 24, broadcast: "10.1.2.255" }));
    expect(seen).toContainEqual(expect.objectContaining({ family: "inet6", local: "fd00::3", prefixlen: 64, noprefixroute: true }));

    const ours = listAddresses(sock, { index: eth0 });
    expect(ours).toContainEqual(expect.objectContaining({ index: eth0, family: 4, address: "10.1.2.3", prefixLength: 24, scope: 0 }));
    expect(ours).toContainEqual(expect.objectContaining({ family: 6, address: "fd00::3", prefixLength: 64, tentative: false }));
    expect(listAddresses(sock, { family: 4 }).every((a) => a.family === 4)).toBe(true);
    expect(listAddresses(sock, { family: 6, index: eth0 }).map((a) => a.address)).toContain("fd00::3");

    expect(() => addAddress(sock, eth0, "10.1.2.3", 24)).toThrow(expect.objectContaining({ code: "EEXIST" }));
    deleteAddress(sock, eth0, "10.1.2.3", 24);
    deleteAddress(sock, eth0, "fd00::3", 64);
    const after = pod.ipJson<IpAddr[]>("addr", "show", "dev", "eth0")[0]!.addr_info.map((a) => a.local);
    expect(after).not.toContain("10.1.2.3");
    expect(after).not.toContain("fd00::3");
  });

  it("waitForAddressesSettled() waits out DAD on a fresh IPv6 address", () => {
    withNetns(pod.path, () => {
      writeSysctl("net/ipv6/conf/eth0/accept_dad", "1");
      writeSysctl("net/ipv6/conf/eth0/dad_transmits", "1");
      writeSysctl("net/ipv6/neigh/eth0/retrans_time_ms", "100");
    });
    addAddress(sock, eth0, "fd00::5", 64);
    expect(listAddresses(sock, { index: eth0, family: 6 }).find((a) => a.address === "fd00::5")?.tentative).toBe(true);
    waitForAddressesSettled(sock, eth0, 5000);
    expect(listAddresses(sock, { index: eth0, family: 6 }).find((a) => a.address === "fd00::5")?.tentative).toBe(false);
  });

  it("waitForAddressesSettled() throws a KernelError naming the address on timeout", () => {
    withNetns(pod.path, () => {
      writeSysctl("net/ipv6/conf/eth0/accept_dad", "1");
      writeSysctl("net/ipv6/conf/eth0/dad_transmits", "5");
      writeSysctl("net/ipv6/neigh/eth0/retrans_time_ms", "1000");
    });
    addAddress(sock, eth0, "fd00::6", 64);
    let caught: unknown;
    try {
      waitForAddressesSettled(sock, eth0, 50);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(KernelError);
    expect((caught as KernelError).message).toContain("link eth0 still has tentative address fd00::6/64");
  });

  it("addRoute()/listRoutes()/deleteRoute() manage routes with gateway, metric and metrics", () => {
    withNetns(pod.path, () => writeSysctl("net/ipv6/conf/eth0/accept_dad", "0"));
    addAddress(sock, eth0, "10.1.2.3", 24);
    addAddress(sock, eth0, "fd00::3", 64);
    addRoute(sock, { dst: "0.0.0.0/0", gw: "10.1.2.1", index: eth0 });
    addRoute(sock, { dst: "192.168.0.0/16", gw: "10.1.2.1", index: eth0, priority: 100, mtu: 1400, advmss: 1300 });
    addRoute(sock, { dst: "172.16.0.0/12", index: eth0 });
    addRoute(sock, { dst: "::/0", gw: "fd00::1", index: eth0 });
    addRoute(sock, { dst: "10.9.0.0/16", gw: "10.1.2.1", index: eth0, table: 1000 });

    const v4 = pod.ipJson<IpRoute[]>("-4", "route", "show");
    expect(v4).toContainEqual(expect.objectContaining({ dst: "default", gateway: "10.1.2.1", dev: "eth0" }));
    expect(v4).toContainEqual(expect.objectContaining({ dst: "192.168.0.0/16", gateway: "10.1.2.1", metric: 100, metrics: [{ mtu: 1400, advmss: 1300 }] }));
    expect(v4).toContainEqual(expect.objectContaining({ dst: "172.16.0.0/12", dev: "eth0", scope: "link" }));
    expect(pod.ipJson<IpRoute[]>("-6", "route", "show")).toContainEqual(expect.objectContaining({ dst: "default", gateway: "fd00::1" }));
    expect(pod.ipJson<IpRoute[]>("route", "show", "table", "1000")).toContainEqual(expect.objectContaining({ dst: "10.9.0.0/16" }));

    const ours = listRoutes(sock, { family: 4 });
    expect(ours).toContainEqual(expect.objectContaining({ family: 4, dst: "0.0.0.0/0", gw: "10.1.2.1", index: eth0, table: 254, protocol: 3, type: 1 }));
    expect(ours).toContainEqual(expect.objectContaining({ dst: "192.168.0.0/16", priority: 100, mtu: 1400, advmss: 1300 }));
    expect(ours).toContainEqual(expect.objectContaining({ dst: "10.1.2.0/24", index: eth0, scope: 253 }));
    expect(ours.some((r) => r.dst === "10.9.0.0/16")).toBe(false);
    expect(listRoutes(sock, { table: 1000 })).toEqual([expect.objectContaining({ dst: "10.9.0.0/16", table: 1000 })]);
    expect(listRoutes(sock, { family: 6, index: eth0 })).toContainEqual(expect.objectContaining({ family: 6, dst: "::/0", gw: "fd00::1" }));
    expect(listRoutes(sock, { index: 999 })).toEqual([]);

    expect(() => addRoute(sock, { dst: "0.0.0.0/0", gw: "10.1.2.1", index: eth0 })).toThrow(expect.objectContaining({ code: "EEXIST" }));
    deleteRoute(sock, { dst: "0.0.0.0/0", gw: "10.1.2.1", index: eth0 });
    deleteRoute(sock, { dst: "::/0", gw: "fd00::1", index: eth0 });
    deleteRoute(sock, { dst: "10.9.0.0/16", table: 1000 });
    expect(pod.ipJson<IpRoute[]>("-4", "route", "show").some((r) => r.dst === "default")).toBe(false);
    expect(pod.ipJson<IpRoute[]>("-6", "route", "show").some((r) => r.dst === "default")).toBe(false);
    expect(() => deleteRoute(sock, { dst: "0.0.0.0/0", gw: "10.1.2.1" })).toThrow(expect.objectContaining({ code: "ESRCH" }));
  });

  it("addRoute() to an unreachable gateway carries the errno", () => {
    expect(() => addRoute(sock, { dst: "0.0.0.0/0", gw: "10.99.0.1", index: eth0 })).toThrow(expect.objectContaining({ code: "ENETUNREACH" }));
  });

  it("a socket opened inside the pod keeps working after openNetns handle is closed", () => {
    const ns = openNetns(pod.path);
    const other = RtnlSocket.openInNetns(ns);
    ns.close();
    try {
      expect(getLinkByName(other, "eth0")?.index).toBe(eth0);
    } finally {
      other.close();
    }
  });
});
