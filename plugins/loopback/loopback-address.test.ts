import { describe, expect, it } from "vitest";
import { findNonLoopback, isLoopbackAddress, loopbackResult } from "./loopback-address.ts";

describe("isLoopbackAddress()", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.255.0.9", true],
    ["::1", true],
    ["::ffff:127.0.0.2", true],
    ["128.0.0.1", false],
    ["10.0.0.1", false],
    ["::2", false],
    ["fe80::1", false],
    ["garbage", false],
  ])("%s → %s", (a, yes) => expect(isLoopbackAddress(a)).toBe(yes));
});

describe("loopbackResult()", () => {
  it("reports lo with the first address of each family", () => {
    const r = loopbackResult("/var/run/netns/p", [
      { family: 6, address: "::1", prefixLength: 128 },
      { family: 4, address: "127.0.0.1", prefixLength: 8 },
      { family: 4, address: "127.0.0.2", prefixLength: 8 },
    ]);
    expect(r).toEqual({
      interfaces: [{ name: "lo", mac: "00:00:00:00:00:00", sandbox: "/var/run/netns/p" }],
      ips: [
        { interface: 0, address: "127.0.0.1/8" },
        { interface: 0, address: "::1/128" },
      ],
    });
  });
  it("has no ips when lo has no address", () => {
    expect(loopbackResult("/x", []).ips).toEqual([]);
  });
  it("findNonLoopback() finds a foreign address", () => {
    expect(
      findNonLoopback([
        { family: 4, address: "127.0.0.1", prefixLength: 8 },
        { family: 4, address: "192.0.2.1", prefixLength: 32 },
      ])?.address,
    ).toBe("192.0.2.1");
    expect(findNonLoopback([{ family: 6, address: "::1", prefixLength: 128 }])).toBeUndefined();
  });
});
