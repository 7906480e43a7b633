/**
 * The built loopback executable against the reference, in throwaway
 * namespaces: results per version, lo really UP/DOWN, DEL idempotence,
 * CHECK, and the same error codes for the same bad inputs.
 *
 * The Debian reference (v1.1.1) prints its 1.0.0-shaped result whatever the
 * config version (it never converts a result it labelled itself) and keeps an
 * empty `dns`, so results are compared on their meaning: interfaces and
 * addresses, read in each document's own shape.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { ours, reference, runPlugin, type PluginEnv } from "../helpers/run-plugin.ts";

const OURS = ours("loopback");
const REF = reference("loopback");

interface LinkInfo {
  ifname: string;
  flags: string[];
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

function lo(ns: TestNetns): LinkInfo {
  return ns.ipJson<LinkInfo[]>("addr", "show", "dev", "lo")[0]!;
}

function conf(version: string, extra: object = {}) {
  return { cniVersion: version, name: "cnits-lo", type: "loopback", ...extra };
}

function env(command: string, ns: TestNetns | string, extra: Partial<PluginEnv> = {}): PluginEnv {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: "cnits-container",
    CNI_NETNS: typeof ns === "string" ? ns : ns.path,
    CNI_IFNAME: "eth0",
    CNI_PATH: "/usr/lib/cni",
    ...extra,
  };
}

/** Addresses and interfaces of a result, whichever shape it has. */
function meaning(doc: any) {
  const addresses: string[] = doc.ips ? doc.ips.map((ip: any) => ip.address) : [doc.ip4?.ip, doc.ip6?.ip].filter(Boolean);
  return { interfaces: doc.interfaces ?? [], addresses };
}

