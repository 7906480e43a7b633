import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import "./zod-setup.ts";
import { InvalidConfigError } from "../errors.ts";
import { configVersion } from "./config-version.ts";
import { formatPath, netConfSchema, parseNetConf } from "./net-conf.ts";
import { parsePrevResult } from "./prev-result.ts";

const cidr = z.string().check(z.refine((s) => /^\d+\.\d+\.\d+\.\d+\/([0-9]|[12][0-9]|3[0-2])$/.test(s), { message: "is not a valid CIDR" }));
const demoSchema = z.extend(netConfSchema(), {
  mtu: z.optional(z.number().check(z.int())),
  ipam: z.optional(z.object({ type: z.string(), ranges: z.array(z.array(z.object({ subnet: cidr }))) })),
});

describe("parseNetConf()", () => {
  it("accepts the base keys and tolerates unknown ones", () => {
    const conf = parseNetConf(netConfSchema(), {
      cniVersion: "1.1.0",
      name: "n",
      type: "bridge",
      capabilities: { mac: true },
      runtimeConfig: { mac: "x" },
      args: { cni: {} },
      prevResult: { ips: [] },
      "cni.dev/valid-attachments": [],
      whatever: 1,
    });
    expect(conf.name).toBe("n");
  });

  it("names the JSON path and the offending value of a refinement", () => {
    const raw = { name: "n", ipam: { type: "host-local", ranges: [[{ subnet: "10.0.0.0/33" }]] } };
    expect(() => parseNetConf(demoSchema, raw)).toThrow(InvalidConfigError);
    expect(() => parseNetConf(demoSchema, raw)).toThrow('invalid config: ipam.ranges[0][0].subnet: "10.0.0.0/33" is not a valid CIDR');
  });

  it("reports wrong types and missing keys", () => {
    expect(() => parseNetConf(demoSchema, { name: "n", mtu: "x" })).toThrow('invalid config: mtu: "x" is not a number');
    expect(() => parseNetConf(demoSchema, { name: "n", ipam: {} })).toThrow("ipam.type: missing (expected string)");
    expect(() => parseNetConf(demoSchema, { name: "n", mtu: 1.5 })).toThrow("mtu: 1.5 is not an integer");
  });

  it("joins several issues and carries code 7", () => {
    try {
      parseNetConf(demoSchema, { name: 5, mtu: "x" });
      expect.unreachable();
    } catch (e) {
      expect((e as InvalidConfigError).code).toBe(7);
      expect((e as Error).message).toBe('invalid config: name: 5 is not a string; mtu: "x" is not a number');
    }
  });

  it("formatPath() renders indices and keys", () => {
    expect(formatPath(["a", 0, 1, "b"])).toBe("a[0][1].b");
    expect(formatPath([])).toBe("");
  });
});

describe("configVersion()", () => {
  it("defaults to 0.1.0", () => {
    expect(configVersion({})).toBe("0.1.0");
    expect(configVersion({ cniVersion: "" })).toBe("0.1.0");
    expect(configVersion({ cniVersion: "0.3.1" })).toBe("0.3.1");
  });
});

describe("parsePrevResult()", () => {
  it("is undefined without prevResult", () => {
    expect(parsePrevResult({ cniVersion: "1.0.0" })).toBeUndefined();
  });
  it("reads a prevResult of the config's family into the 1.1.0 model", () => {
    const r = parsePrevResult({ cniVersion: "0.3.1", prevResult: { cniVersion: "0.4.0", ips: [{ version: "4", address: "10.0.0.2/24" }] } });
    expect(r?.ips).toEqual([{ address: "10.0.0.2/24" }]);
  });
  it("uses the config's version when prevResult has none", () => {
    expect(parsePrevResult({ cniVersion: "0.2.0", prevResult: { ip4: { ip: "10.0.0.2/24" } } })?.ips).toEqual([{ address: "10.0.0.2/24" }]);
    expect(parsePrevResult({ cniVersion: "1.1.0", prevResult: { ips: [{ address: "10.0.0.2/24" }] } })?.cniVersion).toBe("1.1.0");
  });
  it("refuses another family like libcni", () => {
    expect(() => parsePrevResult({ cniVersion: "1.0.0", prevResult: { cniVersion: "0.4.0" } })).toThrow(
      'failed to parse prevResult: could not parse prevResult: result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is "0.4.0"',
    );
  });
  it("reports malformed content with code 6", () => {
    try {
      parsePrevResult({ cniVersion: "1.0.0", prevResult: { ips: [{ address: "bad" }] } });
      expect.unreachable();
    } catch (e) {
      expect((e as InvalidConfigError).code).toBe(6);
      expect((e as Error).message).toBe("failed to parse prevResult: ips[0].address: invalid CIDR address: bad");
    }
  });
});
