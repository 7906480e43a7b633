#!/usr/bin/env node
// npm run package [-- --arch amd64|arm64]: the release tarballs, one per
// architecture (both by default), laid out like the reference plugins'
// (cni-plugins-linux-amd64-vX.Y.Z.tgz): the executables at the top level,
// the native addon beside them (so the plugins never need a writable cache),
// plus LICENSE and README.md. The plugin names are one file, stored once and
// as hard links inside the tar. Writes dist/SHA256SUMS (one line per
// tarball) for `sha256sum -c`.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, packageVersion } from "./lib/paths.mjs";
import { ARCHES, archTarget } from "./lib/arch.mjs";
import { reproducibleTar, sha256File, sourceDateEpoch, stageExecutables } from "./lib/release-tree.mjs";

const at = process.argv.indexOf("--arch");
const arches = at >= 0 ? [process.argv[at + 1]] : ARCHES;
const version = packageVersion();
const dist = join(ROOT, "dist");
const sums = [];
for (const arch of arches) {
  const target = archTarget(arch);
  execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--if-stale", "--arch", arch], { stdio: "inherit" });
  const tarball = `cni-ts-linux-${arch}-v${version}.tgz`;
  const stage = join(dist, `release-${arch}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true, mode: 0o755 });
  stageExecutables({ dir: stage, binDir: target.binDir, addon: target.addon });
  for (const doc of ["LICENSE", "README.md"]) copyFileSync(join(ROOT, doc), join(stage, doc));
  reproducibleTar({ file: join(dist, tarball), dir: stage, epoch: sourceDateEpoch(ROOT), gzip: true });
  rmSync(stage, { recursive: true, force: true });
  sums.push(`${sha256File(join(dist, tarball))}  ${tarball}\n`);
  console.log(`package: dist/${tarball} (${(statSync(join(dist, tarball)).size / 1048576).toFixed(1)} MiB)`);
}
writeFileSync(join(dist, "SHA256SUMS"), sums.join(""));
console.log("package: dist/SHA256SUMS");
