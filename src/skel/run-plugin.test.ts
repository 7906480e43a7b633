import { describe, expect, it } from "vitest";
import { CniError, KernelError } from "../errors.ts";
import type { Result } from "../types/result.ts";
import { SUPPORTED_VERSIONS } from "../version.ts";
import { fakeIo } from "../../test/helpers/fake-io.ts";
import { runPlugin } from "./run-plugin.ts";
import type { CmdArgs, PluginDefinition, RawConf } from "./types.ts";

const ENV = { CNI_CONTAINERID: "c1", CNI_NETNS: "/var/run/netns/p", CNI_IFNAME: "eth0", CNI_PATH: "/opt/cni/bin" };
const RESULT: Result = {
  interfaces: [{ name: "eth0", mac: "aa:bb:cc:dd:ee:ff", sandbox: "/var/run/netns/p" }],
  ips: [{ interface: 0, address: "10.1.2.3/24", gateway: "10.1.2.1" }],
};

/** A definition that records each call. */
function recorder(overrides: Partial<PluginDefinition> = {}) {
  const calls: { verb: string; args: CmdArgs; conf: RawConf }[] = [];
  const def: PluginDefinition = {
    name: "demo",
    add: (args, conf) => (calls.push({ verb: "ADD", args, conf }), RESULT),
    del: (args, conf) => void calls.push({ verb: "DEL", args, conf }),
    check: (args, conf) => void calls.push({ verb: "CHECK", args, conf }),
    status: (args, conf) => void calls.push({ verb: "STATUS", args, conf }),
    gc: (args, conf) => void calls.push({ verb: "GC", args, conf }),
    ...overrides,
  };
  return { def, calls };
}

