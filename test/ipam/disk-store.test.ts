/**
 * DiskStore in-process on temp directories: DEL cost independent of the
 * store's size, index rebuilt after foreign writes, recovery from runs
 * killed at each step, unsafe network names, the last-reserved hint.
 */
import { linkSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UnsafePathError } from "../../src/errors.ts";
import { formatIp, parseIp } from "../../src/ip/ip-bytes.ts";
import { addToIp } from "../../src/ip/ip-math.ts";
import { DiskStore, META_DIR } from "../../ipam/host-local/disk-store.ts";

const NET = "cnits-net";
let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync("/tmp/cnits-ds-");
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const netDir = () => join(dataDir, NET);
const ipNames = () =>
  readdirSync(netDir())
    .filter((n) => parseIp(n))
    .sort();

/** Fill the store with `n` allocations through one locked run. */
function fill(n: number): void {
  const store = new DiskStore(dataDir, NET);
  const base = parseIp("10.128.0.2")!;
  store.withLock(() => {
    for (let i = 0; i < n; i++) store.reserve(`c${i}`, "eth0", addToIp(base, BigInt(i)), 0);
  });
}

/** File reads one DEL of an existing attachment costs. */
function delReads(): number {
  const store = new DiskStore(dataDir, NET);
  const released = store.withLock(() => store.releaseByAttachment("c5", "eth0"));
  expect(released.map(formatIp)).toEqual(["10.128.0.7"]);
  expect(store.stats.fullScans).toBe(0);
  return store.stats.fileReads;
}

describe("DiskStore", () => {
  it("DEL reads as many files at 4,000 allocations as at 10", () => {
    fill(10);
    const small = delReads();
    rmSync(netDir(), { recursive: true });
    fill(4000);
    const large = delReads();
    expect(large).toBeLessThanOrEqual(small * 1.5);
    expect(large).toBeLessThan(10);
  }, 60_000);

  it("finds allocations written behind its back (the reference) with one rebuild", () => {
    fill(20);
    writeFileSync(join(netDir(), "10.128.1.1"), "foreign\r\neth0", { mode: 0o600 });
    const store = new DiskStore(dataDir, NET);
    expect(store.withLock(() => store.releaseByAttachment("foreign", "eth0")).map(formatIp)).toEqual(["10.128.1.1"]);
    expect(store.stats.fullScans).toBe(1);
    // A foreign delete is noticed too, and the next run is cheap again.
    unlinkSync(join(netDir(), "10.128.0.2"));
    const again = new DiskStore(dataDir, NET);
    expect(again.withLock(() => again.getByAttachment("c0", "eth0"))).toEqual([]);
    const third = new DiskStore(dataDir, NET);
    third.withLock(() => third.getByAttachment("c1", "eth0"));
    expect(third.stats.fullScans).toBe(0);
  });

  it("never releases an address whose file now names another owner", () => {
    fill(3);
    // Simulate a stale index: the file was re-created for someone else with the stamp intact.
    const path = join(netDir(), "10.128.0.2");
    const stamp = readFileSync(join(netDir(), META_DIR, "stamp"), "utf8");
    writeFileSync(path, "someone\r\neth0");
    writeFileSync(join(netDir(), META_DIR, "stamp"), stamp);
    const store = new DiskStore(dataDir, NET);
    expect(store.withLock(() => store.releaseByAttachment("c0", "eth0"))).toEqual([]);
    expect(readFileSync(path, "utf8")).toBe("someone\r\neth0");
  });

  it("recovers from a run killed after claiming an address, before indexing it", () => {
    fill(2);
    // Killed after link() and before the index and stamp: stamp removed first, file present, temp left.
    unlinkSync(join(netDir(), META_DIR, "stamp"));
    const temp = join(netDir(), META_DIR, "tmp-1-x-0");
    writeFileSync(temp, "killed\r\neth0", { mode: 0o600 });
    linkSync(temp, join(netDir(), "10.128.0.50"));
    const store = new DiskStore(dataDir, NET);
    expect(store.withLock(() => store.releaseByAttachment("killed", "eth0")).map(formatIp)).toEqual(["10.128.0.50"]);
    expect(readdirSync(join(netDir(), META_DIR)).filter((n) => n.startsWith("tmp-"))).toEqual([]);
    expect(ipNames()).toEqual(["10.128.0.2", "10.128.0.3"]);
  });

  it("recovers from a DEL killed after removing files, before updating the index", () => {
    fill(2);
    unlinkSync(join(netDir(), META_DIR, "stamp"));
    unlinkSync(join(netDir(), "10.128.0.2"));
    const store = new DiskStore(dataDir, NET);
    expect(store.withLock(() => store.getByAttachment("c0", "eth0"))).toEqual([]);
    expect(store.withLock(() => store.reserve("new", "eth0", parseIp("10.128.0.2")!, 0))).toBe(true);
    expect(
      store
        .withLock(() => store.listAllocations())
        .map((a) => `${formatIp(a.ip)} ${a.containerId}`)
        .sort(),
    ).toEqual(["10.128.0.2 new", "10.128.0.3 c1"]);
  });

  it("refuses network names that would leave dataDir", () => {
    for (const name of ["..", ".", "", "a/b", "../x"]) expect(() => new DiskStore(dataDir, name)).toThrow(UnsafePathError);
  });

  describe("the last-reserved hint, written in place", () => {
    const hint = () => join(netDir(), "last_reserved_ip.0");
    const reserveOne = (id: string, ip: string) => {
      const store = new DiskStore(dataDir, NET);
      expect(store.withLock(() => store.reserve(id, "eth0", parseIp(ip)!, 0))).toBe(true);
    };

    it("holds exactly the last address, also after a longer one (no leftover bytes for the reference's parser)", () => {
      reserveOne("a", "10.128.0.100");
      expect(readFileSync(hint(), "utf8")).toBe("10.128.0.100");
      reserveOne("b", "10.128.0.2");
      expect(readFileSync(hint(), "utf8")).toBe("10.128.0.2");
      expect(lstatSync(hint()).mode & 0o777).toBe(0o600);
    });

    it("replaces a symlink or a hard link planted at its name instead of writing through it", () => {
      fill(1);
      const outside = join(dataDir, "outside");
      writeFileSync(outside, "keep");
      unlinkSync(hint());
      symlinkSync(outside, hint());
      reserveOne("a", "10.128.0.20");
      expect(lstatSync(hint()).isSymbolicLink()).toBe(false);
      expect(readFileSync(hint(), "utf8")).toBe("10.128.0.20");
      unlinkSync(hint());
      linkSync(outside, hint());
      reserveOne("b", "10.128.0.21");
      expect(readFileSync(hint(), "utf8")).toBe("10.128.0.21");
      expect(readFileSync(outside, "utf8")).toBe("keep");
    });

    it("a torn hint (a crash mid-write) only costs where the next search starts", () => {
      fill(2);
      writeFileSync(hint(), "10.128.0.\u0000x");
      const store = new DiskStore(dataDir, NET);
      expect(store.withLock(() => store.lastReservedIp(0))).toBeUndefined();
      expect(store.withLock(() => store.reserve("c9", "eth0", parseIp("10.128.0.9")!, 0))).toBe(true);
      expect(readFileSync(hint(), "utf8")).toBe("10.128.0.9");
    });
  });

  it("keeps bookkeeping invisible to the reference's release walk", () => {
    fill(3);
    for (const name of readdirSync(join(netDir(), META_DIR))) {
      const content = readFileSync(join(netDir(), META_DIR, name), "utf8").trim();
      expect(content.startsWith("{")).toBe(true);
    }
  });
});
