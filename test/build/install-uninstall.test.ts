// `cni-ts install` on a node that already has plugins, and `cni-ts uninstall`:
// the files install replaced come back, what it wrote goes, and whatever
// someone changed since stays. Uninstall runs in a throwaway namespace (it
// also removes routes cni-ts made, and those live in the node's namespace).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useScratch } from "../helpers/netns.ts";
import { DIST_BIN, REFERENCE_BIN, ROOT } from "../helpers/run-plugin.ts";

const CNI_TS = join(DIST_BIN, "cni-ts");
const PLUGINS = ["bridge", "host-local", "loopback"];
const ENV = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" };

function cniTs(...args: string[]) {
  return spawnSync(CNI_TS, args, { encoding: "utf8", env: ENV });
}

describe("cni-ts install and uninstall on a node that already has plugins", () => {
  const scratch = useScratch("uninst");
  const dirs = () => ({ bin: join(scratch.work, "bin"), conf: join(scratch.work, "net.d") });
  const flags = () => ["--cni-bin-dir", dirs().bin, "--cni-conf-dir", dirs().conf];
  function uninstall() {
    return spawnSync("ip", ["netns", "exec", scratch.netns.name, CNI_TS, "uninstall", ...flags()], { encoding: "utf8", env: ENV });
  }

  it("keeps the reference plugins it replaces and puts them back, leaving the node as it found it", () => {
    const { bin, conf } = dirs();
    mkdirSync(bin);
    mkdirSync(conf);
    for (const name of [...PLUGINS, "portmap"]) copyFileSync(join(REFERENCE_BIN, name), join(bin, name));
    writeFileSync(join(conf, "05-other.conflist"), '{"cniVersion":"1.0.0","name":"other","plugins":[{"type":"loopback"}]}\n');
    const found = Object.fromEntries(PLUGINS.map((name) => [name, statSync(join(bin, name)).ino]));

    const first = cniTs("install", ...flags(), "--pod-cidr", "10.99.1.0/24");
    expect(first.status, first.stderr).toBe(0);
    for (const name of PLUGINS) expect(first.stdout).toContain(`installed ${join(bin, name)} (cni-ts `);
    expect(first.stdout.match(/; kept the file it replaced for uninstall/g)).toHaveLength(3);
    expect(first.stdout).toMatch(/^installed .*\/cni-ts \(cni-ts [^)]*\)$/m);
    expect(first.stdout).toContain(`warning: 05-other.conflist sorts before 10-cni-ts.conflist in ${conf}`);
    expect(readdirSync(join(bin, ".cni-ts-backup")).sort()).toEqual([...PLUGINS, "manifest.json"]);
    for (const name of PLUGINS) expect(statSync(join(bin, ".cni-ts-backup", name)).ino).toBe(found[name]);
    // the cni-ts name is on the node, and its validate accepts what install wrote
    const validate = spawnSync(join(bin, "cni-ts"), ["validate", "--cni-path", bin, join(conf, "10-cni-ts.conflist")], { encoding: "utf8", env: ENV });
    expect(validate.status, validate.stdout).toBe(0);

    // a second install replaces its own files: the backups stay the reference's
    const second = cniTs("install", ...flags(), "--pod-cidr", "10.99.1.0/24");
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).not.toContain("kept the file");
    for (const name of PLUGINS) expect(statSync(join(bin, ".cni-ts-backup", name)).ino).toBe(found[name]);

    const run = uninstall();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("removed 0 route(s)");
    for (const name of PLUGINS) expect(run.stdout).toContain(`restored ${join(bin, name)}`);
    expect(run.stdout).toContain(`removed ${join(bin, "cni-ts")}`);
    expect(run.stdout).toContain(`removed ${join(conf, "10-cni-ts.conflist")}`);
    expect(readdirSync(bin).sort()).toEqual([...PLUGINS, "portmap"]);
    for (const name of PLUGINS) {
      expect(statSync(join(bin, name)).ino).toBe(found[name]);
      expect(readFileSync(join(bin, name)).equals(readFileSync(join(REFERENCE_BIN, name)))).toBe(true);
    }
    expect(readdirSync(conf)).toEqual(["05-other.conflist"]);
  });

  it("leaves a plugin and a conflist changed since install, and says so", () => {
    const { bin, conf } = dirs();
    expect(cniTs("install", ...flags(), "--pod-cidr", "10.99.2.0/24").status).toBe(0);
    writeFileSync(join(bin, ".admin-loopback"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    renameSync(join(bin, ".admin-loopback"), join(bin, "loopback"));
    const conflist = join(conf, "10-cni-ts.conflist");
    writeFileSync(conflist, `${readFileSync(conflist, "utf8")} `);

    const run = uninstall();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`kept ${join(bin, "loopback")}: replaced since cni-ts installed it`);
    expect(run.stdout).toContain(`kept ${conflist}: not the conflist cni-ts wrote`);
    expect(readdirSync(bin)).toEqual(["loopback"]);
    expect(readFileSync(join(bin, "loopback"), "utf8")).toBe("#!/bin/sh\nexit 0\n");
    expect(readdirSync(conf)).toEqual(["10-cni-ts.conflist"]);

    expect(uninstall().stdout).toContain(`nothing of cni-ts to remove in ${bin}`);
  });

  it("refuses a backup directory another user could steer, before replacing anything", () => {
    const { bin } = dirs();
    mkdirSync(bin);
    writeFileSync(join(bin, "bridge"), "old bridge", { mode: 0o755 });
    mkdirSync(join(scratch.work, "elsewhere"));
    symlinkSync(join(scratch.work, "elsewhere"), join(bin, ".cni-ts-backup"));
    const run = cniTs("install", ...flags());
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^cni-ts: cni-ts backup directory .* is a symbolic link; refusing to use it\n$/);
    expect(readFileSync(join(bin, "bridge"), "utf8")).toBe("old bridge");
    expect(readdirSync(join(scratch.work, "elsewhere"))).toEqual([]);
  });
});

describe("install and uninstall --help against docs/INSTALL.md", () => {
  /** The long flags a command's help lists. */
  function helpFlags(command: string): string[] {
    const help = cniTs(command, "--help").stdout;
    return [...new Set([...help.matchAll(/^\s+(?:-\w, )?(--[a-z0-9-]+)/gm)].map((m) => m[1]!))].filter((f) => f !== "--help").sort();
  }
  /** The flags named in the docs' table for `command` (the block after its marker, up to a blank line). */
  function docFlags(command: string): string[] {
    const doc = readFileSync(join(ROOT, "docs/INSTALL.md"), "utf8");
    const table = doc.split(`<!-- flags: ${command} -->`)[1]!.split("\n\n")[0]!;
    return [...new Set([...table.matchAll(/--[a-z][a-z0-9-]*/g)].map((m) => m[0]))].sort();
  }

  it.each(["install", "uninstall"])("%s lists the same flags as its table", (command) => {
    expect(helpFlags(command)).toEqual(docFlags(command));
  });
});
