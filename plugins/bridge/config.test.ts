import { describe, expect, test } from "vitest";
import { CniError } from "../../src/errors.ts";
import { checkAddRules, normalizeMac, parseBridgeConf } from "./config.ts";
import { canonicalizeKeys } from "./config-keys.ts";

const base = { cniVersion: "1.0.0", name: "net", type: "bridge" };
const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as CniError;
  }
  throw new Error("expected an error");
};

describe("parseBridgeConf()", () => {
  test("applies the reference defaults", () => {
    const s = parseBridgeConf(base);
    expect(s).toMatchObject({
      name: "net",
      bridgeName: "cni0",
      isGateway: false,
      isDefaultGateway: false,
      forceAddress: false,
      ipMasq: false,
      ipMasqBackend: undefined,
      mtu: 0,
      hairpinMode: false,
      promiscMode: false,
      vlan: 0,
      trunkVids: undefined,
      vlanFiltering: false,
      preserveDefaultVlan: false,
      enableDad: false,
      macspoofchk: false,
      disableContainerInterface: false,
      portIsolation: false,
      ipamType: "",
      mac: undefined,
      dns: undefined,
    });
  });

  test("isDefaultGateway forces isGateway", () => {
    expect(parseBridgeConf({ ...base, isDefaultGateway: true }).isGateway).toBe(true);
  });

  test("keys match case-insensitively like Go's encoding/json", () => {
    const s = parseBridgeConf({ ...base, IsGateway: true, BRIDGE: "br9", hairpinmode: true });
    expect(s).toMatchObject({ isGateway: true, bridgeName: "br9", hairpinMode: true });
  });

  test("null values mean the default", () => {
    expect(parseBridgeConf({ ...base, isGateway: null, mtu: null, bridge: null })).toMatchObject({ isGateway: false, mtu: 0, bridgeName: "cni0" });
  });

  test.each([
    [{ vlan: 4095 }, "invalid VLAN ID 4095 (must be between 0 and 4094)"],
    [{ vlan: -1 }, "invalid VLAN ID -1 (must be between 0 and 4094)"],
    [{ vlanTrunk: [{ id: 0 }] }, "incorrect trunk id parameter"],
    [{ vlanTrunk: [{ minID: 0, maxID: 5 }] }, "incorrect trunk minID parameter"],
    [{ vlanTrunk: [{ minID: 3, maxID: 5000 }] }, "incorrect trunk maxID parameter"],
    [{ vlanTrunk: [{ minID: 9, maxID: 5 }] }, "minID is greater than maxID in trunk parameter"],
    [{ vlanTrunk: [{ maxID: 5 }] }, "minID and maxID should be configured simultaneously, minID is missing"],
    [{ vlanTrunk: [{ minID: 5 }] }, "minID and maxID should be configured simultaneously, maxID is missing"],
    [{ ipMasqBackend: "pf" }, 'unknown ipmasq backend "pf"'],
  ])("rejects %j with the reference's message", (extra, msg) => {
    const err = errorOf(() => parseBridgeConf({ ...base, ...extra }));
    expect(err).toBeInstanceOf(CniError);
    expect(err.code).toBe(7);
    expect(err.msg).toBe(msg);
  });

  test.each([
    [{ hairpinMode: true, promiscMode: true }, "cannot set hairpin mode and promiscuous mode at the same time"],
    [{ disableContainerInterface: true, ipam: { type: "host-local" } }, "cannot use IPAM when DisableContainerInterface flag is set"],
    [{ runtimeConfig: { mac: "zz" } }, "address zz: invalid MAC address"],
  ])("checkAddRules() rejects %j for ADD only (DEL still parses it)", (extra, msg) => {
    const s = parseBridgeConf({ ...base, ...extra });
    const err = errorOf(() => checkAddRules(s));
    expect(err.code).toBe(7);
    expect(err.msg).toBe(msg);
  });

  test("a wrong type is an InvalidConfigError naming the key", () => {
    const err = errorOf(() => parseBridgeConf({ ...base, mtu: "1500" }));
    expect(err.code).toBe(7);
    expect(err.msg).toContain("mtu");
  });

  test("vlanTrunk: sorted unique VIDs; [] still asks for vlan_filtering", () => {
    expect(parseBridgeConf({ ...base, vlanTrunk: [{ id: 7 }, { minID: 3, maxID: 5 }, { id: 4 }] }).trunkVids).toEqual([3, 4, 5, 7]);
    const empty = parseBridgeConf({ ...base, vlanTrunk: [] });
    expect(empty.trunkVids).toEqual([]);
    expect(empty.vlanFiltering).toBe(true);
    expect(parseBridgeConf({ ...base, vlan: 10 }).vlanFiltering).toBe(true);
  });

  test("MAC precedence: CNI_ARGS < args.cni.mac < runtimeConfig.mac", () => {
    const a = "0a:00:00:00:00:01";
    const b = "0a:00:00:00:00:02";
    const c = "0A-00-00-00-00-03";
    expect(parseBridgeConf(base, a).mac).toBe(a);
    expect(parseBridgeConf({ ...base, args: { cni: { mac: b } } }, a).mac).toBe(b);
    expect(parseBridgeConf({ ...base, args: { cni: { mac: b } }, runtimeConfig: { mac: c } }, a).mac).toBe("0a:00:00:00:00:03");
  });

  test("dns replaces IPAM's only when it carries something", () => {
    expect(parseBridgeConf({ ...base, dns: {} }).dns).toBeUndefined();
    expect(parseBridgeConf({ ...base, dns: { nameservers: ["10.0.0.10"] } }).dns).toEqual({ nameservers: ["10.0.0.10"] });
  });

  test("L3 mode iff ipam.type is set", () => {
    expect(parseBridgeConf({ ...base, ipam: {} }).ipamType).toBe("");
    expect(parseBridgeConf({ ...base, ipam: { type: "host-local", subnet: "10.0.0.0/24" } }).ipamType).toBe("host-local");
  });
});

describe("normalizeMac()", () => {
  test("accepts colon and dash forms, rejects others", () => {
    expect(normalizeMac("AA:bb:CC:dd:EE:ff")).toBe("aa:bb:cc:dd:ee:ff");
    expect(normalizeMac("aa-bb-cc-dd-ee-ff")).toBe("aa:bb:cc:dd:ee:ff");
    expect(normalizeMac("aa:bb-cc:dd:ee:ff")).toBeUndefined();
    expect(normalizeMac("aa:bb:cc:dd:ee")).toBeUndefined();
  });
});

describe("canonicalizeKeys()", () => {
  test("an exact key wins over a case-insensitive one", () => {
    expect(canonicalizeKeys({ MTU: 1, mtu: 2 }, ["mtu"])).toEqual({ mtu: 2 });
    expect(canonicalizeKeys({ Mtu: 1, other: 3 }, ["mtu"])).toEqual({ mtu: 1, other: 3 });
  });
});
