#!/usr/bin/env node
// npm run package: the release tarball, laid out like the reference plugins'
// (cni-plugins-linux-amd64-vX.Y.Z.tgz): the executables at the top level,
// plus LICENSE and README.md. The four names are one file, stored once and
// as hard links inside the tar. Writes dist/SHA256SUMS for `sha256sum -c`.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, createReadStream, linkSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN_DIR, MAIN_NAME, PLUGIN_NAMES, ROOT, packageVersion } from "./lib/paths.mjs";

execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--if-stale"], { stdio: "inherit" });

const version = packageVersion();
const dist = join(ROOT, "dist");
const tarball = `cni-ts-linux-amd64-v${version}.tgz`;
const stage = join(dist, "release");
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true, mode: 0o755 });
// A private copy, hard-linked within the stage: a concurrent rebuild re-linking
// dist/bin would change the inode's ctime and make tar report a changed file.
copyFileSync(join(BIN_DIR, MAIN_NAME), join(stage, MAIN_NAME));
chmodSync(join(stage, MAIN_NAME), 0o755);
for (const name of PLUGIN_NAMES) linkSync(join(stage, MAIN_NAME), join(stage, name));
for (const doc of ["LICENSE", "README.md"]) copyFileSync(join(ROOT, doc), join(stage, doc));

// Reproducible: fixed owner, order and timestamp (the last commit's, or SOURCE_DATE_EPOCH).
const epoch =
  process.env.SOURCE_DATE_EPOCH ??
  (() => {
    try {
      return execFileSync("git", ["log", "-1", "--format=%ct"], { cwd: ROOT, encoding: "utf8" }).trim();
    } catch {
      return "0";
    }
  })();
execFileSync(
  "tar",
  [
    "--create",
    "--file",
    join(dist, tarball),
    "--use-compress-program",
    "gzip -n -6",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--sort=name",
    `--mtime=@${epoch || "0"}`,
    "--directory",
    stage,
    ".",
  ],
  { stdio: "inherit" },
);
rmSync(stage, { recursive: true, force: true });

const hash = createHash("sha256");
for await (const chunk of createReadStream(join(dist, tarball))) hash.update(chunk);
writeFileSync(join(dist, "SHA256SUMS"), `${hash.digest("hex")}  ${tarball}\n`);
console.log(`package: dist/${tarball} (${(statSync(join(dist, tarball)).size / 1048576).toFixed(1)} MiB) and dist/SHA256SUMS`);
