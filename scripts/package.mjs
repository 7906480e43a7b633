#!/usr/bin/env node
// npm run package: the release tarball, laid out like the reference plugins'
// (cni-plugins-linux-amd64-vX.Y.Z.tgz): the executables at the top level,
// the native addon beside them (so the plugins never need a writable cache),
// plus LICENSE and README.md. The plugin names are one file, stored once and
// as hard links inside the tar. Writes dist/SHA256SUMS for `sha256sum -c`.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, packageVersion } from "./lib/paths.mjs";
import { reproducibleTar, sha256File, sourceDateEpoch, stageExecutables } from "./lib/release-tree.mjs";

execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--if-stale"], { stdio: "inherit" });

const version = packageVersion();
const dist = join(ROOT, "dist");
const tarball = `cni-ts-linux-amd64-v${version}.tgz`;
const stage = join(dist, "release");
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true, mode: 0o755 });
stageExecutables({ dir: stage, binDir: join(ROOT, "dist/bin"), addon: join(ROOT, "native/build/Release/cni_ts_native.node") });
for (const doc of ["LICENSE", "README.md"]) copyFileSync(join(ROOT, doc), join(stage, doc));
reproducibleTar({ file: join(dist, tarball), dir: stage, epoch: sourceDateEpoch(ROOT), gzip: true });
rmSync(stage, { recursive: true, force: true });

writeFileSync(join(dist, "SHA256SUMS"), `${sha256File(join(dist, tarball))}  ${tarball}\n`);
console.log(`package: dist/${tarball} (${(statSync(join(dist, tarball)).size / 1048576).toFixed(1)} MiB) and dist/SHA256SUMS`);
