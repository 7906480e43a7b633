/**
 * host-local, the built executable, against real temp stores: every config
 * key, dual stack, requested addresses, exhaustion, concurrency, GC, STATUS,
 * reboot reclaim, interop with the reference host-local (v1.1.1) on one
 * dataDir, unsafe paths.
 */
import { spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ours, reference, runPlugin } from "../helpers/run-plugin.ts";
import type { PluginEnv, PluginRun } from "../helpers/run-plugin.ts";
import { ALL_SPEC_VERSIONS } from "../helpers/versions.ts";

const NET = "cnits-net";
let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync("/tmp/cnits-hl-");
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function conf(ipam: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { cniVersion: "1.1.0", name: NET, ipam: { type: "host-local", dataDir, ...ipam }, ...extra };
}

function env(command: string, cid = "ctr1", ifName = "eth0", extra: Partial<PluginEnv> = {}): PluginEnv {
  return { CNI_COMMAND: command, CNI_CONTAINERID: cid, CNI_NETNS: "/var/run/netns/none", CNI_IFNAME: ifName, CNI_PATH: "/usr/lib/cni", ...extra };
}

function run(command: string, config: unknown, cid?: string, ifName?: string, extra: Partial<PluginEnv> = {}, bin = ours("host-local")): PluginRun {
  return runPlugin(bin, env(command, cid, ifName, extra), config);
}

function ok(r: PluginRun): PluginRun {
  if (r.status !== 0) throw new Error(`plugin failed (${r.status}): ${r.stdout} ${r.stderr}`);
  return r;
}

const netDir = () => join(dataDir, NET);
const addrFiles = () =>
  readdirSync(netDir())
    .filter((n) => /^[0-9a-f.:]+$/.test(n) && (n.includes(".") || n.includes(":")))
    .sort();
const owner = (ip: string) => readFileSync(join(netDir(), ip), "utf8");

