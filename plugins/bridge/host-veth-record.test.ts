import { describe, expect, test } from "vitest";
import { formatHostVethRecord, parseHostVethRecord } from "./host-veth-record.ts";

const bridge = { name: "cni0", mac: "aa:aa:aa:aa:aa:aa" };
const hostVeth = { name: "veth0a1b2c3d", mac: "02:00:00:00:00:01" };
const pod = { name: "eth0", mac: "02:00:00:00:00:02", sandbox: "/var/run/netns/p" };

describe("host veth record", () => {
  test("round trip of an ADD result's host veth", () => {
    const text = formatHostVethRecord({ cniVersion: "1.1.0", interfaces: [bridge, hostVeth, pod] });
    expect(parseHostVethRecord(text!)).toEqual(hostVeth);
  });

  test.each([
    ["no interfaces", {}],
    ["host end with a sandbox", { interfaces: [bridge, pod, pod] }],
    ["host end without a MAC", { interfaces: [bridge, { name: "veth0a1b2c3d" }, pod] }],
  ])("nothing to record: %s", (_name, result) => {
    expect(formatHostVethRecord({ cniVersion: "1.1.0", ...result })).toBeUndefined();
  });

  // Whatever is in the file, only our own well-formed record names a veth.
  test.each([
    ["empty", ""],
    ["torn", '{"kind":"cni-ts bridge host veth","name":"veth0a1'],
    ["not an object", '"veth0a1b2c3d"'],
    ["null", "null"],
    ["array", '["veth0a1b2c3d"]'],
    ["other kind", '{"kind":"x","name":"veth0a1b2c3d","mac":"02:00:00:00:00:01"}'],
    ["bridge name", '{"kind":"cni-ts bridge host veth","name":"cni0","mac":"02:00:00:00:00:01"}'],
    ["path-like name", '{"kind":"cni-ts bridge host veth","name":"../veth0a1b2c3d","mac":"x"}'],
    ["upper-case hex", '{"kind":"cni-ts bridge host veth","name":"veth0A1B2C3D","mac":"x"}'],
    ["name with a newline", '{"kind":"cni-ts bridge host veth","name":"veth0a1b2c3d\\n","mac":"x"}'],
    ["numeric mac", '{"kind":"cni-ts bridge host veth","name":"veth0a1b2c3d","mac":1}'],
    ["missing mac", '{"kind":"cni-ts bridge host veth","name":"veth0a1b2c3d"}'],
    ["prototype key", '{"__proto__":{"kind":"cni-ts bridge host veth","name":"veth0a1b2c3d","mac":"x"}}'],
  ])("no record: %s", (_name, text) => {
    expect(parseHostVethRecord(text)).toBeUndefined();
  });
});
