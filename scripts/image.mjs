#!/usr/bin/env node
// npm run image [-- --arch amd64|arm64] [--out DIR]: the installer image as
// an OCI image-layout tarball, cni-ts-image-linux-<arch>-v<version>.tar in
// dist/ (or DIR), written without Docker, a daemon or a registry: one
// gzip'd layer made by tar, sha256 digests, and the config, manifest and
// index JSON of the OCI image spec. Loadable with `ctr images import`,
// `podman load` and `kind load image-archive`.
//
// The layer holds only what the executable needs: /cni-ts/bin (the
// executable, its plugin-name hard links, the native addon) and the C
// runtime libraries Node links against (libc, libstdc++, ...), with the
// dynamic loader. Entrypoint: `cni-ts install` (configured by environment,
// see deploy/cni-ts.yaml).
//
// Reproducible: the same executable and libraries give the same bytes
// whoever builds it (any user, umask, TZ or locale; see
// docs/KUBERNETES.md, "kind"): fixed owner, modes, order and mtimes in the
// tars (release-tree.mjs), no name or time in the gzip header, JSON
// written in a fixed key order, the time from SOURCE_DATE_EPOCH or the
// last commit.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { ROOT, packageVersion } from "./lib/paths.mjs";
import { archTarget, parseArch } from "./lib/arch.mjs";
import { reproducibleTar, sha256File, sourceDateEpoch, stageExecutables } from "./lib/release-tree.mjs";

const arch = parseArch(process.argv.slice(2));
const target = archTarget(arch);
execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--if-stale", "--arch", arch], { stdio: "inherit" });

const version = packageVersion();
/** The name `ctr`/`podman`/kind give the image; deploy/cni-ts.yaml refers to it. */
export const IMAGE_NAME = `docker.io/library/cni-ts:v${version}`;
const outAt = process.argv.indexOf("--out");
if (outAt >= 0 && !process.argv[outAt + 1]) throw new Error("--out needs a directory");
const dist = outAt >= 0 ? resolve(process.argv[outAt + 1]) : join(ROOT, "dist");
const work = join(dist, `image-${arch}.${process.pid}`);
const rootfs = join(work, "rootfs");
const layout = join(work, "layout");
const epoch = sourceDateEpoch(ROOT);
rmSync(work, { recursive: true, force: true });
stageExecutables({ dir: join(rootfs, "cni-ts/bin"), binDir: target.binDir, addon: target.addon });
copyRuntimeLibraries(join(rootfs, "cni-ts/bin/cni-ts"), rootfs, target);

const blobs = join(layout, "blobs/sha256");
mkdirSync(blobs, { recursive: true });
const layerTar = join(work, "layer.tar");
reproducibleTar({ file: layerTar, dir: rootfs, epoch, gzip: false });
const diffId = sha256File(layerTar);
execFileSync("gzip", ["-n", "-6", layerTar]);
const layer = addBlob(readFileSync(`${layerTar}.gz`), "application/vnd.oci.image.layer.v1.tar+gzip");

const created = new Date(Number(epoch) * 1000).toISOString();
const config = addJson(
  {
    created,
    architecture: arch,
    os: "linux",
    config: {
      Entrypoint: ["/cni-ts/bin/cni-ts", "install"],
      Env: ["PATH=/cni-ts/bin"],
      WorkingDir: "/",
      Labels: { "org.opencontainers.image.version": version, "org.opencontainers.image.title": "cni-ts" },
    },
    rootfs: { type: "layers", diff_ids: [`sha256:${diffId}`] },
    history: [{ created, created_by: "npm run image" }],
  },
  "application/vnd.oci.image.config.v1+json",
);
const manifest = addJson(
  { schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config, layers: [layer] },
  "application/vnd.oci.image.manifest.v1+json",
);
writeFileSync(join(layout, "oci-layout"), `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}\n`);
writeFileSync(
  join(layout, "index.json"),
  `${JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      {
        ...manifest,
        platform: { architecture: arch, os: "linux" },
        annotations: { "io.containerd.image.name": IMAGE_NAME, "org.opencontainers.image.ref.name": IMAGE_NAME },
      },
    ],
  })}\n`,
);
const output = join(dist, `cni-ts-image-linux-${arch}-v${version}.tar`);
reproducibleTar({ file: output, dir: layout, epoch, gzip: false });
rmSync(work, { recursive: true, force: true });
console.log(`image: ${IMAGE_NAME} -> ${relative(process.cwd(), output)} (${(statSync(output).size / 1048576).toFixed(1)} MiB, layer ${layer.digest})`);

/** Store `bytes` as a blob and return its descriptor. */
function addBlob(bytes, mediaType) {
  const digest = sha256Bytes(bytes);
  writeFileSync(join(blobs, digest), bytes);
  return { mediaType, digest: `sha256:${digest}`, size: bytes.length };
}

function addJson(value, mediaType) {
  return addBlob(Buffer.from(JSON.stringify(value)), mediaType);
}

function sha256Bytes(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Copy the dynamic loader and every shared library `executable` needs
 * (transitively, from the ELF NEEDED entries) into `rootfs` at the paths
 * the loader searches by default.
 */
function copyRuntimeLibraries(executable, rootfs, target) {
  const interpreter = /Requesting program interpreter: ([^\]]+)\]/.exec(readelf("-l", executable))[1];
  // libc names the loader as NEEDED too: it is the interpreter, stored once at its own path.
  const seen = new Set([basename(interpreter)]);
  const pending = [executable];
  while (pending.length > 0) {
    const elf = pending.pop();
    const dynamic = readelf("-d", elf);
    for (const [, soname] of dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)) {
      if (seen.has(soname)) continue;
      seen.add(soname);
      const source = target.libraryDirs.map((dir) => join(dir, soname)).find((path) => exists(path));
      if (!source) throw new Error(`image: ${soname} (needed by ${elf}) not found in ${target.libraryDirs.join(", ")}`);
      const destination = join(rootfs, target.imageLibraryDir, soname);
      mkdirSync(dirname(destination), { recursive: true });
      copyFileSync(source, destination); // follows the soname symlink: the real library under its soname
      pending.push(destination);
    }
  }
  const loader = target.libraryDirs.map((dir) => join(dir, basename(interpreter))).find((path) => exists(path));
  if (!loader) throw new Error(`image: the dynamic loader ${interpreter} was not found in ${target.libraryDirs.join(", ")}`);
  mkdirSync(dirname(join(rootfs, interpreter)), { recursive: true });
  copyFileSync(loader, join(rootfs, interpreter));
}

/** readelf's English output, whatever the builder's locale. */
function readelf(option, elf) {
  return execFileSync("readelf", [option, elf], { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
}

function exists(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
