// esbuild: src/main.ts -> one CommonJS file for the SEA blob.
import { build } from "esbuild";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./paths.mjs";

/**
 * Modules the small entry bundle must not carry because it never reaches
 * them: the full entry comes from its asset in a SEA (src/main.ts imports
 * it directly only outside the build), and the skeleton's
 * `--help`/`--version` (commander) is used only when argv is non-empty,
 * which src/main.ts sends to the full bundle.
 */
const ENTRY_ONLY_STUBS = {
  "src/cli/full-entry.ts": "export const runFull = undefined;",
  "src/skel/cli.ts": "export const runCli = undefined;",
};

function entryStubs(stubs) {
  return {
    name: "cni-ts-entry-stubs",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const key = relative(ROOT, resolve(args.resolveDir, args.path));
        return key in stubs ? { path: key, namespace: "cni-ts-stub" } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: "cni-ts-stub" }, (args) => ({
        contents: stubs[args.path],
        loader: "ts",
        resolveDir: ROOT,
      }));
    },
  };
}

/**
 * zod re-exports all of its ~50 message locales as `z.locales`, which esbuild
 * cannot drop (a namespace re-export); that was ~250 KiB of the bundle, parsed
 * on every start. cni-ts speaks English only (zod's default, imported
 * separately by zod itself), so `z.locales` keeps just `en`.
 */
function zodEnglishOnly() {
  return {
    name: "cni-ts-zod-english-only",
    setup(b) {
      b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
        if (!args.importer.includes("/node_modules/zod/")) return undefined;
        return { path: resolve(args.resolveDir, args.path), namespace: "cni-ts-zod-locales" };
      });
      b.onLoad({ filter: /.*/, namespace: "cni-ts-zod-locales" }, (args) => ({
        contents: 'export { default as en } from "./en.js";',
        loader: "js",
        resolveDir: dirname(args.path),
      }));
    },
  };
}

/**
 * Bundle one entry into `outfile`.
 *
 * `src/main.ts` is the SEA main script (kept small: VERSION and the about
 * text); `src/cli/full-entry.ts` is everything else, wrapped as a CommonJS
 * function expression for src/cli/load-asset-module.ts.
 *
 * @param {{ entry: "main" | "full", outfile: string, defines: Record<string, string> }} options values of `defines` are JS source
 */
export async function bundle({ entry, outfile, defines }) {
  const shim = 'var __cniTsMeta={get url(){return require("node:url").pathToFileURL(__filename).href}};';
  await build({
    entryPoints: [join(ROOT, entry === "main" ? "src/main.ts" : "src/cli/full-entry.ts")],
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
    banner: {
      js:
        entry === "main"
          ? `"use strict";${shim}`
          : `(function (exports, require, module, __filename, __dirname) {"use strict";${shim}`,
    },
    footer: entry === "main" ? undefined : { js: "\n})" },
    plugins: entry === "main" ? [entryStubs(ENTRY_ONLY_STUBS), zodEnglishOnly()] : [zodEnglishOnly()],
    logLevel: "warning",
  });
}
