/**
 * Paths and privileges: names from the runtime and the config never make a
 * path leave dataDir or the native-addon cache; a dataDir, network directory
 * or cache directory that is a symlink, world-writable or owned by another
 * user is refused (code 102, a message saying why); store files are created
 * exclusively (an existing file is never overwritten or followed) with mode
 * 0600.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { DIST_BIN } from "../helpers/run-plugin.ts";
import { listTree, runAsync, type AsyncRun } from "./harness.ts";

const CODE_UNSAFE_PATH = 102;
const NOBODY = 65534;

let pod: TestNetns;
let sandbox: string;

beforeAll(() => {
  if (!existsSync(`${DIST_BIN}/host-local`)) throw new Error("dist/bin missing: run scripts/build.mjs");
  pod = createNetns("paths");
});
afterAll(() => pod?.remove());
afterEach(() => {
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

/** A fresh root-owned 0755 sandbox directory for one test (under /tmp, which is sticky). */
function newSandbox(): string {
  sandbox = mkdtempSync("/tmp/cnits-paths-");
  chmodSync(sandbox, 0o755);
  return sandbox;
}

function hostLocal(
  verb: string,
  opts: { dataDir: string; network?: string; cid?: string; ifName?: string; env?: Record<string, string>; subnet?: string },
): Promise<AsyncRun> {
  const conf = {
    cniVersion: "1.0.0",
    name: opts.network ?? "cnits-paths",
    type: "bridge",
    ipam: { type: "host-local", subnet: opts.subnet ?? "10.80.0.0/24", dataDir: opts.dataDir },
  };
  return runAsync(
    join(DIST_BIN, "host-local"),
    {
      CNI_COMMAND: verb,
      CNI_CONTAINERID: opts.cid ?? "cnits-paths-1",
      CNI_NETNS: pod.path,
      CNI_IFNAME: opts.ifName ?? "eth0",
      CNI_PATH: DIST_BIN,
      ...opts.env,
    },
    JSON.stringify(conf),
    { cwd: sandbox },
  );
}

function loopback(env: Record<string, string>): Promise<AsyncRun> {
  return runAsync(
    join(DIST_BIN, "loopback"),
    { CNI_COMMAND: "ADD", CNI_CONTAINERID: "cnits-paths-lo", CNI_NETNS: pod.path, CNI_IFNAME: "lo", CNI_PATH: DIST_BIN, ...env },
    JSON.stringify({ cniVersion: "1.0.0", name: "cnits-paths", type: "loopback" }),
    { cwd: sandbox },
  );
}

function mode(path: string): number {
  return lstatSync(path).mode & 0o7777;
}

