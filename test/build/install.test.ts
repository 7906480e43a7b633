// `cni-ts install`: one file plus hard links in the target directory,
// replaced atomically under a runtime that keeps exec'ing the plugins.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DIST_BIN } from "../helpers/run-plugin.ts";
import { eventually } from "../helpers/wait.ts";

const CNI_TS = join(DIST_BIN, "cni-ts");
const PLUGINS = ["bridge", "loopback", "host-local"];
/** The plugins and the CLI's own name, so `cni-ts validate` is on the node. */
const NAMES = [...PLUGINS, "cni-ts"];

function install(dir: string): string {
  return execFileSync(CNI_TS, ["install", "--dir", dir], { encoding: "utf8" });
}

describe("cni-ts install", () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), "cnits-install-"));
  });
  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it("installs the three plugins and the cni-ts name as one file with hard links, and says so", () => {
    const dir = join(work, "opt/cni/bin");
    const out = install(dir);
    const version = execFileSync(CNI_TS, ["--version"], { encoding: "utf8" }).trim();
    for (const name of NAMES) expect(out).toContain(`installed ${join(dir, name)} (cni-ts ${version})\n`);
    // the names, the native addon the plugins load first, and the root-only record of what was installed
    expect(
      readdirSync(dir)
        .filter((f) => !f.endsWith(".node"))
        .sort(),
    ).toEqual([".cni-ts-backup", ...NAMES].sort());
    expect(readdirSync(dir).filter((f) => f.endsWith(".node"))).toEqual([expect.stringMatching(/^cni_ts_native-[0-9a-f]{16}\.node$/)]);
    expect(readdirSync(join(dir, ".cni-ts-backup"))).toEqual(["manifest.json"]);
    expect(statSync(join(dir, ".cni-ts-backup")).mode & 0o777).toBe(0o700);
    const stats = NAMES.map((name) => statSync(join(dir, name)));
    expect(new Set(stats.map((s) => s.ino)).size).toBe(1);
    expect(stats[0]!.nlink).toBe(4);
    expect(stats[0]!.mode & 0o777).toBe(0o755);
    expect(stats[0]!.size).toBe(statSync(CNI_TS).size);
    // the installed copy is a working cni-ts executable of its own
    expect(statSync(join(dir, "bridge")).ino).not.toBe(statSync(CNI_TS).ino);
  });

  it("replaces files atomically while another process keeps exec'ing them", async () => {
    const dir = join(work, "bin");
    install(dir);
    const firstInode = statSync(join(dir, "loopback")).ino;
    // A pre-existing unrelated file stays; an old plugin file is replaced.
    writeFileSync(join(dir, "portmap"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });

    // 126 = found but not executable (ETXTBSY, ENOEXEC), 127 = not found:
    // what a runtime would see if it caught a name mid-replacement.
    const stop = join(work, "stop");
    const counter = join(work, "runs");
    const runs = () => (existsSync(counter) ? Number(readFileSync(counter, "utf8")) || 0 : 0);
    const loop = spawn(
      "bash",
      [
        "-c",
        `n=0; while [ ! -e "$1" ]; do for p in loopback bridge host-local; do
           CNI_COMMAND=VERSION "$2/$p" >/dev/null 2>"$3"; rc=$?
           if [ $rc -ge 126 ]; then echo "exec of $p failed with $rc: $(cat "$3")"; exit 1; fi
           n=$((n+1)); done; echo "$n" > "$4"; done; echo "runs=$n"`,
        "loop",
        stop,
        dir,
        join(work, "stderr"),
        counter,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    loop.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => loop.on("exit", resolve));

    await eventually(() => loop.exitCode !== null || runs() >= PLUGINS.length, "a round of execs of the first install");
    install(dir);
    const secondInode = statSync(join(dir, "loopback")).ino;
    install(dir);
    const before = runs();
    await eventually(() => loop.exitCode !== null || runs() >= before + PLUGINS.length, "a round of execs of the last install");
    writeFileSync(stop, "");
    const status = await exited;

    expect(output).toMatch(/^runs=\d+/);
    expect(status, output).toBe(0);
    expect(Number(/runs=(\d+)/.exec(output)![1])).toBeGreaterThan(3);
    const inodes = NAMES.map((name) => statSync(join(dir, name)).ino);
    expect(new Set(inodes).size).toBe(1);
    // Each install writes a new file before unlinking the old one, so the
    // last one cannot reuse the second's inode (it was still linked). The
    // first's inode was freed by the second install and may be reused.
    expect(secondInode).not.toBe(firstInode);
    expect(inodes[0]).not.toBe(secondInode);
    // no temp files left behind, the unrelated plugin untouched
    expect(
      readdirSync(dir)
        .filter((f) => !f.endsWith(".node"))
        .sort(),
    ).toEqual([".cni-ts-backup", ...NAMES, "portmap"].sort());
    // replacing its own files kept nothing: only what the node had before is worth keeping
    expect(readdirSync(join(dir, ".cni-ts-backup"))).toEqual(["manifest.json"]);
    expect(existsSync(join(dir, "portmap"))).toBe(true);
  });

  it("fails clearly when the directory cannot be created", () => {
    const file = join(work, "a-file");
    writeFileSync(file, "");
    let stderr = "";
    try {
      execFileSync(CNI_TS, ["install", "--dir", join(file, "bin")], { encoding: "utf8", stdio: "pipe" });
    } catch (err) {
      stderr = (err as { stderr: string }).stderr;
    }
    expect(stderr).toMatch(/^cni-ts: .*(ENOTDIR|EEXIST)/);
  });
});

describe("cni-ts install onto a noexec mount", () => {
  let mount: string;
  beforeEach(() => {
    mount = mkdtempSync(join(tmpdir(), "cnits-noexec-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "noexec,size=300m", "cnits-noexec", mount]);
  });
  afterEach(() => {
    execFileSync("umount", [mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  it("refuses before replacing anything, and leaves the old files in place", () => {
    writeFileSync(join(mount, "bridge"), "old bridge", { mode: 0o755 });
    let stderr = "";
    let status = 0;
    try {
      execFileSync(CNI_TS, ["install", "--dir", mount], { encoding: "utf8", stdio: "pipe" });
    } catch (err) {
      stderr = (err as { stderr: string }).stderr;
      status = (err as { status: number }).status;
    }
    expect(status).toBe(1);
    expect(stderr).toMatch(/does not run from .*noexec/);
    expect(readdirSync(mount)).toEqual(["bridge"]);
    expect(execFileSync("cat", [join(mount, "bridge")], { encoding: "utf8" })).toBe("old bridge");
  });
});
