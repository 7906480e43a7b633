// esbuild: src/main.ts -> one CommonJS file for the SEA blob.
import { build } from "esbuild";
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ROOT } from "./paths.mjs";

/**
 * Modules other engineers may not have written yet, with the stub that
 * stands in while they are missing, so the build (and the executables that
 * exist) keep working. A stubbed plugin reports that it is not in this build.
 */
const OPTIONAL_MODULES = {
  "plugins/bridge/plugin.ts": "export const bridgePlugin = undefined;",
  "plugins/loopback/plugin.ts": "export const loopbackPlugin = undefined;",
  "ipam/host-local/plugin.ts": "export const hostLocalPlugin = undefined;",
  "src/skel/main.ts": "export const runPluginMain = undefined;",
  "src/version.ts": `export const CNI_TS_VERSION = __CNI_TS_VERSION__;
export const SUPPORTED_VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];`,
};

function optionalModules(stubbed) {
  return {
    name: "cni-ts-optional-modules",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const path = resolve(args.resolveDir, args.path);
        const key = relative(ROOT, path);
        if (!(key in OPTIONAL_MODULES) || existsSync(path)) return undefined;
        stubbed.push(key);
        return { path: key, namespace: "cni-ts-stub" };
      });
      b.onLoad({ filter: /.*/, namespace: "cni-ts-stub" }, (args) => ({
        contents: OPTIONAL_MODULES[args.path],
        loader: "ts",
        resolveDir: ROOT,
      }));
    },
  };
}

/**
 * Bundle the entry into `outfile`.
 *
 * @param {{ outfile: string, defines: Record<string, string> }} options values of `defines` are JS source
 * @returns {Promise<{ stubbed: string[] }>} which optional modules were missing
 */
export async function bundle({ outfile, defines }) {
  const stubbed = [];
  await build({
    entryPoints: [join(ROOT, "src/main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    // Identifiers stay readable in stack traces; whitespace and syntax are minified.
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: false,
    treeShaking: true,
    sourcemap: false,
    legalComments: "none",
    charset: "utf8",
    // Sources are ESM (import.meta.url for createRequire); the bundle is CJS,
    // where __filename is the executable, which is what createRequire needs.
    // A getter, so node:url is loaded only by the code paths that ask.
    define: { ...defines, "import.meta.url": "__cniTsMeta.url" },
    banner: { js: 'var __cniTsMeta={get url(){return require("node:url").pathToFileURL(__filename).href}};' },
    plugins: [optionalModules(stubbed)],
    logLevel: "warning",
  });
  return { stubbed };
}