describe("names cannot leave dataDir", () => {
  const hostile = [
    { network: "..", cid: "cnits-a", ifName: "eth0" },
    { network: "../escape", cid: "cnits-a", ifName: "eth0" },
    { network: "cnits-ok", cid: "../../escape", ifName: "eth0" },
    { network: "cnits-ok", cid: "cnits-a/../../escape", ifName: "eth0" },
    { network: "cnits-ok", cid: "cnits-a", ifName: "../../x" },
    { network: "cnits-ok", cid: "cnits-a", ifName: ".." },
    { network: "/etc", cid: "cnits-a", ifName: "eth0" },
  ];
  test.each(hostile)("network %o is refused and nothing is written", async ({ network, cid, ifName }) => {
    const root = newSandbox();
    const dataDir = join(root, "data");
    const r = await hostLocal("ADD", { dataDir, network, cid, ifName });
    expect(r.status).not.toBe(0);
    expect(typeof r.json?.code).toBe("number");
    expect(listTree(root)).toEqual([]);
  });

  test("valid but unusual names stay inside <dataDir>/<network>, and names never become paths", async () => {
    const root = newSandbox();
    const dataDir = join(root, "data");
    const cases = [
      { network: "a..b", cid: "x..y", ifName: "eth.0" },
      { network: "n-1_2.3", cid: "A.-_b", ifName: "e-_" },
    ];
    for (const c of cases) {
      const r = await hostLocal("ADD", { dataDir, ...c });
      expect(r.status, r.stdout).toBe(0);
    }
    const tree = listTree(root);
    for (const p of tree) expect(p.startsWith("data/a..b") || p.startsWith("data/n-1_2.3") || p === "data/").toBe(true);
    // File names are addresses, lock, last_reserved_ip.N and .cni-ts bookkeeping (hashes): no container ID or ifname.
    for (const p of tree) expect(p).not.toMatch(/x\.\.y|A\.-_b|eth\.0|e-_/);
    for (const c of cases) expect((await hostLocal("DEL", { dataDir, ...c })).status).toBe(0);
  });

  test("the addon cache holds only the addon, whatever the names", async () => {
    const root = newSandbox();
    const cache = join(root, "cache");
    const r = await runAsync(
      join(DIST_BIN, "loopback"),
      { CNI_COMMAND: "ADD", CNI_CONTAINERID: "x..y.-_", CNI_NETNS: pod.path, CNI_IFNAME: "lo", CNI_PATH: DIST_BIN, CNI_TS_CACHE_DIR: cache },
      JSON.stringify({ cniVersion: "1.0.0", name: "a..b", type: "loopback" }),
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const files = readdirSync(cache);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^cni_ts_native-[0-9a-f]+\.node$/);
    expect(mode(cache)).toBe(0o700);
    expect(mode(join(cache, files[0]!)) & 0o022).toBe(0);
  });
});

/** `<root>/<name>`: a symlink to a real directory `<root>/real` of `mode`. */
const symlinkedDir = (name: string, mode: number) => (root: string) => {
  mkdirSync(join(root, "real"), { mode });
  symlinkSync(join(root, "real"), join(root, name));
  return join(root, name);
};

/** `<root>/<name>`: a directory anyone can write (0777). */
const worldWritableDir = (name: string) => (root: string) => {
  mkdirSync(join(root, name));
  chmodSync(join(root, name), 0o777);
  return join(root, name);
};

/** `<root>/<name>`: a directory of `mode` owned by nobody. */
const foreignDir = (name: string, mode: number) => (root: string) => {
  mkdirSync(join(root, name), { mode });
  chownSync(join(root, name), NOBODY, NOBODY);
  return join(root, name);
};