describe("loopback", () => {
  let ns: TestNetns;
  let refNs: TestNetns;
  beforeEach(() => {
    ns = createNetns("lo");
    refNs = createNetns("loref");
  });
  afterEach(() => {
    ns.remove();
    refNs.remove();
  });

  describe.each(["1.0.0", "0.4.0", "0.3.1"])("[%s] ADD", (version) => {
    it("sets lo up and reports it like the reference", () => {
      expect(lo(ns).flags).not.toContain("UP");
      const mine = runPlugin(OURS, env("ADD", ns), conf(version));
      const theirs = runPlugin(REF, env("ADD", refNs), conf(version));
      expect(mine.status, mine.stdout + mine.stderr).toBe(0);
      expect(theirs.status).toBe(0);
      expect(mine.json.cniVersion).toBe(version);
      expect(meaning(mine.json).addresses).toEqual(meaning(theirs.json).addresses);
      expect(meaning(mine.json).interfaces).toEqual([{ name: "lo", mac: "00:00:00:00:00:00", sandbox: ns.path }]);
      expect(meaning(theirs.json).interfaces).toEqual([{ name: "lo", mac: "00:00:00:00:00:00", sandbox: refNs.path }]);
      expect(mine.json.ips).toEqual(
        version === "1.0.0"
          ? [
              { interface: 0, address: "127.0.0.1/8" },
              { interface: 0, address: "::1/128" },
            ]
          : [
              { version: "4", interface: 0, address: "127.0.0.1/8" },
              { version: "6", interface: 0, address: "::1/128" },
            ],
      );
      if (version === "1.0.0") expect(mine.json).not.toHaveProperty("dns");
      else expect(mine.json.dns).toEqual({});
      const link = lo(ns);
      expect(link.flags).toContain("UP");
      expect(link.addr_info?.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(["127.0.0.1/8", "::1/128"]);
      expect(mine.stdout.startsWith('{\n    "cniVersion"')).toBe(true);
    });
  });

  it("[0.2.0] ADD prints ip4/ip6 with the reference's addresses", () => {
    const mine = runPlugin(OURS, env("ADD", ns), conf("0.2.0"));
    const theirs = runPlugin(REF, env("ADD", refNs), conf("0.2.0"));
    expect(mine.status).toBe(0);
    expect(mine.json).toEqual({ cniVersion: "0.2.0", ip4: { ip: "127.0.0.1/8" }, ip6: { ip: "::1/128" }, dns: {} });
    expect(meaning(mine.json).addresses).toEqual(meaning(theirs.json).addresses);
    expect(lo(ns).flags).toContain("UP");
  });

  it("[1.1.0] ADD prints the expected document", () => {
    const mine = runPlugin(OURS, env("ADD", ns), conf("1.1.0"));
    expect(mine.status).toBe(0);
    expect(mine.json).toEqual({
      cniVersion: "1.1.0",
      interfaces: [{ name: "lo", mac: "00:00:00:00:00:00", sandbox: ns.path }],
      ips: [
        { interface: 0, address: "127.0.0.1/8" },
        { interface: 0, address: "::1/128" },
      ],
    });
  });

  it("ADD with only IPv4 on lo (IPv6 disabled) reports 127.0.0.1/8 alone", () => {
    ns.exec("sysctl", "-q", "-w", "net.ipv6.conf.lo.disable_ipv6=1");
    const mine = runPlugin(OURS, env("ADD", ns), conf("1.0.0"));
    expect(mine.status, mine.stdout).toBe(0);
    expect(mine.json.ips).toEqual([{ interface: 0, address: "127.0.0.1/8" }]);
  });

  it("ADD passes a chained prevResult through, converted to the config version", () => {
    const prevResult = {
      cniVersion: "1.0.0",
      interfaces: [{ name: "eth0", sandbox: ns.path }],
      ips: [{ interface: 0, address: "10.1.2.3/24", gateway: "10.1.2.1" }],
      unknownKey: true,
    };
    const mine = runPlugin(OURS, env("ADD", ns), conf("1.0.0", { prevResult }));
    const theirs = runPlugin(REF, env("ADD", refNs), conf("1.0.0", { prevResult }));
    expect(mine.status).toBe(0);
    expect(mine.json).toEqual({ cniVersion: "1.0.0", interfaces: prevResult.interfaces, ips: prevResult.ips });
    expect(meaning(mine.json)).toEqual(meaning(theirs.json));
    expect(lo(ns).flags).toContain("UP");
  });

  it("ADD refuses a prevResult of another version family, like the reference", () => {
    const prevResult = { cniVersion: "0.4.0", ips: [{ version: "4", address: "10.1.2.3/24" }] };
    const mine = runPlugin(OURS, env("ADD", ns), conf("1.0.0", { prevResult }));
    const theirs = runPlugin(REF, env("ADD", refNs), conf("1.0.0", { prevResult }));
    expect(mine.status).toBe(1);
    expect(theirs.status).toBe(1);
    expect(mine.json.msg).toContain('unmarshalled CNIVersion is "0.4.0"');
  });

  it("ADD fails when lo carries a non-loopback address", () => {
    ns.exec("ip", "addr", "add", "192.0.2.1/32", "dev", "lo");
    const mine = runPlugin(OURS, env("ADD", ns), conf("1.0.0"));
    expect(mine.status).toBe(1);
    expect(mine.json.msg).toBe('loopback interface found with non-loopback address "192.0.2.1"');
  });

  it("DEL sets lo down, and succeeds when repeated", () => {
    expect(runPlugin(OURS, env("ADD", ns), conf("1.0.0")).status).toBe(0);
    for (let i = 0; i < 2; i++) {
      const del = runPlugin(OURS, env("DEL", ns), conf("1.0.0"));
      expect(del.status, del.stdout).toBe(0);
      expect(del.stdout).toBe("");
      expect(lo(ns).flags).not.toContain("UP");
    }
  });

  it("DEL succeeds with an empty or vanished CNI_NETNS, like the reference", () => {
    const gone = "/var/run/netns/cnits-never-existed";
    for (const bin of [OURS, REF]) {
      expect(runPlugin(bin, env("DEL", "", { CNI_NETNS: "" }), conf("1.0.0")).status).toBe(0);
      expect(runPlugin(bin, env("DEL", gone), conf("1.0.0")).status).toBe(0);
    }
    const path = ns.path;
    ns.remove();
    expect(runPlugin(OURS, env("DEL", path), conf("0.4.0")).status).toBe(0);
  });

  it("CHECK passes when lo is up and fails when it is down", () => {
    expect(runPlugin(OURS, env("ADD", ns), conf("1.0.0")).status).toBe(0);
    const ok = runPlugin(OURS, env("CHECK", ns), conf("1.0.0"));
    expect(ok.status, ok.stdout).toBe(0);
    expect(ok.stdout).toBe("");
    ns.exec("ip", "link", "set", "lo", "down");
    const mine = runPlugin(OURS, env("CHECK", ns), conf("1.0.0"));
    const theirs = runPlugin(REF, env("CHECK", refNs), conf("1.0.0"));
    expect(mine.status).toBe(1);
    expect(theirs.status).toBe(1);
    expect(mine.json.msg).toBe("loopback interface is down");
    expect(theirs.json.msg).toBe("loopback interface is down");
  });

  it("STATUS and GC succeed at 1.1.0 and are refused below", () => {
    for (const verb of ["STATUS", "GC"]) {
      const ok = runPlugin(OURS, { CNI_COMMAND: verb, CNI_PATH: "/usr/lib/cni" }, conf("1.1.0"));
      expect(ok.status).toBe(0);
      expect(ok.stdout).toBe("");
      const old = runPlugin(OURS, { CNI_COMMAND: verb, CNI_PATH: "/usr/lib/cni" }, conf("1.0.0"));
      expect(old.json).toMatchObject({ code: 1, msg: `config version does not allow ${verb}` });
    }
  });

  it("VERSION lists all seven versions; no CNI_COMMAND prints the about text", () => {
    const v = runPlugin(OURS, { CNI_COMMAND: "VERSION" });
    expect(v.status).toBe(0);
    expect(v.json).toEqual({ cniVersion: "1.1.0", supportedVersions: ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] });
    const about = runPlugin(OURS, { CNI_COMMAND: "" });
    expect(about.status).toBe(0);
    expect(about.stdout).toBe("");
    expect(about.stderr).toMatch(/^CNI loopback plugin v\S+\nCNI protocol versions supported: 0\.1\.0, .*, 1\.1\.0\n$/);
  });

  it("ADD into the plugin's own netns fails with code 8", () => {
    const mine = runPlugin(OURS, env("ADD", "/proc/self/ns/net"), conf("1.0.0"), { hostNetns: ns.name });
    expect(mine.status).toBe(1);
    expect(mine.json).toMatchObject({ code: 8, msg: "plugin's netns and netns from CNI_NETNS should not be the same" });
  });

  describe("error codes match the reference", () => {
    const cases: [string, () => { env: PluginEnv; stdin: unknown }][] = [
      ["missing env", () => ({ env: { CNI_COMMAND: "ADD" }, stdin: conf("1.0.0") })],
      ["empty CNI_PATH", () => ({ env: env("ADD", ns, { CNI_PATH: "" }), stdin: conf("1.0.0") })],
      ["bad container id", () => ({ env: env("ADD", ns, { CNI_CONTAINERID: "bad id!" }), stdin: conf("1.0.0") })],
      ["too long ifname", () => ({ env: env("ADD", ns, { CNI_IFNAME: "x".repeat(16) }), stdin: conf("1.0.0") })],
      ["ifname with /", () => ({ env: env("ADD", ns, { CNI_IFNAME: "a/b" }), stdin: conf("1.0.0") })],
      ["ifname ..", () => ({ env: env("DEL", ns, { CNI_IFNAME: ".." }), stdin: conf("1.0.0") })],
      ["bad JSON", () => ({ env: env("ADD", ns), stdin: "{not json" })],
      ["empty stdin", () => ({ env: env("ADD", ns), stdin: "" })],
      ["missing name", () => ({ env: env("ADD", ns), stdin: { cniVersion: "1.0.0" } })],
      ["bad name", () => ({ env: env("ADD", ns), stdin: { cniVersion: "1.0.0", name: "a b" } })],
      ["unsupported version", () => ({ env: env("ADD", ns), stdin: conf("9.9.9") })],
      ["CHECK on 0.3.1", () => ({ env: env("CHECK", ns), stdin: conf("0.3.1") })],
      ["unknown verb", () => ({ env: env("FROB", ns), stdin: conf("1.0.0") })],
    ];
    it.each(cases)("%s", (_name, make) => {
      const { env: e, stdin } = make();
      const mine = runPlugin(OURS, e, stdin);
      const theirs = runPlugin(REF, e, stdin);
      expect(mine.status).toBe(1);
      expect(theirs.status).toBe(1);
      expect(mine.json.code, mine.stdout).toBe(theirs.json.code);
      expect(mine.json.msg.split(":")[0]).toBe(theirs.json.msg.split(":")[0]);
      // One JSON document and nothing else on stdout.
      expect(JSON.parse(mine.stdout)).toEqual(mine.json);
      // Nothing was changed in the namespace.
      expect(lo(ns).flags).not.toContain("UP");
    });

    it("a 10 MB stdin with NUL bytes gives one clean JSON error", () => {
      const big = Buffer.concat([Buffer.from('{"name":"x","pad":"'), Buffer.alloc(10 << 20, 0)]);
      const mine = runPlugin(OURS, env("ADD", ns), big);
      expect(mine.status).toBe(1);
      expect(mine.json.code).toBe(6);
      expect(mine.stdout.length).toBeLessThan(4096);
    });
  });
});
