import { describe, expect, it } from "vitest";
import { IpamError } from "../../src/errors.ts";
import { formatIp, parseIp } from "../../src/ip/ip-bytes.ts";
import { allocateAddresses, allocateFromSet, hasFreeAddress, rangeSetCandidates } from "./allocator.ts";
import { MemoryStore } from "../../test/helpers/memory-store.ts";
import { canonicalizeRangeSet } from "./range-set.ts";
import type { RangeInput } from "./range.ts";

const set = (...inputs: RangeInput[]) =>
  canonicalizeRangeSet(
    inputs.map((input, j) => ({ input, key: `r[${j}]` })),
    0,
  );
const ip = (s: string) => parseIp(s)!;

function add(store: MemoryStore, sets: ReturnType<typeof set>[], cid: string, requested: string[] = [], ifName = "eth0") {
  return allocateAddresses(store, { containerId: cid, ifName, rangeSets: sets, requested: requested.map(ip) }).map(
    (a) => `${formatIp(a.ip)}/${a.prefix} gw ${formatIp(a.gateway)}`,
  );
}

describe("rangeSetCandidates()", () => {
  it("starts at rangeStart and skips the gateway", () => {
    const s = set({ subnet: "10.0.0.0/29" });
    expect([...rangeSetCandidates(s, undefined)].map(formatIp)).toEqual(["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"]);
  });

  it("continues after the last reserved address and wraps across ranges", () => {
    const s = set({ subnet: "10.0.0.0/29" }, { subnet: "10.0.1.0/29", gateway: "10.0.1.6" });
    expect([...rangeSetCandidates(s, ip("10.0.0.5"))].map(formatIp)).toEqual([
      "10.0.0.6",
      "10.0.1.1",
      "10.0.1.2",
      "10.0.1.3",
      "10.0.1.4",
      "10.0.1.5",
      "10.0.0.2",
      "10.0.0.3",
      "10.0.0.4",
      "10.0.0.5",
    ]);
  });

  it("ignores a last reserved address outside the set", () => {
    const s = set({ subnet: "10.0.0.0/30" });
    expect([...rangeSetCandidates(s, ip("192.168.0.1"))].map(formatIp)).toEqual(["10.0.0.2"]);
  });
});