describe("host-local ADD", () => {
  it("allocates dual-stack addresses and writes the reference's files", () => {
    const c = conf({ ranges: [[{ subnet: "10.1.2.0/24" }], [{ subnet: "fd00:1::/64" }]], routes: [{ dst: "0.0.0.0/0" }] });
    const r = ok(run("ADD", c));
    expect(r.json).toEqual({
      cniVersion: "1.1.0",
      ips: [
        { address: "10.1.2.2/24", gateway: "10.1.2.1" },
        { address: "fd00:1::2/64", gateway: "fd00:1::1" },
      ],
      routes: [{ dst: "0.0.0.0/0" }],
    });
    expect(owner("10.1.2.2")).toBe("ctr1\r\neth0");
    expect(owner("fd00:1::2")).toBe("ctr1\r\neth0");
    expect(statSync(join(netDir(), "10.1.2.2")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(netDir(), "last_reserved_ip.0"), "utf8")).toBe("10.1.2.2");
    expect(readFileSync(join(netDir(), "last_reserved_ip.1"), "utf8")).toBe("fd00:1::2");
    expect(existsSync(join(netDir(), "lock"))).toBe(true);
  });

  it.each(ALL_SPEC_VERSIONS)("[%s] prints the result in the config's version", (version) => {
    const r = ok(run("ADD", conf({ subnet: "10.1.2.0/24" }, { cniVersion: version })));
    expect(r.json.cniVersion).toBe(version);
    expect(JSON.stringify(r.json)).toContain("10.1.2.2/24");
    expect(r.json.interfaces).toBeUndefined();
  });

  it("honours rangeStart, rangeEnd, gateway, routes and resolvConf", () => {
    const resolv = join(dataDir, "resolv.conf");
    writeFileSync(resolv, "nameserver 10.0.0.53\nsearch a.example b.example\ndomain d.example\noptions ndots:2\n");
    const c = conf({
      subnet: "10.5.0.0/16",
      rangeStart: "10.5.1.10",
      rangeEnd: "10.5.1.11",
      gateway: "10.5.1.10",
      routes: [{ dst: "192.168.0.0/16", gw: "10.5.0.1" }],
      resolvConf: resolv,
    });
    const r = ok(run("ADD", c));
    expect(r.json.ips).toEqual([{ address: "10.5.1.11/16", gateway: "10.5.1.10" }]);
    expect(r.json.routes).toEqual([{ dst: "192.168.0.0/16", gw: "10.5.0.1" }]);
    expect(r.json.dns).toEqual({ nameservers: ["10.0.0.53"], domain: "d.example", search: ["a.example", "b.example"], options: ["ndots:2"] });
    const full = run("ADD", c, "ctr2");
    expect(full.status).toBe(1);
    expect(full.json.msg).toBe("failed to allocate for range 0: no IP addresses available in range set: 10.5.1.10-10.5.1.11");
  });

  it("prepends the legacy subnet and the ipRanges capability", () => {
    const c = conf({ subnet: "10.1.0.0/24", ranges: [[{ subnet: "fd00::/120" }]] }, { runtimeConfig: { ipRanges: [[{ subnet: "10.2.0.0/24" }]] } });
    const r = ok(run("ADD", c));
    expect(r.json.ips.map((i: { address: string }) => i.address)).toEqual(["10.2.0.2/24", "10.1.0.2/24", "fd00::2/120"]);
  });

  it("serves requested addresses from CNI_ARGS IP=, args.cni.ips and the ips capability", () => {
    const v4v6 = { ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00::/120" }]] };
    expect(ok(run("ADD", conf(v4v6), "a", "eth0", { CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAME=p;IP=10.1.0.50" })).json.ips[0].address).toBe("10.1.0.50/24");
    const r = ok(run("ADD", conf(v4v6, { args: { cni: { ips: ["fd00::60/120"] } }, runtimeConfig: { ips: ["10.1.0.60"] } }), "b"));
    expect(r.json.ips.map((i: { address: string }) => i.address)).toEqual(["10.1.0.60/24", "fd00::60/120"]);
    const taken = run("ADD", conf(v4v6), "c", "eth0", { CNI_ARGS: "IP=10.1.0.50" });
    expect(taken.json.msg).toBe("failed to allocate for range 0: requested IP address 10.1.0.50 is not available in range set 10.1.0.1-10.1.0.254");
    const outside = run("ADD", conf(v4v6), "d", "eth0", { CNI_ARGS: "IP=10.9.0.1" });
    expect(outside.json.msg).toBe("failed to allocate all requested IPs: 10.9.0.1");
    expect(addrFiles()).toEqual(["10.1.0.50", "10.1.0.60", "fd00::2", "fd00::60"]);
  });

  it("refuses a duplicate (container, ifname) and bad config with the key named", () => {
    const c = conf({ subnet: "10.1.0.0/24" });
    ok(run("ADD", c));
    expect(run("ADD", c).json.msg).toBe("failed to allocate for range 0: 10.1.0.2 has been allocated to ctr1, duplicate allocation is not allowed");
    const bad = run("ADD", conf({ ranges: [[{ subnet: "10.1.0.0/24", rangeStart: "10.1.0.9", rangeEnd: "10.1.0.3" }]] }));
    expect(bad.json.code).toBe(7);
    expect(bad.json.msg).toContain("RangeStart 10.1.0.9 is after RangeEnd 10.1.0.3");
    expect(run("ADD", { cniVersion: "1.0.0", name: NET }).json.msg).toBe("IPAM config missing 'ipam' key");
  });

  it("gives 50 concurrent ADDs 50 distinct addresses", async () => {
    const c = JSON.stringify(conf({ subnet: "10.7.0.0/24" }));
    const outs = await Promise.all(
      Array.from(
        { length: 50 },
        (_, i) =>
          new Promise<string>((resolveOut, reject) => {
            const child = spawn(ours("host-local"), [], { env: { PATH: process.env.PATH, ...env("ADD", `par${i}`) } });
            let out = "";
            child.stdout.on("data", (d) => (out += d));
            child.on("error", reject);
            child.on("close", (code) => (code === 0 ? resolveOut(out) : reject(new Error(`exit ${code}: ${out}`))));
            child.stdin.end(c);
          }),
      ),
    );
    const addresses = outs.map((o) => JSON.parse(o).ips[0].address);
    expect(new Set(addresses).size).toBe(50);
    expect(addrFiles()).toHaveLength(50);
  }, 120_000);
});

describe("host-local DEL and CHECK", () => {
  it("DEL releases, is idempotent and needs no netns", () => {
    const c = conf({ subnet: "10.1.0.0/24" });
    ok(run("ADD", c));
    ok(run("ADD", c, "ctr2"));
    ok(run("DEL", c, "ctr1", "eth0", { CNI_NETNS: "" }));
    expect(addrFiles()).toEqual(["10.1.0.3"]);
    expect(ok(run("DEL", c, "ctr1", "eth0", { CNI_NETNS: "" })).stdout).toBe("");
    ok(run("DEL", c, "never-added"));
    expect(addrFiles()).toEqual(["10.1.0.3"]);
  });

  it("DEL releases legacy id-only files", () => {
    const c = conf({ subnet: "10.1.0.0/24" });
    ok(run("ADD", c, "other"));
    writeFileSync(join(netDir(), "10.1.0.77"), "legacy1", { mode: 0o600 });
    ok(run("DEL", c, "legacy1"));
    expect(addrFiles()).toEqual(["10.1.0.2"]);
  });

  it("CHECK verifies the allocation and prevResult's addresses", () => {
    const c = conf({ ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00::/120" }]] });
    const added = ok(run("ADD", c)).json;
    ok(run("CHECK", { ...c, prevResult: added }));
    const wrong = run("CHECK", { ...c, prevResult: { ...added, ips: [{ address: "10.1.0.9/24" }, added.ips[1]] } });
    expect(wrong.json.msg).toContain("do not match prevResult");
    const none = run("CHECK", { ...c, prevResult: added }, "ghost");
    expect(none.json.msg).toBe("host-local: Failed to find address added by container ghost");
  });
});

describe("host-local GC and STATUS", () => {
  it("GC releases attachments not in the valid list, never bookkeeping files", () => {
    const c = conf({ subnet: "10.1.0.0/24" });
    for (const id of ["a", "b", "c"]) ok(run("ADD", c, id));
    ok(run("GC", { ...c }, ""));
    expect(addrFiles()).toHaveLength(3);
    ok(
      run(
        "GC",
        { ...c, "cni.dev/valid-attachments": [{ containerID: "b", ifname: "eth0" }], "cni.dev/attachments": [{ containerID: "c", ifname: "eth0" }] },
        "",
      ),
    );
    expect(addrFiles().map(owner)).toEqual(["b\r\neth0", "c\r\neth0"]);
    ok(run("GC", { ...c, "cni.dev/valid-attachments": null }, ""));
    expect(addrFiles()).toEqual([]);
    expect(existsSync(join(netDir(), "lock"))).toBe(true);
    expect(existsSync(join(netDir(), "last_reserved_ip.0"))).toBe(true);
    // After GC the index still serves DEL/ADD correctly.
    expect(ok(run("ADD", c, "a")).json.ips[0].address).toBe("10.1.0.5/24");
  });

  it("STATUS succeeds with free addresses and reports 50 when a set is exhausted", () => {
    const c = conf({ ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "10.2.0.0/30" }]] });
    ok(run("STATUS", c, ""));
    ok(run("ADD", c, "a"));
    const s = run("STATUS", c, "");
    expect(s.status).toBe(1);
    expect(s.json.code).toBe(50);
    expect(s.json.msg).toContain("10.2.0.1-10.2.0.2");
  });
});

describe("host-local reboot reclaim", () => {
  function plantOldAllocation(): void {
    const meta = join(netDir(), ".cni-ts");
    writeFileSync(join(meta, "boot"), JSON.stringify({ bootId: "00000000-old-boot" }));
    const old = new Date(Date.now() - 365 * 24 * 3600 * 1000);
    utimesSync(join(netDir(), "10.1.0.2"), old, old);
  }

  it("releases allocations made before the current boot, once", () => {
    const c = conf({ subnet: "10.1.0.0/24", rangeStart: "10.1.0.2", rangeEnd: "10.1.0.3" });
    ok(run("ADD", c, "before-reboot"));
    plantOldAllocation();
    ok(run("ADD", c, "x"));
    ok(run("ADD", c, "y"));
    expect(addrFiles().map(owner).sort()).toEqual(["x\r\neth0", "y\r\neth0"]);
    const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    expect(JSON.parse(readFileSync(join(netDir(), ".cni-ts", "boot"), "utf8")).bootId).toBe(bootId);
  });

  it("keeps them with reclaimAfterReboot: false", () => {
    const c = conf({ subnet: "10.1.0.0/24", reclaimAfterReboot: false });
    ok(run("ADD", c, "before-reboot"));
    plantOldAllocation();
    ok(run("ADD", c, "x"));
    expect(addrFiles().map(owner)).toEqual(["before-reboot\r\neth0", "x\r\neth0"]);
  });
});

describe("host-local interop with the reference (v1.1.1)", () => {
  const c = () => conf({ subnet: "10.1.0.0/24" }, { cniVersion: "1.0.0" });

  it("each sees, keeps unique and releases the other's allocations", () => {
    ok(run("ADD", c(), "ref1", "eth0", {}, reference("host-local")));
    ok(run("ADD", c(), "ours1"));
    ok(run("ADD", c(), "ref2", "eth0", {}, reference("host-local")));
    ok(run("ADD", c(), "ours2"));
    expect(addrFiles().map((ip) => `${ip}=${owner(ip)}`)).toEqual([
      "10.1.0.2=ref1\r\neth0",
      "10.1.0.3=ours1\r\neth0",
      "10.1.0.4=ref2\r\neth0",
      "10.1.0.5=ours2\r\neth0",
    ]);
    // Duplicates are detected across implementations.
    expect(run("ADD", c(), "ref1").json.msg).toContain("10.1.0.2 has been allocated to ref1");
    expect(run("ADD", c(), "ours1", "eth0", {}, reference("host-local")).json.msg).toContain("10.1.0.3 has been allocated to ours1");
    // Ours releases the reference's; the reference releases ours.
    ok(run("DEL", c(), "ref1"));
    ok(run("DEL", c(), "ours1", "eth0", {}, reference("host-local")));
    expect(addrFiles()).toEqual(["10.1.0.4", "10.1.0.5"]);
    // CHECK by each of the other's allocation.
    ok(run("CHECK", c(), "ref2"));
    ok(run("CHECK", c(), "ours2", "eth0", {}, reference("host-local")));
    ok(run("DEL", c(), "ref2"));
    ok(run("DEL", c(), "ours2", "eth0", {}, reference("host-local")));
    expect(addrFiles()).toEqual([]);
    // Our bookkeeping survived the reference's walks and is consistent.
    expect(ok(run("ADD", c(), "ours3")).json.ips[0].address).toBe("10.1.0.6/24");
    ok(run("DEL", c(), "ours3"));
    expect(addrFiles()).toEqual([]);
  });
});

describe("host-local path safety", () => {
  it("refuses a symlinked, world-writable or foreign-owned dataDir (UnsafePathError, 102)", () => {
    const real = join(dataDir, "real");
    mkdirSync(real);
    const link = join(dataDir, "link");
    symlinkSync(real, link);
    const viaLink = run("ADD", conf({ subnet: "10.1.0.0/24", dataDir: link }));
    expect([viaLink.json.code, viaLink.json.msg]).toEqual([102, `dataDir ${link} is a symbolic link; refusing to use it`]);
    chmodSync(real, 0o777);
    const open = run("ADD", conf({ subnet: "10.1.0.0/24", dataDir: real }));
    expect(open.json.code).toBe(102);
    expect(open.json.msg).toContain("world-writable");
    chmodSync(real, 0o755);
    const st = statSync(real);
    try {
      // chown to nobody (65534): only possible as root, which integration tests are.
      chownSync(real, 65534, st.gid);
    } catch {
      return;
    }
    const foreign = run("ADD", conf({ subnet: "10.1.0.0/24", dataDir: real }));
    expect(foreign.json.code).toBe(102);
    expect(foreign.json.msg).toContain("owned by uid 65534");
    expect(readdirSync(real)).toEqual([]);
  });
});
