/**
 * `dist/bin/cni-ts validate` as an operator runs it: human lines and
 * `--json`, exit codes, directory mode with a name collision.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIST_BIN } from "../helpers/run-plugin.ts";

const CNI_TS = join(DIST_BIN, "cni-ts");
let dir: string;

function validate(...args: string[]) {
  const out = spawnSync(CNI_TS, ["validate", ...args], { encoding: "utf8" });
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
  it("exits 0 on a clean file, printing only the note about a foreign plugin", () => {
    const r = validate(join(dir, "10-pods.conflist"));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${join(dir, "10-pods.conflist")}: $.plugins[1].type: "portmap": note: not a cni-ts plugin, not checked\n`);
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

  it("reports a missing path and exits 1", () => {
    const r = validate(join(dir, "nope.conflist"));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/nope\.conflist: \$: cannot read: ENOENT/);
  });
});
