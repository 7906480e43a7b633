// esbuild: the main script, the full bundle and one bundle per plugin -> one CommonJS file each for the SEA blob.
import { build } from "esbuild";
import { join, relative, resolve } from "node:path";
import { ROOT } from "./paths.mjs";

/** The skeleton's `--help`/`--version` (commander): reached only with arguments, which src/main.ts sends to the full bundle. */
const SKELETON_CLI_STUB = {
  contents: "export const runCli = undefined;",
  importers: { "src/skel/run-plugin.ts": "only with argv flags, and src/main.ts sends any argv to the full bundle" },
};

/**
 * Modules the small entry bundle must not carry because it never reaches
 * them, each with the only modules allowed to import it and why that import
 * cannot run in the main bundle. The other entries come from their assets
 * in a SEA (src/main.ts imports them directly only outside the build).
 *
 * A stub exports `undefined`, so any other import of a stubbed module would
 * pass every test run from the sources and crash only in the built
 * executable: the build fails on it instead (a static import, or a dynamic
 * one from a module not listed here).
 */
const ENTRY_ONLY_STUBS = {
  "src/cli/full-entry.ts": {
    contents: "export const runFull = undefined;",
    importers: { "src/main.ts": "loadFull() takes the SEA asset whenever the build defines __CNI_TS_FULL_ASSET__" },
  },
  "src/cli/plugin-entry.ts": {
    contents: "export const runPlugin = undefined;",
    importers: { "src/main.ts": "loadPlugin() takes the SEA asset whenever the build defines __CNI_TS_PLUGIN_ASSETS__" },
  },
  "src/skel/cli.ts": SKELETON_CLI_STUB,
};

/** Each plugin's module and the definition it exports. */
const PLUGIN_MODULES = {
  bridge: { path: "plugins/bridge/plugin.ts", exported: "bridgePlugin" },
  loopback: { path: "plugins/loopback/plugin.ts", exported: "loopbackPlugin" },
  "host-local": { path: "ipam/host-local/plugin.ts", exported: "hostLocalPlugin" },
};

/**
 * The same rule for a plugin's own bundle: no commander, and no other
 * plugin's module, except the ones `plugin` runs in-process (the bridge
 * runs host-local for its IPAM).
 *
 * @param {"bridge" | "loopback" | "host-local"} plugin
 */
function pluginBundleStubs(plugin) {
  const keeps = plugin === "bridge" ? ["bridge", "host-local"] : [plugin];
  const stubs = { "src/skel/cli.ts": SKELETON_CLI_STUB };
  for (const [name, { path, exported }] of Object.entries(PLUGIN_MODULES)) {
    if (keeps.includes(name)) continue;
    stubs[path] = {
      contents: `export const ${exported} = undefined;`,
      importers: { "src/cli/plugin-entry.ts": `a ${plugin} executable only loads its own plugin` },
    };
  }
  return stubs;
}

/**
 * esbuild plugin: replaces the modules of `stubs` and fails the build on
 * any import of them that `stubs` does not list as a dynamic import.
 *
 * @param {Record<string, { contents: string, importers: Record<string, string> }>} stubs keyed by path from the repository root
 */
export function entryStubs(stubs = ENTRY_ONLY_STUBS) {
  return {
    name: "cni-ts-entry-stubs",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const key = relative(ROOT, resolve(args.resolveDir, args.path));
        if (!(key in stubs)) return undefined;
        const importer = relative(ROOT, args.importer);
        if (args.kind !== "dynamic-import" || !(importer in stubs[key].importers)) {
          return {
            errors: [
              {
                text:
                  `${importer} imports ${key} (${args.kind}), which the main bundle replaces with a stub exporting undefined: ` +
                  "it would crash only in the built executable. Reach it from the full bundle, or list the importer in " +
                  "ENTRY_ONLY_STUBS (scripts/lib/bundle.mjs) with the reason the import cannot run there.",
              },
            ],
          };
        }
        return { path: key, namespace: "cni-ts-stub" };
      });
      b.onLoad({ filter: /.*/, namespace: "cni-ts-stub" }, (args) => ({
        contents: stubs[args.path].contents,
        loader: "ts",
        resolveDir: ROOT,
      }));
    },
  };
}

/**
 * An entry's source file and the modules its bundle stubs out.
 *
 * @param {string} entry "main", "full", "ipv6" or "plugin:<name>"
 */
function entrySpec(entry) {
  if (entry === "main") return { source: "src/main.ts", stubs: ENTRY_ONLY_STUBS };
  if (entry === "full") return { source: "src/cli/full-entry.ts", stubs: undefined };
  if (entry === "ipv6") return { source: "src/ip/ipv6-entry.ts", stubs: undefined };
  const plugin = entry.slice("plugin:".length);
  if (!entry.startsWith("plugin:") || !(plugin in PLUGIN_MODULES)) throw new Error(`unknown bundle entry ${entry}`);
  return { source: "src/cli/plugin-entry.ts", stubs: pluginBundleStubs(plugin) };
}

/**
 * Bundle one entry into `outfile`.
 *
 * `src/main.ts` is the SEA main script (kept small: VERSION and the about
 * text); `plugin:<name>` is `src/cli/plugin-entry.ts` with that plugin's
 * modules only (a runtime's verbs), `full` (`src/cli/full-entry.ts`)
 * everything else, and `ipv6` (`src/ip/ipv6-entry.ts`) ip-address's IPv6
 * module, which the others load only for IPv6 addresses; each wrapped as a
 * CommonJS function expression for src/sea-asset.ts.
 *
 * @param {{ entry: string, outfile: string, defines: Record<string, string> }} options `entry`: "main", "full", "ipv6" or "plugin:<name>"; values of `defines` are JS source
 */
export async function bundle({ entry, outfile, defines }) {
  const spec = entrySpec(entry);
  const shim = 'var __cniTsMeta={get url(){return require("node:url").pathToFileURL(__filename).href}};';
  await build({
    entryPoints: [join(ROOT, spec.source)],
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
    // ASCII only (other characters escaped), so V8 holds the source as a
    // one-byte string: one character outside it made the whole ~400 KB
    // bundle a two-byte string, twice the memory, at every start.
    charset: "ascii",
    // Sources are ESM (import.meta.url for createRequire); the bundle is CJS,
    // where __filename is the executable, which is what createRequire needs.
    // A getter, so node:url is loaded only by the code paths that ask.
    define: { ...defines, "import.meta.url": "__cniTsMeta.url" },
    banner: {
      js: entry === "main" ? `"use strict";${shim}` : `(function (exports, require, module, __filename, __dirname) {"use strict";${shim}`,
    },
    footer: entry === "main" ? undefined : { js: "\n})" },
    plugins: spec.stubs ? [entryStubs(spec.stubs)] : [],
    logLevel: "warning",
  });
}