describe("allocateAddresses()", () => {
  it("hands out addresses round robin, skipping the gateway", () => {
    const store = new MemoryStore();
    const s = set({ subnet: "10.1.2.0/24" });
    expect(add(store, [s], "a")).toEqual(["10.1.2.2/24 gw 10.1.2.1"]);
    expect(add(store, [s], "b")).toEqual(["10.1.2.3/24 gw 10.1.2.1"]);
    store.releaseByAttachment("a", "eth0");
    // Round robin: the freed .2 is not reused before the range wraps.
    expect(add(store, [s], "c")).toEqual(["10.1.2.4/24 gw 10.1.2.1"]);
  });

  it("wraps to the start and reuses freed addresses", () => {
    const store = new MemoryStore();
    const s = set({ subnet: "10.1.2.0/24", rangeStart: "10.1.2.10", rangeEnd: "10.1.2.12" });
    expect(add(store, [s], "a")).toEqual(["10.1.2.10/24 gw 10.1.2.1"]);
    expect(add(store, [s], "b")).toEqual(["10.1.2.11/24 gw 10.1.2.1"]);
    store.releaseByAttachment("a", "eth0");
    expect(add(store, [s], "c")).toEqual(["10.1.2.12/24 gw 10.1.2.1"]);
    expect(add(store, [s], "d")).toEqual(["10.1.2.10/24 gw 10.1.2.1"]);
  });

  it("reports exhaustion with the reference wording", () => {
    const store = new MemoryStore();
    const s = set({ subnet: "10.1.2.0/30" });
    expect(add(store, [s], "a")).toEqual(["10.1.2.2/30 gw 10.1.2.1"]);
    expect(() => add(store, [s], "b")).toThrow(new IpamError("failed to allocate for range 0: no IP addresses available in range set: 10.1.2.1-10.1.2.2"));
    expect(hasFreeAddress(s, store.listAddresses())).toBe(false);
  });

  it("refuses a duplicate attachment", () => {
    const store = new MemoryStore();
    const s = set({ subnet: "10.1.2.0/24" });
    add(store, [s], "a");
    expect(() => add(store, [s], "a")).toThrow("failed to allocate for range 0: 10.1.2.2 has been allocated to a, duplicate allocation is not allowed");
    expect(add(store, [s], "a", [], "eth1")).toEqual(["10.1.2.3/24 gw 10.1.2.1"]);
  });

  it("treats a legacy id-only record as a duplicate", () => {
    const store = new MemoryStore();
    store.allocations.set("10.1.2.7", { containerId: "a", ifName: undefined });
    expect(() => add(store, [set({ subnet: "10.1.2.0/24" })], "a")).toThrow("10.1.2.7 has been allocated to a");
  });

  it("allocates one address per set (dual stack), each with its own round robin", () => {
    const store = new MemoryStore();
    const v4 = set({ subnet: "10.1.2.0/24" });
    const v6 = set({ subnet: "fd00::/120", gateway: "fd00::ff" });
    expect(add(store, [v4, v6], "a")).toEqual(["10.1.2.2/24 gw 10.1.2.1", "fd00::1/120 gw fd00::ff"]);
    expect(add(store, [v4, v6], "b")).toEqual(["10.1.2.3/24 gw 10.1.2.1", "fd00::2/120 gw fd00::ff"]);
    expect(store.lastReserved.get(0)).toBe("10.1.2.3");
    expect(store.lastReserved.get(1)).toBe("fd00::2");
  });

  it("honours requested addresses, one per set", () => {
    const store = new MemoryStore();
    const v4 = set({ subnet: "10.1.2.0/24" });
    const v6 = set({ subnet: "fd00::/120" });
    expect(add(store, [v4, v6], "a", ["fd00::77", "10.1.2.99"])).toEqual(["10.1.2.99/24 gw 10.1.2.1", "fd00::77/120 gw fd00::1"]);
    expect(() => add(store, [v4], "b", ["10.1.2.99"])).toThrow(
      "failed to allocate for range 0: requested IP address 10.1.2.99 is not available in range set 10.1.2.1-10.1.2.254",
    );
    expect(() => add(store, [v4], "c", ["10.1.2.1"])).toThrow("failed to allocate for range 0: requested ip 10.1.2.1 is subnet's gateway");
  });

  it("refuses requested addresses no set can serve, and rolls back", () => {
    const store = new MemoryStore();
    const v4 = set({ subnet: "10.1.2.0/24" });
    expect(() => add(store, [v4], "a", ["10.1.2.5", "10.1.2.6"])).toThrow("failed to allocate all requested IPs: 10.1.2.6");
    expect(() => add(store, [v4], "a", ["192.168.0.1"])).toThrow("failed to allocate all requested IPs: 192.168.0.1");
    expect(store.allocations.size).toBe(0);
  });

  it("rolls back earlier sets when a later one fails, keeping older allocations", () => {
    const store = new MemoryStore();
    const v4 = set({ subnet: "10.1.2.0/24" });
    const full = set({ subnet: "10.9.0.0/30" });
    add(store, [full], "other");
    expect(() => add(store, [v4, full], "a")).toThrow("failed to allocate for range 1: no IP addresses available in range set: 10.9.0.1-10.9.0.2");
    expect([...store.allocations.keys()]).toEqual(["10.9.0.2"]);
  });

  it("allocateFromSet() records the last reserved address per set", () => {
    const store = new MemoryStore();
    const s = set({ subnet: "10.1.2.0/24" });
    allocateFromSet(store, s, 4, "a", "eth0", undefined);
    expect(store.lastReserved.get(4)).toBe("10.1.2.2");
  });
});

describe("hasFreeAddress()", () => {
  it("counts allocations inside the set only", () => {
    const s = set({ subnet: "10.1.2.0/30" });
    expect(hasFreeAddress(s, [ip("10.1.3.2"), ip("10.1.2.1")])).toBe(true);
    expect(hasFreeAddress(s, [ip("10.1.2.2")])).toBe(false);
  });
});
