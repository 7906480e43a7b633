import { describe, expect, it } from "vitest";
import { InvalidConfigError, InvalidEnvError } from "../../src/errors.ts";
import { formatIp } from "../../src/ip/ip-bytes.ts";
import { DEFAULT_DATA_DIR, loadHostLocalConfig } from "./config.ts";
import { formatRangeSet } from "./range-set.ts";

const conf = (ipam: unknown, extra: Record<string, unknown> = {}) => ({ name: "net", cniVersion: "1.0.0", ipam, ...extra });

describe("loadHostLocalConfig()", () => {
  it("orders sets: ipRanges, then the legacy subnet, then ranges", () => {
    const c = loadHostLocalConfig(
      conf(
        { subnet: "10.1.0.0/24", rangeStart: "10.1.0.10", ranges: [[{ subnet: "fd00::/120" }]] },
        { runtimeConfig: { ipRanges: [[{ subnet: "10.2.0.0/24" }]] } },
      ),
      "",
    );
    expect(c.rangeSets.map(formatRangeSet)).toEqual(["10.2.0.1-10.2.0.254", "10.1.0.10-10.1.0.254", "fd00::1-fd00::ff"]);
    expect(c.dataDir).toBe(DEFAULT_DATA_DIR);
    expect(c.reclaimAfterReboot).toBe(true);
    expect(c.validAttachments).toBeUndefined();
  });

  it("merges requested addresses from CNI_ARGS, args and runtimeConfig, dropping prefixes and duplicates", () => {
    const c = loadHostLocalConfig(
      conf({ subnet: "10.1.0.0/24" }, { args: { cni: { ips: ["10.1.0.7/24", "10.1.0.5"] } }, runtimeConfig: { ips: ["10.1.0.9"] } }),
      "IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.1.0.5",
    );
    expect(c.requested.map(formatIp)).toEqual(["10.1.0.5", "10.1.0.7", "10.1.0.9"]);
  });

  it("keeps routes, dataDir, resolvConf and the reclaim switch", () => {
    const c = loadHostLocalConfig(
      conf({
        subnet: "10.1.0.0/24",
        routes: [{ dst: "0.0.0.0/0" }, { dst: "192.168.0.0/16", gw: "10.1.0.254", priority: 5 }],
        dataDir: "/tmp/x",
        resolvConf: "/etc/resolv.conf",
        reclaimAfterReboot: false,
      }),
      "",
    );
    expect(c.routes).toEqual([{ dst: "0.0.0.0/0" }, { dst: "192.168.0.0/16", gw: "10.1.0.254", priority: 5 }]);
    expect([c.dataDir, c.resolvConf, c.reclaimAfterReboot]).toEqual(["/tmp/x", "/etc/resolv.conf", false]);
  });

  it("reads GC attachment lists: null = none valid, absent = no information", () => {
    const base = { subnet: "10.1.0.0/24" };
    expect(loadHostLocalConfig(conf(base, { "cni.dev/valid-attachments": null }), "").validAttachments).toEqual([]);
    expect(loadHostLocalConfig(conf(base, { "cni.dev/attachments": [{ containerID: "c", ifname: "eth0" }] }), "").validAttachments).toEqual([
      { containerId: "c", ifName: "eth0" },
    ]);
  });

  it.each<[unknown, Record<string, unknown>, string]>([
    [undefined, {}, "IPAM config missing 'ipam' key"],
    [{ type: "host-local" }, {}, "no IP ranges specified"],
    [{ ranges: [[]] }, {}, "invalid range set 0: empty range set"],
    [{ subnet: "10.1.0.0/31" }, {}, "invalid range set 0: Network 10.1.0.0/31 too small to allocate from (ipam.subnet)"],
    [
      { ranges: [[{ subnet: "10.1.0.5/24" }]] },
      {},
      "invalid range set 0: Network has host bits set. For a subnet mask of length 24 the network address is 10.1.0.0 (ipam.ranges[0][0].subnet = 10.1.0.5/24)",
    ],
    [{ subnet: "10.1.0.0/24", rangeStart: "10.2.0.1" }, {}, "invalid range set 0: RangeStart 10.2.0.1 not in network 10.1.0.0/24 (ipam.rangeStart)"],
    [{ ranges: [[{ subnet: "10.1.0.0/24", rangeStart: "10.1.0.9", rangeEnd: "10.1.0.3" }]] }, {}, "RangeStart 10.1.0.9 is after RangeEnd 10.1.0.3"],
    [{ ranges: [[{ subnet: "10.1.0.0/24", gateway: "10.7.0.1" }]] }, {}, "gateway 10.7.0.1 not in network 10.1.0.0/24 (ipam.ranges[0][0].gateway)"],
    [{ ranges: [[{ subnet: "10.1.0.0/24" }, { subnet: "fd00::/64" }]] }, {}, "invalid range set 0: mixed address families"],
    [{ ranges: [[{ subnet: "10.1.0.0/16" }], [{ subnet: "10.1.2.0/24" }]] }, {}, "range set 0 overlaps with 1"],
    [
      { ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "10.2.0.0/24" }]] },
      { cniVersion: "0.2.0" },
      "CNI version 0.2.0 does not support more than 1 address per family",
    ],
    [{ subnet: "10.1.0.0/24" }, { args: { cni: { ips: ["10.1.0.300"] } } }, "cannot understand ip: 10.1.0.300 (args.cni.ips[0])"],
    [{ subnet: 42 }, {}, "invalid network config: ipam.subnet"],
    [{ subnet: "10.1.0.0/24", routes: [{ dst: "nope" }] }, {}, "invalid network config: ipam.routes[0].dst: invalid CIDR address"],
  ])("refuses ipam %j %j", (ipam, extra, message) => {
    const run = () => loadHostLocalConfig(conf(ipam, extra), "");
    expect(run).toThrow(InvalidConfigError);
    expect(run).toThrow(message);
  });

  it("refuses unknown CNI_ARGS keys like the reference", () => {
    expect(() => loadHostLocalConfig(conf({ subnet: "10.1.0.0/24" }), "FOO=1")).toThrow(InvalidEnvError);
    expect(() => loadHostLocalConfig(conf({ subnet: "10.1.0.0/24" }), "FOO=1")).toThrow('ARGS: unknown args ["FOO=1"]');
  });
});
