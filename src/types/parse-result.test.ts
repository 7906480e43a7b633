import { describe, expect, it } from "vitest";
import { DecodingError } from "../errors.ts";
import { parseResult } from "./parse-result.ts";

describe("parseResult()", () => {
  it("reads 1.x, dropping unknown fields", () => {
    const r = parseResult(
      { cniVersion: "1.1.0", interfaces: [{ name: "eth0", mtu: 9000, extra: 1 }], ips: [{ interface: 0, address: "10.0.0.2/24" }], foo: "bar" },
      "1.1.0",
    );
    expect(r).toEqual({ cniVersion: "1.1.0", interfaces: [{ name: "eth0", mtu: 9000 }], ips: [{ interface: 0, address: "10.0.0.2/24" }] });
  });

  it("reads 0.4.0 and drops version", () => {
    const r = parseResult({ cniVersion: "0.4.0", ips: [{ version: "6", address: "fd00::2/64", gateway: "fd00::1" }], dns: {} }, "0.4.0");
    expect(r.ips).toEqual([{ address: "fd00::2/64", gateway: "fd00::1" }]);
    expect(r.dns).toBeUndefined();
  });

  it("reads 0.1.0 ip4/ip6", () => {
    const r = parseResult({ ip4: { ip: "10.0.0.2/24", routes: [{ dst: "0.0.0.0/0", gw: "10.0.0.1" }] } }, "0.1.0");
    expect(r).toMatchObject({ cniVersion: "0.1.0", ips: [{ address: "10.0.0.2/24" }], routes: [{ dst: "0.0.0.0/0", gw: "10.0.0.1" }] });
  });

  it("reads null as an empty result", () => {
    expect(parseResult(null, "1.0.0")).toEqual({ cniVersion: "1.0.0" });
  });

  it.each([
    [{ ips: [{ address: "10.0.0.2" }] }, "1.0.0", "ips[0].address: invalid CIDR address: 10.0.0.2"],
    [{ ips: [{ address: "10.0.0.2/33" }] }, "1.0.0", "ips[0].address: invalid CIDR address: 10.0.0.2/33"],
    [{ ips: [{ address: "10.0.0.2/24", gateway: "nope" }] }, "1.0.0", "ips[0].gateway: invalid IP address: nope"],
    [{ routes: [{ dst: "x" }] }, "1.1.0", "routes[0].dst: invalid CIDR address: x"],
    [{ routes: [{ dst: "0.0.0.0/0", gw: 5 }] }, "1.1.0", "routes[0].gw: expected a string, got number 5"],
    [{ ips: [{ address: "10.0.0.2/24" }] }, "0.4.0", 'ips[0].version: expected "4" or "6", got undefined'],
    [{ ips: {} }, "1.0.0", "ips: expected a list"],
    [{ ip4: { ip: "fd00::/129" } }, "0.2.0", "ip4.ip: invalid CIDR address: fd00::/129"],
    [[], "1.0.0", "result: expected an object"],
  ])("rejects %j at %s", (doc, version, msg) => {
    expect(() => parseResult(doc, version as any)).toThrow(DecodingError);
    expect(() => parseResult(doc, version as any)).toThrow(msg);
  });
});
