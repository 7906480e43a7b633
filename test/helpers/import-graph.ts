/**
 * The modules a source file loads before any of its code runs, as esbuild
 * resolves them (so every spelling counts: `zod`, `zod/mini`,
 * `zod/v4/locales/en.js`, `node:child_process` and `child_process`), with
 * dynamic `import()` edges left out: those load only on the path that asks.
 */
import { build } from "esbuild";
import { join, relative } from "node:path";
import { ROOT } from "./run-plugin.ts";

/** What `entry` loads statically. */
export interface StaticImports {
  /** Repository files (relative to the root of the resolving tree). */
  files: string[];
  /** npm packages by name, whatever subpath was imported. */
  packages: string[];
  /** Node built-ins, without the `node:` prefix. */
  builtins: string[];
}

const STATIC_KINDS = new Set(["import-statement", "require-call", "entry-point"]);

/** `node_modules/@scope/name/...` or `node_modules/name/...` → the package name. */
function packageOf(path: string): string | undefined {
  return packageFileOf(path)
    ?.split("/", path.includes("node_modules/@") ? 2 : 1)
    .join("/");
}

/** `.../node_modules/name/dist/x.js` → `name/dist/x.js`. */
function packageFileOf(path: string): string | undefined {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+\/.*)$/.exec(path);
  return match?.[1];
}

/**
 * Resolve `entry`'s static import graph.
 *
 * @param entry the file to start from (absolute)
 * @param nodeModules where bare specifiers resolve (the repository's by default)
 */
export async function staticImports(entry: string, nodeModules = join(ROOT, "node_modules")): Promise<StaticImports> {
  const inputs = await bundleInputs(entry, nodeModules);
  const entryKey = relative(ROOT, entry);
  const files = new Set<string>();
  const packages = new Set<string>();
  const builtins = new Set<string>();
  const visit = (key: string) => {
    if (files.has(key)) return;
    files.add(key);
    for (const edge of inputs[key]?.imports ?? []) {
      if (!STATIC_KINDS.has(edge.kind)) continue;
      if (edge.external) builtins.add(edge.path.replace(/^node:/, ""));
      else visit(edge.path);
    }
  };
  visit(entryKey);
  for (const file of files) {
    const name = packageOf(file);
    if (name !== undefined) packages.add(name);
  }
  return {
    files: [...files].filter((f) => packageOf(f) === undefined).sort(),
    packages: [...packages].sort(),
    builtins: [...builtins].sort(),
  };
}

/** Every module esbuild bundles for `entry`, keyed by path relative to the root, with its import edges. */
async function bundleInputs(entry: string, nodeModules = join(ROOT, "node_modules")) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    logLevel: "silent",
    absWorkingDir: ROOT,
    // verbatimModuleSyntax: an import whose bindings go unused still loads its module, as in Node.
    tsconfig: join(ROOT, "tsconfig.json"),
    nodePaths: [nodeModules],
  });
  return result.metafile.inputs;
}

/** The files of `dirs` that `entry` can run, dynamic imports included. */
export async function reachableFiles(entry: string, dirs: readonly string[]): Promise<string[]> {
  return Object.keys(await bundleInputs(entry)).filter((file) => dirs.some((dir) => file.startsWith(`${dir}/`)));
}
