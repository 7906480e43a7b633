import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidConfigError } from "../errors.ts";
import { decodeStdinConfig } from "../skel/stdin-config.ts";
import { checkDocument } from "../validate/check-document.ts";
import { parseBridgeConf } from "../../plugins/bridge/config.ts";
import { loadHostLocalConfig } from "../../ipam/host-local/config.ts";
import { UNSAFE_KEYS, findUnsafeKeys, formatKeyPath } from "./unsafe-keys.ts";

/**
 * JSON text of `value` with `"<key>": <payload>` added to the `target`-th
 * object met in pre-order (modulo the number of objects); a value without
 * objects is wrapped in one. Written by hand because a JS object literal
 * cannot hold an own `__proto__` key.
 */
function injectKey(value: unknown, key: string, payload: string, target: number): string {
  let objects = 0;
  const count = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(count);
    else if (v !== null && typeof v === "object") {
      objects++;
      Object.values(v).forEach(count);
    }
  };
  count(value);
  if (objects === 0) return `{"v":${JSON.stringify(value)},${JSON.stringify(key)}:${payload}}`;
  const want = target % objects;
  let seen = 0;
  const write = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(write).join(",")}]`;
    if (v === null || typeof v !== "object") return JSON.stringify(v);
    const members = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${write(x)}`);
    if (seen++ === want) members.splice(members.length >> 1, 0, `${JSON.stringify(key)}:${payload}`);
    return `{${members.join(",")}}`;
  };
  return write(value);
}

const BRIDGE = {
  cniVersion: "1.0.0",
  name: "net",
  type: "bridge",
  ipam: { type: "host-local", ranges: [[{ subnet: "10.1.0.0/24" }]], routes: [{ dst: "0.0.0.0/0" }] },
  dns: { nameservers: ["10.1.0.1"] },
  runtimeConfig: { mac: "0a:00:00:00:00:01" },
  args: { cni: { ips: ["10.1.0.9"] } },
  prevResult: { cniVersion: "1.0.0", ips: [{ address: "10.1.0.9/24" }] },
};
/** What an attacker's prototype would try to switch on. */
const PAYLOAD = JSON.stringify({ mtu: 9000, ipMasq: true, isGateway: true, subnet: "0.0.0.0/0", dataDir: "/tmp/x", bridge: "evil0" });

function decodeError(text: string): InvalidConfigError {
  try {
    decodeStdinConfig(Buffer.from(text));
  } catch (err) {
    return err as InvalidConfigError;
  }
  throw new Error(`accepted: ${text}`);
}

describe("unsafe config keys", () => {
  it("finds them at every depth, depth first", () => {
    const doc = JSON.parse('{"a":[{"b":{"constructor":1}}],"__proto__":{"prototype":2},"x":{"prototype":3}}');
    expect(findUnsafeKeys(doc).map(formatKeyPath)).toEqual(["__proto__", "a[0].b.constructor", "x.prototype"]);
    expect(findUnsafeKeys(BRIDGE)).toEqual([]);
  });

  it("survives nesting far deeper than a recursive walk could", () => {
    const deep = `${"[".repeat(50_000)}{"constructor":0}${"]".repeat(50_000)}`;
    expect(findUnsafeKeys(JSON.parse(deep))).toHaveLength(1);
  });

  it.each([
    ["top level", '{"name":"n","__proto__":{"mtu":9000}}', "__proto__"],
    ["ipam", '{"name":"n","ipam":{"constructor":{"prototype":{"subnet":"0.0.0.0/0"}}}}', "ipam.constructor"],
    ["ranges", '{"name":"n","ipam":{"ranges":[[{"subnet":"10.0.0.0/24","__proto__":{}}]]}}', "ipam.ranges[0][0].__proto__"],
    ["routes", '{"name":"n","ipam":{"routes":[{"dst":"0.0.0.0/0","prototype":1}]}}', "ipam.routes[0].prototype"],
    ["runtimeConfig", '{"name":"n","runtimeConfig":{"__proto__":{"mac":"0a:00:00:00:00:02"}}}', "runtimeConfig.__proto__"],
    ["args", '{"name":"n","args":{"cni":{"__proto__":{"ips":["10.0.0.9"]}}}}', "args.cni.__proto__"],
    ["prevResult", '{"name":"n","prevResult":{"ips":[{"__proto__":{"gateway":"1.1.1.1"}}]}}', "prevResult.ips[0].__proto__"],
    ["dns", '{"name":"n","dns":{"constructor":"x"}}', "dns.constructor"],
  ])("the skeleton refuses one in %s with code 7 naming its path", (_where, text, path) => {
    const err = decodeError(text);
    expect(err).toBeInstanceOf(InvalidConfigError);
    expect(err.code).toBe(7);
    expect(err.msg).toContain(path);
  });

  it("names at most five of them, and how many more", () => {
    const many = JSON.stringify({ name: "n", list: Array.from({ length: 1000 }, () => ({})) }).replaceAll("{}", '{"constructor":1}');
    const err = decodeError(many);
    expect(err.msg).toContain("list[4].constructor and 995 more");
    expect(err.msg.length).toBeLessThan(300);
  });

  it("`cni-ts validate` reports the same keys as errors", () => {
    const report = checkDocument('{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge","ipam":{"__proto__":{}}}]}', "list");
    expect(report.findings).toEqual([expect.objectContaining({ path: "$.plugins[0].ipam.__proto__", severity: "error" })]);
  });

  it("property: an unsafe key anywhere in any config is refused with code 7, by the skeleton and by validate", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5, stringUnit: "binary" }), fc.constantFrom(...UNSAFE_KEYS), fc.nat(), (value, key, target) => {
        const text = injectKey({ name: "n", cniVersion: "1.0.0", conf: value }, key, PAYLOAD, target);
        const err = decodeError(text);
        expect(err.code).toBe(7);
        expect(err.msg).toContain(key);
        expect(checkDocument(text, "single").findings.some((f) => f.severity === "error" && f.path.includes(key))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("property: a config without unsafe keys is decoded unchanged, whatever its keys and Unicode", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: "binary" }), fc.jsonValue({ maxDepth: 3, stringUnit: "binary" })), (extra) => {
        fc.pre(findUnsafeKeys(extra).length === 0);
        const text = JSON.stringify({ ...extra, name: "n", cniVersion: "1.0.0" });
        // Compared with JSON's own reading (it turns -0 into 0).
        expect(decodeStdinConfig(Buffer.from(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 200 },
    );
  });

  it("the bridge and host-local parsers never see a prototype's values (the reported attack)", () => {
    const text = injectKey(BRIDGE, "__proto__", PAYLOAD, 0);
    expect(decodeError(text).code).toBe(7);
    // Without the key the parsers give the defaults, not the payload.
    const clean = parseBridgeConf(decodeStdinConfig(Buffer.from(JSON.stringify(BRIDGE))));
    expect([clean.mtu, clean.ipMasq, clean.isGateway, clean.bridgeName]).toEqual([0, false, false, "cni0"]);
    expect(loadHostLocalConfig(decodeStdinConfig(Buffer.from(JSON.stringify(BRIDGE))), "").dataDir).toBe("/var/lib/cni/networks");
  });
});
