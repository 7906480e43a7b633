/**
 * `dist/bin/cni-ts validate` as an operator runs it: human lines and
 * `--json`, exit codes, directory mode with a name collision, `ok` per
 * clean file, ADD's own rules, types looked up on `--cni-path`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIST_BIN } from "../helpers/run-plugin.ts";

const CNI_TS = join(DIST_BIN, "cni-ts");
let dir: string;

function validate(...args: string[]) {
  const out = spawnSync(CNI_TS, ["validate", "--cni-path", "/usr/lib/cni", ...args], { encoding: "utf8", timeout: 20_000 });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cnits-validate-"));
  const write = (name: string, doc: unknown) => writeFileSync(join(dir, name), JSON.stringify(doc));
  write("10-pods.conflist", {
    cniVersion: "1.0.0",
    name: "pods",
    plugins: [
      { type: "bridge", bridge: "cni0", isGateway: true, ipam: { type: "host-local", ranges: [[{ subnet: "10.88.0.0/16" }]] } },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  });
  write("20-broken.conflist", {
    cniVersion: "1.0.0",
    name: "broken",
    plugins: [
      { type: "loopback" },
      { type: "bridge", ipam: { type: "host-local", ranges: [[{ subnet: "10.0.0.0/33" }], [{ subnet: "10.9.0.0/16" }], [{ subnet: "10.9.1.0/24" }]] } },
    ],
  });
  write("30-pods-again.conf", { cniVersion: "0.4.0", name: "pods", type: "loopback" });
  writeFileSync(join(dir, "README.txt"), "not a config");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("cni-ts validate", () => {
  it("exits 0 on a clean file, printing the note about a foreign plugin found on --cni-path, then ok", () => {
    const file = join(dir, "10-pods.conflist");
    const r = validate(file);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${file}: $.plugins[1].type: "portmap": note: not a cni-ts plugin, not checked (found /usr/lib/cni/portmap)\n${file}: ok\n`);
  });

  it("one ok line per clean file of a directory", () => {
    const clean = mkdtempSync(join(tmpdir(), "cnits-validate-clean-"));
    try {
      for (const name of ["10-a.conf", "20-b.conf"]) writeFileSync(join(clean, name), JSON.stringify({ cniVersion: "1.0.0", name, type: "loopback" }));
      const r = validate(clean);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${join(clean, "10-a.conf")}: ok\n${join(clean, "20-b.conf")}: ok\n`);
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });

  it("runs ADD's own rules, looks foreign types up, and suggests the key or type meant", () => {
    const file = join(dir, "40-issue.conf.json");
    writeFileSync(
      file,
      JSON.stringify({
        cniVersion: "1.0.0",
        name: "issue",
        type: "bridge",
        hairpinMode: true,
        promiscMode: true,
        isGatway: true,
        runtimeConfig: { mac: "zz:zz" },
        ipam: { type: "host-locl", subnet: "10.1.0.0/24" },
      }),
    );
    const r = validate(file);
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split("\n")).toEqual([
      `${file}: $.isGatway: true: warning: unknown key, ignored by bridge; did you mean "isGateway"?`,
      `${file}: $.promiscMode: true: cannot set hairpin mode and promiscuous mode at the same time`,
      `${file}: $.runtimeConfig.mac: "zz:zz": address zz:zz: invalid MAC address`,
      `${file}: $.ipam.type: "host-locl": warning: not a cni-ts IPAM plugin; did you mean "host-local"?`,
    ]);
    writeFileSync(file, JSON.stringify({ cniVersion: "1.0.0", name: "issue", type: "bridge", ipam: { type: "whereabouts" } }));
    expect(validate(file).stdout).toBe(
      `${file}: $.ipam.type: "whereabouts": warning: no such IPAM plugin in /usr/lib/cni: ADD would fail with "failed to find plugin"\n`,
    );
    rmSync(file);
  });

  it("prints one line per problem with path and value, and exits 1", () => {
    const file = join(dir, "20-broken.conflist");
    const r = validate(file);
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split("\n")).toEqual([
      `${file}: $.plugins[1].ipam.ranges[0][0].subnet: "10.0.0.0/33": invalid CIDR address`,
      `${file}: $.plugins[1].ipam.ranges[2]: [{"subnet":"10.9.1.0/24"}]: range set 2 overlaps with range set 1 (ipam.ranges[1])`,
    ]);
  });

  it("--json gives {file, path, value, message, severity} for a whole directory, with the name collision", () => {
    const r = validate("--json", dir);
    expect(r.status).toBe(1);
    const diags = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(diags.map((d) => Object.keys(d).sort())).toContainEqual(["file", "message", "path", "severity", "value"]);
    expect(diags.map((d) => [d.file, d.path, d.severity])).toEqual([
      [join(dir, "10-pods.conflist"), "$.plugins[1].type", "note"],
      [join(dir, "20-broken.conflist"), "$.plugins[1].ipam.ranges[0][0].subnet", "error"],
      [join(dir, "20-broken.conflist"), "$.plugins[1].ipam.ranges[2]", "error"],
      [join(dir, "30-pods-again.conf"), "$.name", "error"],
    ]);
    expect(diags[3]).toMatchObject({ value: "pods", message: expect.stringContaining(`collides with ${join(dir, "10-pods.conflist")}`) });
  });

  it("reports a missing path in words and exits 1", () => {
    const r = validate(join(dir, "nope.conflist"));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(`${join(dir, "nope.conflist")}: $: cannot read: no such file or directory\n`);
  });

  it("a FIFO named like a config is refused, not waited on", () => {
    const fifo = join(dir, "50-fifo.conf");
    execFileSync("mkfifo", [fifo]);
    try {
      const r = validate(fifo);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe(`${fifo}: $: cannot read: not a regular file\n`);
    } finally {
      rmSync(fifo);
    }
  });
});