async function run(env: Record<string, string | undefined>, stdin: unknown = "", def = recorder().def, opts = {}) {
  const io = fakeIo(env, stdin, opts);
  const status = await runPlugin(def, io);
  let json: any;
  try {
    json = io.stdout ? JSON.parse(io.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { status, io, json };
}

describe("runPlugin() VERSION and about text", () => {
  it("prints the version document and ignores stdin", async () => {
    const { status, io, json } = await run({ CNI_COMMAND: "VERSION" }, "not json");
    expect(status).toBe(0);
    expect(io.stdinReads).toBe(0);
    expect(io.stdout).toBe(`{"cniVersion":"1.1.0","supportedVersions":${JSON.stringify(SUPPORTED_VERSIONS)}}\n`);
    expect(json.supportedVersions).toHaveLength(7);
  });

  it("prints the about text on stderr and exits 0 without CNI_COMMAND", async () => {
    for (const env of [{}, { CNI_COMMAND: "" }, { CNI_COMMAND: "", CNI_CONTAINERID: "x" }]) {
      const { status, io } = await run(env);
      expect(status).toBe(0);
      expect(io.stdout).toBe("");
      expect(io.stderr).toMatch(
        /^CNI demo plugin v\d+\.\d+\.\d+(-[\w.-]+)?\+cni-ts\nCNI protocol versions supported: 0\.1\.0, 0\.2\.0, 0\.3\.0, 0\.3\.1, 0\.4\.0, 1\.0\.0, 1\.1\.0\n$/,
      );
    }
  });

  it("answers --version and --help through the CLI", async () => {
    const v = await run({}, "", recorder().def, { argv: ["--version"] });
    expect(v.status).toBe(0);
    expect(v.io.stdout).toMatch(/^\d+\.\d+\.\d+/);
    const h = await run({}, "", recorder().def, { argv: ["--help"] });
    expect(h.status).toBe(0);
    expect(h.io.stdout).toContain("CNI demo plugin");
  });
});

describe("runPlugin() environment", () => {
  const cases: [string, Record<string, string>, string][] = [
    ["ADD", {}, "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing"],
    ["CHECK", { CNI_CONTAINERID: "c" }, "required env variables [CNI_NETNS,CNI_IFNAME,CNI_PATH] missing"],
    ["DEL", { CNI_CONTAINERID: "c", CNI_IFNAME: "eth0" }, "required env variables [CNI_PATH] missing"],
    ["GC", {}, "required env variables [CNI_PATH] missing"],
    ["STATUS", { CNI_CONTAINERID: "" }, "required env variables [CNI_PATH] missing"],
    ["ADD", { ...ENV, CNI_NETNS: "" }, "required env variables [CNI_NETNS] missing"],
  ];
  it.each(cases)("%s with %j fails with code 4", async (verb, env, msg) => {
    const { status, json } = await run({ CNI_COMMAND: verb, ...env }, { name: "n", cniVersion: "1.1.0" });
    expect(status).toBe(1);
    expect(json).toEqual({ cniVersion: "1.1.0", code: 4, msg });
  });

  it("DEL does not need CNI_NETNS; GC and STATUS need only CNI_PATH", async () => {
    const { def, calls } = recorder();
    const conf = { name: "n", cniVersion: "1.1.0" };
    expect((await run({ CNI_COMMAND: "DEL", ...ENV, CNI_NETNS: "" }, conf, def)).status).toBe(0);
    expect((await run({ CNI_COMMAND: "GC", CNI_PATH: "/x" }, conf, def)).status).toBe(0);
    expect((await run({ CNI_COMMAND: "STATUS", CNI_PATH: "/x" }, conf, def)).status).toBe(0);
    expect(calls.map((c) => c.verb)).toEqual(["DEL", "GC", "STATUS"]);
    expect(calls[0]!.args.netns).toBe("");
  });

  it.each([
    ["CNI_CONTAINERID", "a b", "invalid characters in containerID", "a b"],
    ["CNI_CONTAINERID", "-abc", "invalid characters in containerID", "-abc"],
    ["CNI_IFNAME", "a".repeat(16), "interface name is too long", "interface name should be less than 16 characters"],
    ["CNI_IFNAME", "é".repeat(8), "interface name is too long", "interface name should be less than 16 characters"],
    ["CNI_IFNAME", ".", "interface name is . or ..", undefined],
    ["CNI_IFNAME", "..", "interface name is . or ..", undefined],
    ["CNI_IFNAME", "a/b", "interface name contains / or : or whitespace characters", undefined],
    ["CNI_IFNAME", "a:b", "interface name contains / or : or whitespace characters", undefined],
    ["CNI_IFNAME", "a b", "interface name contains / or : or whitespace characters", undefined],
    ["CNI_IFNAME", "a\tb", "interface name contains / or : or whitespace characters", undefined],
  ])("%s=%j fails with code 4 %s", async (name, value, msg, details) => {
    const { status, json } = await run({ CNI_COMMAND: "ADD", ...ENV, [name]: value }, { name: "n", cniVersion: "1.0.0" });
    expect(status).toBe(1);
    expect(json).toEqual({ cniVersion: "1.1.0", code: 4, msg, ...(details ? { details } : {}) });
  });

  it("accepts a 15-byte interface name and container IDs with _ . -", async () => {
    const { status } = await run({ CNI_COMMAND: "ADD", ...ENV, CNI_IFNAME: "a".repeat(15), CNI_CONTAINERID: "A1_b.c-d" }, { name: "n", cniVersion: "1.0.0" });
    expect(status).toBe(0);
  });

  it("rejects an unknown verb with code 4", async () => {
    const { status, json } = await run({ CNI_COMMAND: "FOO" }, { name: "n", cniVersion: "1.0.0" });
    expect(status).toBe(1);
    expect(json).toEqual({ cniVersion: "1.0.0", code: 4, msg: "unknown CNI_COMMAND: FOO" });
  });

  it("reports a stdin read failure with code 5", async () => {
    const { json } = await run({ CNI_COMMAND: "ADD", ...ENV }, "", recorder().def, { stdinError: new Error("EIO") });
    expect(json).toMatchObject({ code: 5, msg: "error reading from stdin: EIO" });
  });

  it("passes CNI_PATH split, CNI_ARGS raw and the exact stdin bytes", async () => {
    const { def, calls } = recorder();
    const stdin = '{"name":"n","cniVersion":"1.0.0" ,"x":1}';
    await run({ CNI_COMMAND: "ADD", ...ENV, CNI_PATH: "/a::/b", CNI_ARGS: "K=V" }, stdin, def);
    expect(calls[0]!.args).toMatchObject({ containerId: "c1", ifName: "eth0", netns: "/var/run/netns/p", path: ["/a", "/b"], args: "K=V" });
    expect(calls[0]!.args.stdinData.toString()).toBe(stdin);
    expect(calls[0]!.conf).toEqual({ name: "n", cniVersion: "1.0.0", x: 1 });
  });
});

describe("runPlugin() stdin", () => {
  it.each([
    ["", 6, "error unmarshall network config: unexpected end of JSON input"],
    ["{", 6, undefined],
    ["[]", 6, undefined],
    ['"x"', 6, undefined],
    ['{"name":5}', 6, undefined],
    ["\0\0\0", 6, undefined],
    ["{}", 7, "missing network name"],
    ["null", 7, "missing network name"],
    ['{"name":""}', 7, "missing network name"],
    ['{"name":"a b"}', 7, "invalid characters found in network name"],
    ['{"name":"../x"}', 7, "invalid characters found in network name"],
  ])("%j gives code %i", async (stdin, code, msg) => {
    const { status, json, io } = await run({ CNI_COMMAND: "ADD", ...ENV }, stdin);
    expect(status).toBe(1);
    expect(json.code).toBe(code);
    if (msg) expect(json.msg).toBe(msg);
    if (code === 6) expect(json.msg).toMatch(/^error unmarshall network config: /);
    expect(io.stdout.trim().startsWith("{")).toBe(true);
  });

  it("gives one clean JSON error for 10 MB of garbage", async () => {
    const { status, json, io } = await run({ CNI_COMMAND: "ADD", ...ENV }, Buffer.alloc(10 << 20, 0x41));
    expect(status).toBe(1);
    expect(json.code).toBe(6);
    expect(io.stdout.length).toBeLessThan(4096);
  });

  it("tolerates unknown keys", async () => {
    const conf = {
      name: "n",
      cniVersion: "1.1.0",
      capabilities: { mac: true },
      runtimeConfig: { mac: "x" },
      args: {},
      prevResult: {},
      "cni.dev/valid-attachments": [],
    };
    expect((await run({ CNI_COMMAND: "ADD", ...ENV }, conf)).status).toBe(0);
  });
});

describe("runPlugin() version gates", () => {
  it.each(SUPPORTED_VERSIONS.map((v) => [v]))("ADD and DEL accept %s", async (v) => {
    expect((await run({ CNI_COMMAND: "ADD", ...ENV }, { name: "n", cniVersion: v })).status).toBe(0);
    expect((await run({ CNI_COMMAND: "DEL", ...ENV }, { name: "n", cniVersion: v })).status).toBe(0);
  });

  it("treats a missing cniVersion as 0.1.0", async () => {
    const { json } = await run({ CNI_COMMAND: "ADD", ...ENV }, { name: "n" });
    expect(json).toMatchObject({ cniVersion: "0.1.0", ip4: { ip: "10.1.2.3/24", gateway: "10.1.2.1" } });
  });

  it.each(["9.9.9", "1.0", "0.4", "1.0.0-rc1", "v1.0.0"])("rejects cniVersion %s with code 1", async (v) => {
    const { json } = await run({ CNI_COMMAND: "ADD", ...ENV }, { name: "n", cniVersion: v });
    expect(json).toEqual({
      cniVersion: "1.1.0",
      code: 1,
      msg: "incompatible CNI versions",
      details: `config is "${v}", plugin supports ["0.1.0" "0.2.0" "0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"]`,
    });
  });

  it("rejects a non-string cniVersion with code 6", async () => {
    expect((await run({ CNI_COMMAND: "ADD", ...ENV }, { name: "n", cniVersion: 1 })).json.code).toBe(6);
  });

  it.each([
    ["CHECK", "0.3.1", 1, "config version does not allow CHECK"],
    ["CHECK", "0.1.0", 1, "config version does not allow CHECK"],
    ["CHECK", "9.0.0", 1, "plugin version does not allow CHECK"],
    ["CHECK", "0.4.5", 1, "incompatible CNI versions"],
    ["CHECK", "abc", 6, 'failed to convert major version part "abc": strconv.Atoi: parsing "abc": invalid syntax'],
    ["CHECK", "1.2.3.4", 6, 'invalid version "1.2.3.4": too many parts'],
    ["STATUS", "1.0.0", 1, "config version does not allow STATUS"],
    ["GC", "0.4.0", 1, "config version does not allow GC"],
    ["GC", "2.0.0", 1, "plugin version does not allow GC"],
  ])("%s at %s fails with code %i", async (verb, v, code, msg) => {
    const { def, calls } = recorder();
    const { json } = await run({ CNI_COMMAND: verb, ...ENV }, { name: "n", cniVersion: v }, def);
    expect(json).toMatchObject({ code, msg });
    expect(calls).toHaveLength(0);
  });

  it.each([
    ["CHECK", "0.4.0"],
    ["CHECK", "1.0.0"],
    ["CHECK", "1.1.0"],
    ["STATUS", "1.1.0"],
    ["GC", "1.1.0"],
  ])("%s at %s reaches the handler", async (verb, v) => {
    const { def, calls } = recorder();
    const { status, io } = await run({ CNI_COMMAND: verb, ...ENV }, { name: "n", cniVersion: v }, def);
    expect(status).toBe(0);
    expect(io.stdout).toBe("");
    expect(calls.map((c) => c.verb)).toEqual([verb]);
  });

  it("treats missing handlers as success with no output", async () => {
    for (const verb of ["ADD", "DEL", "CHECK", "STATUS", "GC"]) {
      const { status, io } = await run({ CNI_COMMAND: verb, ...ENV }, { name: "n", cniVersion: "1.1.0" }, { name: "empty" });
      expect(status).toBe(0);
      expect(io.stdout).toBe("");
    }
  });
});

describe("runPlugin() results and errors", () => {
  it("prints the result in the config's version with 4-space indentation", async () => {
    const { io } = await run({ CNI_COMMAND: "ADD", ...ENV }, { name: "n", cniVersion: "1.0.0" });
    expect(io.stdout).toBe(JSON.stringify({ cniVersion: "1.0.0", interfaces: RESULT.interfaces, ips: RESULT.ips }, null, 4));
    const old = await run({ CNI_COMMAND: "ADD", ...ENV }, { name: "n", cniVersion: "0.3.1" });
    expect(old.json.ips[0]).toEqual({ version: "4", interface: 0, address: "10.1.2.3/24", gateway: "10.1.2.1" });
    expect(old.json.dns).toEqual({});
  });

  it("fails an address-less result at 0.2.0 with code 1", async () => {
    const def = recorder({ add: () => ({ interfaces: [{ name: "eth0" }] }) }).def;
    const { status, json } = await run({ CNI_COMMAND: "ADD", ...ENV }, { name: "n", cniVersion: "0.2.0" }, def);
    expect(status).toBe(1);
    expect(json).toEqual({ cniVersion: "0.2.0", code: 1, msg: "cannot convert: no valid IP addresses" });
  });

  it("prints a CniError as is, in the config's version", async () => {
    const def = recorder({
      del: () => {
        throw new KernelError("failed to delete", "details here");
      },
    }).def;
    const { status, json, io } = await run({ CNI_COMMAND: "DEL", ...ENV }, { name: "n", cniVersion: "0.4.0" }, def);
    expect(status).toBe(1);
    expect(json).toEqual({ cniVersion: "0.4.0", code: 100, msg: "failed to delete", details: "details here" });
    expect(io.stderr).toBe("");
  });

  it("prints anything else as 999, with one line and no stack trace on stderr", async () => {
    const def = recorder({
      add: async () => {
        throw new TypeError("boom\nsecond line");
      },
    }).def;
    const { status, json, io } = await run({ CNI_COMMAND: "ADD", ...ENV }, { name: "n", cniVersion: "1.1.0" }, def);
    expect(status).toBe(1);
    expect(json).toEqual({ cniVersion: "1.1.0", code: 999, msg: "boom\nsecond line" });
    expect(io.stderr).toBe("demo: internal error: boom second line\n");
    expect(io.stdout + io.stderr).not.toContain("at ");
  });

  it("prints a thrown non-Error as 999", async () => {
    const throwPlain = (): never => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a handler that throws a non-Error is the case under test
      throw "plain";
    };
    const def = recorder({ check: throwPlain }).def;
    const { json } = await run({ CNI_COMMAND: "CHECK", ...ENV }, { name: "n", cniVersion: "1.1.0" }, def);
    expect(json).toMatchObject({ code: 999, msg: "plain" });
  });

  it("escapes <, > and & like Go", async () => {
    const def = recorder({
      add: () => {
        throw new CniError(7, "a<b>&c");
      },
    }).def;
    const { io } = await run({ CNI_COMMAND: "ADD", ...ENV }, { name: "n", cniVersion: "1.1.0" }, def);
    expect(io.stdout).toContain('"a\\u003cb\\u003e\\u0026c"');
  });
});

describe("runPlugin() own-netns check", () => {
  it.each(["ADD", "DEL"])("%s into the plugin's own netns fails with code 8 before the handler and prints one document", async (verb) => {
    const { def, calls } = recorder();
    const { status, io, json } = await run({ CNI_COMMAND: verb, ...ENV }, { name: "n", cniVersion: "1.1.0" }, def, { ownNetns: ENV.CNI_NETNS });
    expect(status).toBe(1);
    expect(calls).toHaveLength(0);
    expect(json).toEqual({ cniVersion: "1.1.0", code: 8, msg: "plugin's netns and netns from CNI_NETNS should not be the same" });
    expect(io.stdout.match(/"cniVersion"/g)).toHaveLength(1);
  });

  it("is skipped for CHECK and with CNI_NETNS_OVERRIDE", async () => {
    const opts = { ownNetns: ENV.CNI_NETNS };
    expect((await run({ CNI_COMMAND: "CHECK", ...ENV }, { name: "n", cniVersion: "1.1.0" }, recorder().def, opts)).status).toBe(0);
    for (const v of ["1", "true", "TRUE"]) {
      expect((await run({ CNI_COMMAND: "ADD", ...ENV, CNI_NETNS_OVERRIDE: v }, { name: "n", cniVersion: "1.1.0" }, recorder().def, opts)).status).toBe(0);
    }
  });
});

describe("runPlugin() privileges", () => {
  const NET_ADMIN = 1n << 12n;
  const SYS_ADMIN = 1n << 21n;
  const needing = () => recorder({ privileges: ["CAP_NET_ADMIN", "CAP_SYS_ADMIN"] });

  it.each([
    ["an unprivileged user", { euid: 65534, capEff: 0n }, "running with uid 65534, no CAP_NET_ADMIN, no CAP_SYS_ADMIN"],
    ["root without CAP_SYS_ADMIN", { euid: 0, capEff: NET_ADMIN }, "running with no CAP_SYS_ADMIN"],
    ["a user holding both capabilities", { euid: 1000, capEff: NET_ADMIN | SYS_ADMIN }, "running with uid 1000"],
  ])("%s gets code 103 naming what the plugin needs, before the handler, and nothing on stderr", async (_who, privileges, details) => {
    const { def, calls } = needing();
    const { status, json, io } = await run({ CNI_COMMAND: "ADD", ...ENV }, { name: "n", cniVersion: "1.1.0" }, def, { privileges });
    expect(status).toBe(1);
    expect(calls).toHaveLength(0);
    expect(json).toEqual({ cniVersion: "1.1.0", code: 103, msg: "needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN)", details });
    expect(io.stderr).toBe("");
  });

  it("root with the capabilities runs the verb; VERSION and a verb without a handler need nothing", async () => {
    const { def, calls } = needing();
    expect(
      (await run({ CNI_COMMAND: "DEL", ...ENV }, { name: "n", cniVersion: "1.1.0" }, def, { privileges: { euid: 0, capEff: NET_ADMIN | SYS_ADMIN } })).status,
    ).toBe(0);
    expect(calls.map((c) => c.verb)).toEqual(["DEL"]);
    const nobody = { privileges: { euid: 65534, capEff: 0n } };
    expect((await run({ CNI_COMMAND: "VERSION" }, "", def, nobody)).status).toBe(0);
    const noGc = recorder({ privileges: ["CAP_NET_ADMIN"], gc: undefined }).def;
    expect((await run({ CNI_COMMAND: "GC", CNI_PATH: "/opt/cni/bin" }, { name: "n", cniVersion: "1.1.0" }, noGc, nobody)).status).toBe(0);
  });

  it("a plugin needing root only says so", async () => {
    const def = recorder({ privileges: [] }).def;
    const { json } = await run({ CNI_COMMAND: "ADD", ...ENV }, { name: "n", cniVersion: "1.1.0" }, def, { privileges: { euid: 65534, capEff: 0n } });
    expect(json).toMatchObject({ code: 103, msg: "needs root" });
  });
});

describe("runPlugin() debug-log keys", () => {
  it("refuse every verb but DEL with code 7; DEL notes them in one stderr line and runs", async () => {
    const conf = { name: "n", cniVersion: "1.1.0", debugLogLevel: "loud" };
    const add = await run({ CNI_COMMAND: "ADD", ...ENV }, conf);
    expect(add.json).toMatchObject({ code: 7, msg: 'invalid config: debugLogLevel: "loud" must be "info" or "debug"' });
    const { def, calls } = recorder();
    const del = await run({ CNI_COMMAND: "DEL", ...ENV }, conf, def);
    expect(del.status).toBe(0);
    expect(calls.map((c) => c.verb)).toEqual(["DEL"]);
    expect(del.io.stderr).toBe('demo: debug log off, invalid config: debugLogLevel: "loud" must be "info" or "debug"\n');
  });
});
