import { describe, expect, it } from "vitest";
import { warmUpCodePaths } from "./warm-up.ts";
import { warmUpNetlink } from "./warm-up-netlink.ts";

describe("build-time warm-up", () => {
  it("runs every warmed path without a kernel or files", () => {
    expect(() => warmUpCodePaths()).not.toThrow();
  });

  it("feeds the netlink requests back through their reply parsers", () => {
    const { links, addresses, routes } = warmUpNetlink();
    expect(links).toEqual([expect.objectContaining({ name: expect.stringMatching(/^veth[0-9a-f]{8}$/), mtu: 1500, masterIndex: 2 })]);
    expect(addresses).toEqual([expect.objectContaining({ address: "fd00::2", prefixLength: 64, index: 3 })]);
    expect(routes).toEqual([expect.objectContaining({ dst: "0.0.0.0/0", gw: "10.0.0.1", index: 3 })]);
  });
});
