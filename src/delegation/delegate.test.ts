import { chmodSync, linkSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { hostLocalPlugin } from "../../ipam/host-local/plugin.ts";
import { CniError } from "../errors.ts";
import type { CmdArgs, InProcessPlugins } from "../skel/types.ts";
import { assertDelegable, delegateIpam, DelegationRefusedError } from "./delegate.ts";
import { findPlugin, isOwnExecutable } from "./find-plugin.ts";

const dir = mkdtempSync(join(tmpdir(), "cnits-ipam-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake IPAM plugin: prints a 0.4.0 result on ADD, an error doc on DEL, echoes stdin on CHECK failure. */
writeFileSync(
  join(dir, "fake-ipam"),
  `#!/bin/sh
input=$(cat)
case "$CNI_COMMAND" in
ADD) printf '%s' '{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.5.0.7/24","gateway":"10.5.0.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{"nameservers":["10.5.0.53"]}}' ;;
DEL) printf '%s' '{"cniVersion":"0.4.0","code":11,"msg":"try later","details":"busy"}'; exit 1 ;;
CHECK) case "$input" in *'"name":"n"'*) exit 0 ;; *) echo "bad stdin" >&2; exit 3 ;; esac ;;
*) exit 0 ;;
esac
`,
);
chmodSync(join(dir, "fake-ipam"), 0o755);
writeFileSync(join(dir, "not-json"), "#!/bin/sh\necho hello\n");
chmodSync(join(dir, "not-json"), 0o755);

const args = (stdin: unknown): CmdArgs => ({
  command: "ADD",
  containerId: "c1",
  netns: "/var/run/netns/x",
  ifName: "eth0",
  args: "",
  path: ["/nonexistent", dir],
  stdinData: Buffer.from(JSON.stringify(stdin)),
  env: { PATH: process.env.PATH },
});

describe("findPlugin()", () => {
  test("finds the first match in CNI_PATH", () => {
    expect(findPlugin("fake-ipam", ["/nonexistent", dir])).toBe(join(dir, "fake-ipam"));
  });
  test.each([
    ["", [dir], "no plugin name provided"],
    ["../x", [dir], "invalid plugin name: ../x"],
    ["fake-ipam", [], "no paths provided"],
    ["missing", ["/a", "/b"], 'failed to find plugin "missing" in path [/a /b]'],
  ])("findPlugin(%j, %j) fails with %j", (name, paths, msg) => {
    expect(() => findPlugin(name, paths)).toThrow(msg);
  });
});

describe("isOwnExecutable()", () => {
  test("true for a hard link of the running executable, false for another file", () => {
    const link = join(dir, "host-local");
    try {
      linkSync(process.execPath, link);
    } catch {
      return; // another filesystem: nothing to check here
    }
    expect(isOwnExecutable(link)).toBe(true);
    expect(isOwnExecutable(join(dir, "fake-ipam"))).toBe(false);
  });
});

/** Hard-link the running executable into `dir` as `name`; false when the file system cannot. */
function linkSelf(name: string): boolean {
  try {
    linkSync(process.execPath, join(dir, name));
  } catch (err) {
    if ((err as { code?: string }).code === "EXDEV") return false;
    if ((err as { code?: string }).code !== "EEXIST") throw err;
  }
  return true;
}

const REGISTRY: InProcessPlugins = { "host-local": async () => hostLocalPlugin };

describe("delegateIpam() in-process", () => {
  test("host-local resolving to this executable runs in-process (no exec) and allocates", async () => {
    if (!linkSelf("host-local")) return;
    const dataDir = join(dir, "store");
    const conf = { cniVersion: "1.0.0", name: "inproc", type: "bridge", ipam: { type: "host-local", subnet: "10.6.0.0/24", dataDir } };
    const base = { ...args(conf), path: [dir], plugin: "bridge", inProcessIpam: REGISTRY };
    const res = await delegateIpam("ADD", "host-local", base, conf);
    expect(res?.ips?.[0]?.address).toBe("10.6.0.2/24");
    await delegateIpam("DEL", "host-local", { ...base, command: "DEL" }, conf);
    const again = await delegateIpam("ADD", "host-local", base);
    expect(again?.ips?.[0]?.address).toBe("10.6.0.3/24");
  });
});

describe("delegation that would come back to the caller", () => {
  test("this executable under a name the entry point did not register is refused (7) for every verb", async () => {
    if (!linkSelf("bridge")) return;
    const base = { ...args({ name: "n" }), path: [dir], plugin: "bridge", inProcessIpam: REGISTRY };
    for (const name of ["bridge", "loopback-like"]) {
      if (name !== "bridge" && !linkSelf(name)) return;
      expect(() => assertDelegable(name, base)).toThrow(DelegationRefusedError);
      for (const verb of ["ADD", "DEL", "CHECK", "STATUS", "GC"] as const) {
        const err = await delegateIpam(verb, name, base).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DelegationRefusedError);
        expect((err as CniError).code).toBe(7);
      }
    }
  });
  test("the calling plugin's own name is refused before looking in CNI_PATH", async () => {
    const base = { ...args({ name: "n" }), path: [dir], plugin: "fake-ipam" };
    expect(() => assertDelegable("fake-ipam", base)).toThrow(/calling plugin itself/);
    await expect(delegateIpam("DEL", "fake-ipam", base)).rejects.toBeInstanceOf(DelegationRefusedError);
  });
  test("without a registry even host-local under this executable is refused", () => {
    if (!linkSelf("host-local")) return;
    expect(() => assertDelegable("host-local", { ...args({ name: "n" }), path: [dir] })).toThrow(DelegationRefusedError);
  });
});

describe("delegateIpam() by exec", () => {
  test("ADD: an older-version result is decoded into the 1.1.0 model", async () => {
    const res = await delegateIpam("ADD", "fake-ipam", args({ name: "n", cniVersion: "0.4.0" }));
    expect(res?.ips).toEqual([{ address: "10.5.0.7/24", gateway: "10.5.0.1" }]);
    expect(res?.routes).toEqual([{ dst: "0.0.0.0/0" }]);
    expect(res?.dns).toEqual({ nameservers: ["10.5.0.53"] });
  });
  test("an error document becomes a CniError with the plugin's own code", async () => {
    const err = await delegateIpam("DEL", "fake-ipam", args({ name: "n" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).code).toBe(11);
    expect((err as CniError).msg).toBe("try later");
    expect((err as CniError).details).toBe("busy");
  });
  test("the same stdin bytes reach the plugin; a failure without a document keeps stderr", async () => {
    await expect(delegateIpam("CHECK", "fake-ipam", args({ name: "n" }))).resolves.toBeUndefined();
    await expect(delegateIpam("CHECK", "fake-ipam", args({ name: "other" }))).rejects.toThrow(/status 3: bad stdin/);
  });
  test("unparsable output is an error (also when the plugin never reads stdin)", async () => {
    const err = await delegateIpam("ADD", "not-json", args({ name: "n" })).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/failed to parse result of IPAM plugin not-json/);
  });
});
