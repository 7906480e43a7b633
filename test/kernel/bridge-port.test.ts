import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { RtnlSocket } from "../../src/netlink/socket.ts";
import { createBridge, createVeth, getLinkByName } from "../../src/netlink/link.ts";
import { addBridgeVlan, deleteBridgeVlan, listBridgeVlans, setBridgePortFlags } from "../../src/netlink/bridge-port.ts";
import { NO_VLAN_FILTERING } from "../helpers/skip.ts";
import { HAS_BRIDGE_VLAN_FILTERING, HAS_PORT_ISOLATION } from "./kernel-features.ts";

interface IpLinkDetail {
  linkinfo?: { info_slave_kind?: string; info_slave_data?: { hairpin?: boolean; isolated?: boolean } };
}
interface BridgeVlanShow {
  ifname: string;
  vlans: { vlan: number; vlanEnd?: number; flags?: string[] }[];
}

describe("netlink bridge ports", () => {
  let host: TestNetns;
  let sock: RtnlSocket;
  let port: number;
  let br: number;

  beforeEach(() => {
    host = createNetns("host");
    sock = RtnlSocket.openInNetns(host.path);
    createBridge(sock, { name: "cnits-br0", vlanFiltering: HAS_BRIDGE_VLAN_FILTERING ? true : undefined });
    br = getLinkByName(sock, "cnits-br0")!.index;
    createVeth(sock, { name: "cnits-p0", peerName: "cnits-p1", masterIndex: br });
    port = getLinkByName(sock, "cnits-p0")!.index;
  });
  afterEach(() => {
    sock.close();
    host.remove();
  });

  const slaveData = () => host.ipJson<IpLinkDetail[]>("-d", "link", "show", "dev", "cnits-p0")[0]!.linkinfo?.info_slave_data;

  it("setBridgePortFlags() sets and clears hairpin", () => {
    expect(slaveData()?.hairpin).toBe(false);
    setBridgePortFlags(sock, port, { hairpin: true });
    expect(slaveData()?.hairpin).toBe(true);
    setBridgePortFlags(sock, port, { hairpin: false });
    expect(slaveData()?.hairpin).toBe(false);
  });

  it("setBridgePortFlags() sets isolation independently of hairpin", (ctx) => {
    ctx.skip(!HAS_PORT_ISOLATION, "this kernel has no bridge port isolation (IFLA_BRPORT_ISOLATED)");
    setBridgePortFlags(sock, port, { hairpin: true, isolated: true });
    expect(slaveData()).toMatchObject({ hairpin: true, isolated: true });
    setBridgePortFlags(sock, port, { isolated: false });
    expect(slaveData()).toMatchObject({ hairpin: true, isolated: false });
  });

  it("addBridgeVlan()/deleteBridgeVlan()/listBridgeVlans() manage port VLANs", (ctx) => {
    ctx.skip(!HAS_BRIDGE_VLAN_FILTERING, NO_VLAN_FILTERING);
    expect(listBridgeVlans(sock, port)).toEqual([{ vid: 1, pvid: true, untagged: true }]);
    deleteBridgeVlan(sock, port, 1);
    addBridgeVlan(sock, port, 100, { pvid: true, untagged: true });
    addBridgeVlan(sock, port, 200);
    const shown = JSON.parse(host.exec("bridge", "-j", "vlan", "show", "dev", "cnits-p0")) as BridgeVlanShow[];
    const vlans = shown.find((s) => s.ifname === "cnits-p0")!.vlans;
    expect(vlans).toContainEqual(expect.objectContaining({ vlan: 100, flags: ["PVID", "Egress Untagged"] }));
    expect(vlans.map((v) => v.vlan)).toEqual([100, 200]);
    expect(listBridgeVlans(sock, port)).toEqual([
      { vid: 100, pvid: true, untagged: true },
      { vid: 200, pvid: false, untagged: false },
    ]);
    addBridgeVlan(sock, br, 300, { self: true });
    expect(listBridgeVlans(sock, br).map((v) => v.vid)).toContain(300);
    deleteBridgeVlan(sock, port, 200);
    expect(listBridgeVlans(sock, port).map((v) => v.vid)).toEqual([100]);
  });
});
