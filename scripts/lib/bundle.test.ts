import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { runInThisContext } from "node:vm";
import { expect, test } from "vitest";

const { deferIpv4Tables } = (await import(new URL("./bundle.mjs", import.meta.url).href)) as {
  deferIpv4Tables: (source: string) => string;
};

const require = createRequire(import.meta.url);
const ipv4Path = require.resolve("ip-address/dist/ipv4.js");

/** ip-address's IPv4 module as the bundle gets it, loaded on its own. */
function loadDeferred(): { Address4: typeof import("ip-address").Address4 } {
  const wrapper = runInThisContext(`(function (exports, require) {${deferIpv4Tables(readFileSync(ipv4Path, "utf8"))}\n})`) as (
    exports: object,
    require: NodeJS.Require,
  ) => void;
  const exports = {};
  wrapper(exports, createRequire(join(dirname(ipv4Path), "ipv4.js")));
  return exports as { Address4: typeof import("ip-address").Address4 };
}

const PREDICATES = [
  "isMulticast",
  "isPrivate",
  "isLoopback",
  "isLinkLocal",
  "isUnspecified",
  "isBroadcast",
  "isCGNAT",
  "isDocumentation",
  "isBenchmarking",
  "isReserved",
  "isGlobal",
] as const;

test("deferIpv4Tables() leaves no table built at load, and every predicate answers as the library's own module", () => {
  const deferred = deferIpv4Tables(readFileSync(ipv4Path, "utf8"));
  expect(deferred).not.toMatch(/^const \w+_V4 = /m);
  const { Address4: Original } = require("ip-address/dist/ipv4.js") as typeof import("ip-address");
  const { Address4: Deferred } = loadDeferred();
  const addresses = ["10.1.2.3", "172.16.0.1", "192.168.1.1", "224.0.0.1", "127.0.0.1", "169.254.1.1", "0.0.0.0", "255.255.255.255", "100.64.0.1", "192.0.2.7", "198.18.0.1", "240.0.0.1", "8.8.8.8", "192.0.0.9"];
  for (const text of addresses) {
    const original = new Original(text);
    const ours = new Deferred(text);
    for (const p of PREDICATES) expect([text, p, ours[p]()]).toEqual([text, p, original[p]()]);
  }
});

test("deferIpv4Tables() refuses a module that no longer ends with its tables", () => {
  expect(() => deferIpv4Tables('"use strict";\nclass Address4 {}\nexports.Address4 = Address4;\n')).toThrow(/deferIpv4Tables/);
});