describe("unsafe dataDir and network directories are refused", () => {
  const setups: Array<[string, (root: string) => string, RegExp]> = [
    ["dataDir is a symlink", symlinkedDir("data", 0o755), /symbolic link/],
    ["dataDir is world-writable", worldWritableDir("data"), /world-writable/],
    ["dataDir is owned by another user", foreignDir("data", 0o755), /owned by uid 65534/],
    [
      "the network directory is a symlink to elsewhere",
      (root) => {
        mkdirSync(join(root, "data"));
        mkdirSync(join(root, "elsewhere"));
        symlinkSync(join(root, "elsewhere"), join(root, "data", "cnits-paths"));
        return join(root, "data");
      },
      /symbolic link/,
    ],
    [
      "the network directory is owned by another user",
      (root) => {
        mkdirSync(join(root, "data", "cnits-paths"), { recursive: true, mode: 0o755 });
        chownSync(join(root, "data", "cnits-paths"), NOBODY, NOBODY);
        return join(root, "data");
      },
      /owned by uid 65534/,
    ],
    [
      "the network directory is a regular file",
      (root) => {
        mkdirSync(join(root, "data"));
        writeFileSync(join(root, "data", "cnits-paths"), "");
        return join(root, "data");
      },
      /not a directory/,
    ],
    [
      "dataDir is group-writable",
      (root) => (mkdirSync(join(root, "data"), { mode: 0o775 }), chmodSync(join(root, "data"), 0o775), join(root, "data")),
      /group-writable/,
    ],
    [
      "the network directory is group-writable",
      (root) => {
        mkdirSync(join(root, "data", "cnits-paths"), { recursive: true });
        chmodSync(join(root, "data", "cnits-paths"), 0o770);
        return join(root, "data");
      },
      /network directory .* is group-writable/,
    ],
    [
      "dataDir lies under a symlink owned by another user",
      (root) => {
        mkdirSync(join(root, "real"), { mode: 0o755 });
        symlinkSync(join(root, "real"), join(root, "theirs"));
        lchownSync(join(root, "theirs"), NOBODY, NOBODY);
        return join(root, "theirs", "data");
      },
      /lies under .*theirs, a symbolic link owned by uid 65534/,
    ],
    [
      "dataDir lies under a root-owned symlink to a directory another user owns",
      (root) => {
        mkdirSync(join(root, "real"), { mode: 0o755 });
        chownSync(join(root, "real"), NOBODY, NOBODY);
        symlinkSync(join(root, "real"), join(root, "link"));
        return join(root, "link", "data");
      },
      /lies under .*real, which another user can modify/,
    ],
    [
      "dataDir lies under a group-writable (not sticky) directory",
      (root) => {
        mkdirSync(join(root, "shared", "deeper"), { recursive: true, mode: 0o755 });
        chmodSync(join(root, "shared"), 0o775);
        return join(root, "shared", "deeper", "data");
      },
      /lies under .*shared, which another user can modify/,
    ],
    [
      "dataDir lies under a directory owned by another user",
      (root) => {
        mkdirSync(join(root, "theirs"), { mode: 0o755 });
        chownSync(join(root, "theirs"), NOBODY, NOBODY);
        return join(root, "theirs", "data");
      },
      /lies under .*theirs, which another user can modify/,
    ],
  ];
  test.each(setups)("%s", async (_name, setup, message) => {
    const root = newSandbox();
    const dataDir = setup(root);
    const before = listTree(root);
    const r = await hostLocal("ADD", { dataDir });
    expect(r.status).not.toBe(0);
    expect(r.json?.code, r.stdout).toBe(CODE_UNSAFE_PATH);
    expect(r.json.msg).toMatch(message);
    expect(listTree(root)).toEqual(before);
  });
});

test("a dataDir under a root-owned symlink to a safe directory is used (a sticky /tmp above is fine)", async () => {
  const root = newSandbox();
  mkdirSync(join(root, "real"), { mode: 0o755 });
  symlinkSync(join(root, "real"), join(root, "link"));
  const dataDir = join(root, "link", "data");
  const r = await hostLocal("ADD", { dataDir });
  expect(r.status, r.stdout).toBe(0);
  expect(readdirSync(join(root, "real", "data", "cnits-paths"))).toContain("10.80.0.2");
  expect((await hostLocal("DEL", { dataDir })).status).toBe(0);
});

describe("unsafe native-addon cache directories are refused", () => {
  const setups: Array<[string, (root: string) => string, RegExp]> = [
    ["a symlink", symlinkedDir("cache", 0o700), /symlink/],
    ["world-writable", worldWritableDir("cache"), /mode 777/],
    ["owned by another user", foreignDir("cache", 0o700), /owned by uid 65534/],
    [
      "under a world-writable (not sticky) parent",
      (root) => {
        mkdirSync(join(root, "open"));
        chmodSync(join(root, "open"), 0o777);
        mkdirSync(join(root, "open", "cache"), { mode: 0o700 });
        return join(root, "open", "cache");
      },
      /another user can modify/,
    ],
  ];
  test.each(setups)("%s", async (_name, setup, message) => {
    const root = newSandbox();
    const cache = setup(root);
    const r = await loopback({ CNI_TS_CACHE_DIR: cache });
    expect(r.status).not.toBe(0);
    expect(r.json?.code, r.stdout + r.stderr).toBe(CODE_UNSAFE_PATH);
    expect(r.json.msg).toMatch(message);
    // Nothing was loaded from, or written into, the refused directory.
    expect(readdirSync(cache)).toEqual([]);
  });
});

