/**
 * Every file the plugins read goes through src/read-bounded.ts. This walks
 * the modules a plugin executable can run (esbuild's resolution of the
 * plugin entry, dynamic imports included) and lists every call that opens
 * or reads a file. Each must be one of the sites below, each with the
 * reason it is not a content read of a file someone else could choose,
 * plant or grow; a new one fails here until it goes through readBounded or
 * is listed with its reason. Needs no root.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/run-plugin.ts";
import { reachableFiles } from "../helpers/import-graph.ts";

/** The node:fs functions that open or read a file. */
const READERS = ["readFileSync", "readFile", "readSync", "readvSync", "createReadStream", "openSync", "open", "openAsBlob"];
/** A bare call of one of READERS, or a method call of one whose name is distinctive (not `open`, every socket has one). */
const CALL = new RegExp(
  `(?<![\\w$.])(?<!(?:static|function)\\s+)(${READERS.join("|")})\\s*\\(|(?<=\\.)(${READERS.filter((r) => r !== "open").join("|")})\\s*\\(`,
  "g",
);
/** Ways to reach node:fs without naming one of READERS at its call. */
const INDIRECT = [
  new RegExp(`\\b(${READERS.join("|")})\\s+as\\s`),
  /import\s+\*\s+as\s+\w+\s+from\s+["'](node:)?fs(\/promises)?["']/,
  /from\s+["'](node:)?fs\/promises["']/,
  /(?<!\}\s*=\s*)process\.getBuiltinModule\(\s*["'](node:)?fs/,
  /(?<!\}\s*=\s*)require\(\s*["'](node:)?fs/,
];

interface Site {
  file: string;
  call: string;
  count: number;
  why: string;
}

/** The one module allowed to read files, and the sites that are not content reads of a file others choose. */
const BOUNDED_READ = "src/read-bounded.ts";
const LISTED: Site[] = [
  { file: "src/skel/main.ts", call: "readFileSync", count: 1, why: "stdin (fd 0): the runtime's pipe carrying the config" },
  { file: "src/netns/netns.ts", call: "openSync", count: 2, why: "namespace files, opened for setns and never read" },
  { file: "src/sysctl.ts", call: "openSync", count: 1, why: "write-only open of a /proc/sys file" },
  {
    file: "src/attachment-lock.ts",
    call: "openSync",
    count: 1,
    why: "the attachment's lock file, O_NOFOLLOW in a 0700 root directory checked by ensureSafeDir",
  },
  { file: "src/attachment-lock.ts", call: "readSync", count: 1, why: "the record through the lock's descriptor, at most MAX_RECORD bytes" },
  { file: "ipam/host-local/store-lock.ts", call: "openSync", count: 1, why: "the store's lock file, O_NOFOLLOW, opened for flock and never read" },
  {
    file: "ipam/host-local/store-files.ts",
    call: "openSync",
    count: 2,
    why: "write opens: the hint (O_NOFOLLOW | O_NONBLOCK, replaced unless a plain file) and exclusive creates",
  },
  {
    file: "src/debug-log/log-file.ts",
    call: "openSync",
    count: 3,
    why: "the debug log's own files: O_NOFOLLOW | O_NONBLOCK opens, exclusive creates, in a directory only we can write",
  },
  { file: "src/debug-log/log-file.ts", call: "readSync", count: 1, why: "the marker line's fixed length, through a descriptor checked to be our regular file" },
  {
    file: "src/native/embedded-addon.ts",
    call: "readFileSync",
    count: 2,
    why: "the addon copy, read only once lstat shows a regular file of root or ours in a chain nobody else can modify",
  },
  { file: "src/native/embedded-addon.ts", call: "openSync", count: 1, why: "exclusive create of the addon cache's temporary file" },
];

/** The repository files a plugin executable can run. */
function pluginModules(): Promise<string[]> {
  return reachableFiles(join(ROOT, "src/cli/plugin-entry.ts"), ["src", "plugins", "ipam"]);
}

/** Sites in `sources` that neither read-bounded.ts nor {@link LISTED} accounts for, and listed sites that moved. */
function unaccounted(sources: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, text] of sources) {
    if (file === BOUNDED_READ) continue;
    const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    for (const pattern of INDIRECT) if (pattern.test(code)) problems.push(`${file}: reaches node:fs indirectly (${pattern})`);
    const counts = new Map<string, number>();
    for (const m of code.matchAll(CALL)) {
      const call = m[1] ?? m[2]!;
      counts.set(call, (counts.get(call) ?? 0) + 1);
    }
    for (const [call, count] of counts) {
      const listed = LISTED.find((s) => s.file === file && s.call === call);
      if (listed?.count !== count) problems.push(`${file}: ${count} × ${call}() (listed: ${listed?.count ?? 0}); use readBounded()`);
    }
    for (const s of LISTED.filter((l) => l.file === file && !counts.has(l.call))) problems.push(`${file}: listed ${s.call}() is gone; drop it from LISTED`);
  }
  return problems;
}

describe("read sites of the plugins", () => {
  it("every open or read outside src/read-bounded.ts is a listed site with its reason", async () => {
    const files = await pluginModules();
    expect(files).toContain("plugins/bridge/add.ts");
    expect(files).toContain("ipam/host-local/add.ts");
    expect(files).toContain(BOUNDED_READ);
    const sources = new Map(files.map((f) => [f, readFileSync(join(ROOT, f), "utf8")]));
    expect(unaccounted(sources)).toEqual([]);
  });

  it("catches a new read, an aliased import and a namespace import", () => {
    const probe = (text: string) => unaccounted(new Map([["plugins/bridge/probe.ts", text]]));
    expect(probe('import { readFileSync } from "node:fs";\nexport const f = (p: string) => readFileSync(p, "utf8");\n')).toEqual([
      "plugins/bridge/probe.ts: 1 × readFileSync() (listed: 0); use readBounded()",
    ]);
    expect(probe('import { readFileSync as r } from "node:fs";\n')).toHaveLength(1);
    expect(probe('import * as fs from "node:fs";\n')).toHaveLength(1);
    expect(probe('import { readFile } from "node:fs/promises";\nawait readFile("/x");\n')).toHaveLength(2);
    expect(probe('const fs = process.getBuiltinModule("node:fs");\n')).toHaveLength(1);
    expect(probe('const { readFileSync } = process.getBuiltinModule("node:fs");\nreadFileSync("/x");\n')).toHaveLength(1);
    expect(probe('declare const fs: any;\nfs.readFileSync("/x");\n')).toHaveLength(1);
    expect(probe("socket.open(); RtnlSocket.open();\n")).toEqual([]);
    expect(probe("// readFileSync(path) in a comment is no read\n")).toEqual([]);
  });

  it("every listed site is still reachable from a plugin", async () => {
    const files = new Set(await pluginModules());
    expect(LISTED.filter((s) => !files.has(s.file))).toEqual([]);
  });
});
