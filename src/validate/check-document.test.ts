import { describe, expect, it } from "vitest";
import { checkDocument } from "./check-document.ts";
import { formatDiagnostic } from "./diagnostic.ts";

const list = (plugins: unknown[], top: Record<string, unknown> = {}) => JSON.stringify({ cniVersion: "1.0.0", name: "net", plugins, ...top });
const findings = (text: string, kind: "list" | "single" = "list") => checkDocument(text, kind).findings;

describe("checkDocument", () => {
  it("accepts a clean list and returns its name", () => {
    const r = checkDocument(list([{ type: "bridge", ipam: { type: "host-local", subnet: "10.1.0.0/24" } }, { type: "loopback" }]), "list");
    expect(r).toEqual({ findings: [], networkName: "net" });
  });

  it("locates a bad CIDR in a range set, with its value", () => {
    const text = list([{ type: "loopback" }, { type: "bridge", ipam: { type: "host-local", ranges: [[{ subnet: "10.0.0.0/33" }]] } }]);
    const [f, ...rest] = findings(text);
    expect(rest).toEqual([]);
    expect(formatDiagnostic({ file: "10-net.conflist", ...f! })).toBe(
      '10-net.conflist: $.plugins[1].ipam.ranges[0][0].subnet: "10.0.0.0/33": invalid CIDR address',
    );
  });

  it("reports overlapping range sets and ranges, wrong types, and bridge rules all at once", () => {
    const text = list([
      {
        type: "bridge",
        mtu: "1500",
        vlan: 4095,
        vlanTrunk: [{ id: 0 }, { minID: 9, maxID: 3 }],
        ipMasqBackend: "pf",
        ipam: { type: "host-local", ranges: [[{ subnet: "10.1.0.0/16" }], [{ subnet: "10.1.2.0/24" }], [{ subnet: "10.2.0.0/24", gateway: "10.3.0.1" }]] },
      },
    ]);
    const got = findings(text).map((f) => [f.path, f.value, f.message]);
    expect(got).toEqual([
      ["$.plugins[0].mtu", "1500", "expected a number, got a string"],
      ["$.plugins[0].vlanTrunk[0]", { id: 0 }, "incorrect trunk id parameter"],
      ["$.plugins[0].vlanTrunk[1]", { minID: 9, maxID: 3 }, "minID is greater than maxID in trunk parameter"],
      ["$.plugins[0].vlan", 4095, "invalid VLAN ID 4095 (must be between 0 and 4094)"],
      ["$.plugins[0].ipMasqBackend", "pf", 'unknown ipmasq backend "pf"'],
      ["$.plugins[0].ipam.ranges[2][0].gateway", "10.3.0.1", "gateway 10.3.0.1 not in network 10.2.0.0/24"],
      ["$.plugins[0].ipam.ranges[1]", [{ subnet: "10.1.2.0/24" }], "range set 1 overlaps with range set 0 (ipam.ranges[0])"],
    ]);
  });

  it("notes foreign plugins and IPAMs without failing", () => {
    const text = list([
      { type: "bridge", ipam: { type: "dhcp" } },
      { type: "portmap", capabilities: { portMappings: true } },
    ]);
    expect(findings(text).map((f) => [f.path, f.severity, f.message])).toEqual([
      ["$.plugins[0].ipam.type", "note", "not a cni-ts IPAM plugin, not checked"],
      ["$.plugins[1].type", "note", "not a cni-ts plugin, not checked"],
    ]);
  });

  it("suggests the key or type meant, and looks foreign types up where the runtime would", () => {
    const text = list([{ type: "brige" }, { type: "bridge", hairpinmod: true, ipam: { type: "host-locl" } }, { type: "portmap" }, { type: "tuning" }]);
    const lookup = { dirs: ["/opt/cni/bin"], find: (t: string) => (t === "portmap" ? "/opt/cni/bin/portmap" : undefined) };
    expect(checkDocument(text, "list", lookup).findings.map((f) => [f.path, f.severity, f.message])).toEqual([
      ["$.plugins[0].type", "warning", 'not a cni-ts plugin; did you mean "bridge"?'],
      ["$.plugins[1].hairpinmod", "warning", 'unknown key, ignored by bridge; did you mean "hairpinMode"?'],
      ["$.plugins[1].ipam.type", "warning", 'not a cni-ts IPAM plugin; did you mean "host-local"?'],
      ["$.plugins[2].type", "note", "not a cni-ts plugin, not checked (found /opt/cni/bin/portmap)"],
      ["$.plugins[3].type", "warning", 'no such plugin in /opt/cni/bin: ADD would fail with "failed to find plugin"'],
    ]);
    expect(findings(list([{ type: "bridge", ipam: { type: "host-local", subnt: "10.1.0.0/24" } }])).map((f) => [f.path, f.message])).toEqual([
      ["$.plugins[0].ipam.subnt", 'unknown key, ignored by host-local; did you mean "subnet"?'],
      ["$.plugins[0].ipam", "no IP ranges specified"],
    ]);
  });

  it("refuses an ipam.type that ADD's delegation refuses: bridge itself, or cni-ts under a non-IPAM name", () => {
    const refused = (ipamType: string) => findings(list([{ type: "bridge", ipam: { type: ipamType } }])).map((f) => [f.severity, f.message]);
    expect(refused("bridge")).toEqual([["error", 'ipam.type "bridge" is the calling plugin itself; it cannot be its own IPAM']]);
    expect(refused("loopback")).toEqual([["error", 'ipam.type "loopback" resolves to loopback, this executable, which is not an IPAM plugin under that name']]);
    expect(refused("cni-ts")[0]?.[0]).toBe("error");
  });

  it("refuses an unsupported cniVersion, a bad name, a missing type; warns about unknown keys", () => {
    const got = findings(list([{ isGateway: true }, { type: "bridge", isGatway: true }], { cniVersion: "2.0.0", name: "bad name" }));
    expect(got.map((f) => [f.path, f.severity])).toEqual([
      ["$.name", "error"],
      ["$.cniVersion", "error"],
      ["$.plugins[0].type", "error"],
      ["$.plugins[1].isGatway", "warning"],
    ]);
    expect(got[1]!.message).toMatch(/unsupported CNI version \(cni-ts supports 0\.1\.0, .*1\.1\.0\)/);
  });

  it("checks host-local's own rules (family limit of old versions) through loadHostLocalConfig", () => {
    const text = JSON.stringify({
      cniVersion: "0.2.0",
      name: "net",
      type: "bridge",
      ipam: { type: "host-local", ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "10.2.0.0/24" }]] },
    });
    expect(findings(text, "single").map((f) => [f.path, f.message])).toEqual([["$.ipam", "CNI version 0.2.0 does not support more than 1 address per family"]]);
  });

  it("reports bad JSON, a list without plugins, and a list in a .conf", () => {
    expect(findings("{nope", "list")[0]).toMatchObject({ path: "$", severity: "error" });
    expect(findings(JSON.stringify({ cniVersion: "1.0.0", name: "n" }), "list")).toMatchObject([{ path: "$.plugins", severity: "error" }]);
    expect(findings(list([{ type: "loopback" }]), "single")).toMatchObject([{ path: "$.plugins", severity: "warning" }]);
  });
});
