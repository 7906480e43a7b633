import { describe, expect, test } from "vitest";
import { formatHostVethRecord, parseHostVethRecord } from "./host-veth-record.ts";

const bridge = { name: "cni0", mac: "aa:aa:aa:aa:aa:aa" };
const hostVeth = { name: "veth0a1b2c3d", mac: "02:00:00:00:00:01" };
const pod = { name: "eth0", mac: "02:00:00:00:00:02", sandbox: "/var/run/netns/p" };
const attachment = { network: "n", containerId: "c", ifName: "eth0" };
const ok = { kind: "cni-ts bridge host veth", network: "n", containerID: "c", ifname: "eth0", name: "veth0a1b2c3d", mac: "02:00:00:00:00:01" };
const json = (patch: Record<string, unknown>) => JSON.stringify({ ...ok, ...patch });

describe("host veth record", () => {
  test("round trip of an ADD result's host veth", () => {
    const text = formatHostVethRecord({ cniVersion: "1.1.0", interfaces: [bridge, hostVeth, pod] }, attachment);
    expect(parseHostVethRecord(text!)).toEqual({ ...hostVeth, attachment });
  });

  test.each([
    ["no interfaces", {}],
    ["host end with a sandbox", { interfaces: [bridge, pod, pod] }],
    ["host end without a MAC", { interfaces: [bridge, { name: "veth0a1b2c3d" }, pod] }],
  ])("nothing to record: %s", (_name, result) => {
    expect(formatHostVethRecord({ cniVersion: "1.1.0", ...result }, attachment)).toBeUndefined();
  });

  // Whatever is in the file, only our own well-formed record names a veth.
  test.each([
    ["empty", ""],
    ["torn", '{"kind":"cni-ts bridge host veth","name":"veth0a1'],
    ["not an object", '"veth0a1b2c3d"'],
    ["null", "null"],
    ["array", '["veth0a1b2c3d"]'],
    ["other kind", json({ kind: "x" })],
    ["bridge name", json({ name: "cni0" })],
    ["path-like name", json({ name: "../veth0a1b2c3d" })],
    ["upper-case hex", json({ name: "veth0A1B2C3D" })],
    ["name with a newline", json({ name: "veth0a1b2c3d\n" })],
    ["numeric mac", json({ mac: 1 })],
    ["missing mac", json({ mac: undefined })],
    ["missing network", json({ network: undefined })],
    ["numeric container id", json({ containerID: 7 })],
    ["null ifname", json({ ifname: null })],
    ["prototype key", `{"__proto__":${JSON.stringify(ok)}}`],
  ])("no record: %s", (_name, text) => {
    expect(parseHostVethRecord(text)).toBeUndefined();
  });
});
