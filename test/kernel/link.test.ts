import { execFileSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { openNetns } from "../../src/netns/netns.ts";
import { RtnlSocket } from "../../src/netlink/socket.ts";
import {
  createBridge,
  createVeth,
  deleteLink,
  getLinkByIndex,
  getLinkByName,
  listLinks,
  setBridgeVlanFiltering,
  setLinkDown,
  setLinkMac,
  setLinkMtu,
  setLinkPromisc,
  setLinkUp,
} from "../../src/netlink/link.ts";
import { NO_VLAN_FILTERING } from "../helpers/skip.ts";
import { HAS_BRIDGE_VLAN_FILTERING } from "./kernel-features.ts";

interface IpLink {
  ifindex: number;
  ifname: string;
  address: string;
  mtu: number;
  flags: string[];
  operstate: string;
  master?: string;
  link_index?: number;
  linkinfo?: { info_kind?: string; info_data?: { vlan_filtering?: number; id?: number } };
}

describe("netlink links", () => {
  let host: TestNetns;
  let pod: TestNetns;
  let sock: RtnlSocket;
  let podSock: RtnlSocket;

  beforeEach(() => {
    host = createNetns("host");
    pod = createNetns("pod");
    sock = RtnlSocket.openInNetns(host.path);
    podSock = RtnlSocket.openInNetns(pod.path);
  });
  afterEach(() => {
    sock.close();
    podSock.close();
    host.remove();
    pod.remove();
  });

  const hostLink = (name: string) => host.ipJson<IpLink[]>("-d", "link", "show", "dev", name)[0]!;

  it("createBridge() makes a bridge with MTU; getLinkByName() reads it back", () => {
    createBridge(sock, { name: "cnits-br0", mtu: 1400 });
    const seen = hostLink("cnits-br0");
    expect(seen.linkinfo?.info_kind).toBe("bridge");
    const link = getLinkByName(sock, "cnits-br0")!;
    expect(link).toMatchObject({ index: seen.ifindex, name: "cnits-br0", kind: "bridge", mtu: 1400, up: false, mac: seen.address });
    expect(getLinkByIndex(sock, seen.ifindex)?.name).toBe("cnits-br0");
    expect(
      listLinks(sock)
        .map((l) => l.name)
        .sort(),
    ).toEqual(["cnits-br0", "lo"]);
  });

  it("createBridge() and setBridgeVlanFiltering() switch VLAN filtering", (ctx) => {
    ctx.skip(!HAS_BRIDGE_VLAN_FILTERING, NO_VLAN_FILTERING);
    createBridge(sock, { name: "cnits-br0", mtu: 1400, vlanFiltering: true });
    const seen = hostLink("cnits-br0");
    expect(seen.linkinfo?.info_kind).toBe("bridge");
    expect(seen.mtu).toBe(1400);
    expect(seen.linkinfo?.info_data?.vlan_filtering).toBe(1);
    const link = getLinkByName(sock, "cnits-br0")!;
    expect(link).toMatchObject({ index: seen.ifindex, name: "cnits-br0", kind: "bridge", mtu: 1400, up: false, vlanFiltering: true, mac: seen.address });
    expect(getLinkByIndex(sock, seen.ifindex)?.name).toBe("cnits-br0");
    setBridgeVlanFiltering(sock, seen.ifindex, false);
    expect(hostLink("cnits-br0").linkinfo?.info_data?.vlan_filtering).toBe(0);
  });

  it("createBridge() surfaces EEXIST with its code", () => {
    createBridge(sock, { name: "cnits-br0" });
    expect(() => createBridge(sock, { name: "cnits-br0" })).toThrow(expect.objectContaining({ code: "EEXIST", errno: 17 }));
  });

  it("listLinks() reads a dump spanning many datagrams", () => {
    const batch = Array.from({ length: 150 }, (_, i) => `link add cnits-a${i} type veth peer name cnits-b${i}`).join("\n");
    execFileSync("ip", ["-n", host.name, "-batch", "-"], { input: batch });
    const links = listLinks(sock);
    expect(links).toHaveLength(301);
    expect(new Set(links.map((l) => l.name)).size).toBe(301);
    expect(links.find((l) => l.name === "cnits-a149")?.kind).toBe("veth");
  });

  it("getLinkByName()/getLinkByIndex() return undefined for missing links", () => {
    expect(getLinkByName(sock, "cnits-nope")).toBeUndefined();
    expect(getLinkByIndex(sock, 999_999)).toBeUndefined();
    expect(listLinks(sock).map((l) => l.name)).toEqual(["lo"]);
  });

  it("createVeth() puts the peer in the pod namespace, named, with MAC and MTU, host end enslaved", () => {
    createBridge(sock, { name: "cnits-br0" });
    const br = getLinkByName(sock, "cnits-br0")!;
    const ns = openNetns(pod.path);
    try {
      createVeth(sock, {
        name: "cnits-veth0",
        peerName: "eth0",
        peerNetns: ns,
        mtu: 1450,
        mac: "0a:58:00:00:00:01",
        peerMac: "0a:58:00:00:00:02",
        masterIndex: br.index,
      });
    } finally {
      ns.close();
    }
    const hostEnd = hostLink("cnits-veth0");
    expect(hostEnd).toMatchObject({ master: "cnits-br0", mtu: 1450, address: "0a:58:00:00:00:01" });
    const peer = pod.ipJson<IpLink[]>("-d", "link", "show", "dev", "eth0")[0]!;
    expect(peer).toMatchObject({ ifname: "eth0", mtu: 1450, address: "0a:58:00:00:00:02" });
    expect(peer.linkinfo?.info_kind).toBe("veth");

    const link = getLinkByName(sock, "cnits-veth0")!;
    expect(link).toMatchObject({ kind: "veth", masterIndex: br.index, linkIndex: peer.ifindex, mtu: 1450 });
    expect(link.linkNetnsId).toBeTypeOf("number");

    const podLink = getLinkByName(podSock, "eth0")!;
    setLinkUp(podSock, podLink.index);
    setLinkUp(sock, link.index);
    expect(pod.ipJson<IpLink[]>("link", "show", "dev", "eth0")[0]!.flags).toContain("UP");
    expect(getLinkByName(podSock, "eth0")!.up).toBe(true);

    deleteLink(sock, link.index);
    expect(getLinkByName(podSock, "eth0")).toBeUndefined();
    expect(() => deleteLink(sock, link.index)).toThrow(expect.objectContaining({ code: "ENODEV" }));
  });

  it("deleteLink() of a pod's veth returns with it gone from both namespaces and the bridge", () => {
    createBridge(sock, { name: "cnits-br0" });
    const br = getLinkByName(sock, "cnits-br0")!;
    const ns = openNetns(pod.path);
    try {
      createVeth(sock, { name: "cnits-veth0", peerName: "eth0", peerNetns: ns, masterIndex: br.index });
    } finally {
      ns.close();
    }
    pod.exec("ip", "addr", "add", "10.99.0.2/24", "dev", "eth0");
    pod.exec("ip", "link", "set", "eth0", "up");
    const podLink = getLinkByName(podSock, "eth0")!;

    deleteLink(podSock, podLink.index);

    expect(getLinkByName(podSock, "eth0")).toBeUndefined();
    expect(getLinkByName(sock, "cnits-veth0")).toBeUndefined();
    expect(pod.ipJson<unknown[]>("addr", "show", "to", "10.99.0.0/24")).toEqual([]);
    expect(host.ipJson<unknown[]>("link", "show", "master", "cnits-br0")).toEqual([]);

    // A link that is not there: the kernel's own answer.
    expect(() => deleteLink(podSock, podLink.index)).toThrow(expect.objectContaining({ code: "ENODEV", syscall: "RTM_DELLINK" }));
  });

  it("setLink*() change state, MTU, MAC and promiscuity", () => {
    createBridge(sock, { name: "cnits-br0" });
    createVeth(sock, { name: "cnits-a", peerName: "cnits-b" });
    const br = getLinkByName(sock, "cnits-br0")!;
    const a = getLinkByName(sock, "cnits-a")!;
    setLinkMtu(sock, a.index, 1300);
    setLinkMac(sock, a.index, "0A:58:00:00:00:09");
    setLinkPromisc(sock, br.index, true);
    setLinkUp(sock, a.index);
    let seen = hostLink("cnits-a");
    expect(seen).toMatchObject({ mtu: 1300, address: "0a:58:00:00:00:09" });
    expect(seen.flags).toContain("UP");
    expect(hostLink("cnits-br0").flags).toContain("PROMISC");
    expect(getLinkByName(sock, "cnits-br0")!.promisc).toBe(true);
    setLinkDown(sock, a.index);
    setLinkPromisc(sock, br.index, false);
    seen = hostLink("cnits-a");
    expect(seen.flags).not.toContain("UP");
    expect(getLinkByName(sock, "cnits-br0")!.promisc).toBe(false);
  });
});