describe("store files: exclusive creation, 0600, nothing followed", () => {
  test("modes on disk after ADD", async () => {
    const root = newSandbox();
    const dataDir = join(root, "data");
    const r = await hostLocal("ADD", { dataDir });
    expect(r.status, r.stdout).toBe(0);
    const net = join(dataDir, "cnits-paths");
    const ip = r.json.ips[0].address.split("/")[0];
    expect(mode(join(net, ip))).toBe(0o600);
    expect(readFileSync(join(net, ip), "utf8")).toBe("cnits-paths-1\r\neth0");
    expect(mode(join(net, "last_reserved_ip.0"))).toBe(0o600);
    expect(mode(join(net, ".cni-ts"))).toBe(0o700);
    for (const f of readdirSync(join(net, ".cni-ts"))) expect(mode(join(net, ".cni-ts", f)), f).toBe(0o600);
    // The shared lock file is opened, not exclusively created; nobody else may write it.
    expect(mode(join(net, "lock")) & 0o022).toBe(0);
    for (const dir of [dataDir, net]) expect(mode(dir) & 0o022).toBe(0);
  });

  test("an existing address file is never overwritten (O_EXCL): the allocator skips it", async () => {
    const root = newSandbox();
    const dataDir = join(root, "data");
    const net = join(dataDir, "cnits-paths");
    mkdirSync(net, { recursive: true, mode: 0o755 });
    writeFileSync(join(net, "10.80.0.2"), "someone-else\r\neth9", { mode: 0o600 });
    const r = await hostLocal("ADD", { dataDir });
    expect(r.status, r.stdout).toBe(0);
    expect(r.json.ips[0].address).toBe("10.80.0.3/24");
    expect(readFileSync(join(net, "10.80.0.2"), "utf8")).toBe("someone-else\r\neth9");
  });

  test("planted symlinks in the store are not followed", async () => {
    const root = newSandbox();
    const dataDir = join(root, "data");
    const net = join(dataDir, "cnits-paths");
    mkdirSync(net, { recursive: true, mode: 0o755 });
    const target = join(root, "victim");
    writeFileSync(target, "precious", { mode: 0o644 });
    symlinkSync(target, join(net, "10.80.0.2"));
    symlinkSync(target, join(net, "last_reserved_ip.0"));
    const r = await hostLocal("ADD", { dataDir });
    expect(r.status, r.stdout).toBe(0);
    expect(r.json.ips[0].address).not.toBe("10.80.0.2/24");
    expect(readFileSync(target, "utf8")).toBe("precious");
    expect(mode(target)).toBe(0o644);
    // last_reserved_ip.0 was replaced (rename), not written through.
    expect(lstatSync(join(net, "last_reserved_ip.0")).isSymbolicLink()).toBe(false);
    expect((await hostLocal("DEL", { dataDir })).status).toBe(0);
    expect(readFileSync(target, "utf8")).toBe("precious");
  });

  test("a lock file that is a symlink is refused, not followed", async () => {
    const root = newSandbox();
    const dataDir = join(root, "data");
    const net = join(dataDir, "cnits-paths");
    mkdirSync(net, { recursive: true, mode: 0o755 });
    const target = join(root, "victim");
    symlinkSync(target, join(net, "lock"));
    const r = await hostLocal("ADD", { dataDir });
    expect(r.status).not.toBe(0);
    expect(typeof r.json?.code).toBe("number");
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(net).filter((f) => /^\d/.test(f))).toEqual([]);
  });

  test("stat of created files: owned by root", async () => {
    const root = newSandbox();
    const dataDir = join(root, "data");
    expect((await hostLocal("ADD", { dataDir })).status).toBe(0);
    for (const p of listTree(dataDir)) expect(statSync(join(dataDir, p)).uid, p).toBe(0);
  });
});
