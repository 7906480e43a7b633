/**
 * The sandbox ("pause") image, built on this machine since no registry is
 * reachable: pause.c compiled statically, packed as a one-layer
 * docker-archive tarball that `ctr images import` (and `podman load`) read.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The image reference every node's CRI config names as `sandbox_image`. */
export const PAUSE_IMAGE = "localhost/cnits-pause:1";

const SOURCE = join(import.meta.dirname, "pause.c");

/**
 * Compile pause.c and write the image archive into `dir`.
 *
 * @returns the archive's path.
 * @throws Error when gcc (with a static libc) or tar is missing.
 */
export function buildPauseImage(dir: string): string {
  const rootfs = join(dir, "rootfs");
  mkdirSync(rootfs, { recursive: true });
  execFileSync("gcc", ["-static", "-Os", "-s", "-o", join(rootfs, "pause"), SOURCE]);
  const layer = join(dir, "layer.tar");
  execFileSync("tar", ["--owner=0", "--group=0", "--numeric-owner", "-C", rootfs, "-cf", layer, "pause"]);
  const diffId = `sha256:${createHash("sha256").update(readFileSync(layer)).digest("hex")}`;
  const config = {
    architecture: process.arch === "x64" ? "amd64" : process.arch,
    os: "linux",
    config: { Entrypoint: ["/pause"] },
    rootfs: { type: "layers", diff_ids: [diffId] },
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify([{ Config: "config.json", RepoTags: [PAUSE_IMAGE], Layers: ["layer.tar"] }]));
  const archive = join(dir, "pause.tar");
  execFileSync("tar", ["--owner=0", "--group=0", "--numeric-owner", "-C", dir, "-cf", archive, "manifest.json", "config.json", "layer.tar"]);
  return archive;
}
