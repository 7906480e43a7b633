/**
 * `cni-ts validate` and the plugins' ADD never disagree: every refusal the
 * config code can make (each InvalidConfigError, IncompatibleVersionError
 * and DecodingError it throws, found in the source, so a new rule without a
 * case here fails) is fed to both, and
 * both refuse it; configs ADD accepts, validate accepts. ADD's path is the
 * skeleton's checks, then the bridge's `loadAddSettings` and host-local's
 * `loadHostLocalConfig` (what the bridge delegates to), host-local's alone,
 * or loopback's `parsePrevResult`.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadHostLocalConfig } from "../../ipam/host-local/config.ts";
import { parsePrevResult } from "../config/prev-result.ts";
import { loadAddSettings } from "../../plugins/bridge/config.ts";
import { CniError } from "../errors.ts";
import { checkConfigVersion, checkDebugLogKeys, decodeStdinConfig } from "../skel/stdin-config.ts";
import type { CmdArgs } from "../skel/types.ts";
import { checkDocument } from "./check-document.ts";

const ROOT = join(import.meta.dirname, "../..");

/** The files holding the config rules the verbs run (the skeleton's and each plugin's). */
const RULE_FILES = [
  "src/skel/stdin-config.ts",
  "src/config/net-conf.ts",
  "plugins/bridge/config.ts",
  "plugins/bridge/vlan-trunk.ts",
  "ipam/host-local/config.ts",
  "ipam/host-local/range.ts",
  "ipam/host-local/range-set.ts",
];

/** The skeleton's version gates of CHECK, STATUS and GC: ADD never meets them. */
const NOT_ADD = [/config version does not allow/, /plugin version does not allow/];

/** Throw sites whose message is not written at the site: what their messages start with. */
const COMPUTED_MESSAGES: Record<string, RegExp> = {
  "src/skel/stdin-config.ts: message)": /^invalid config: debugLog/,
  "src/config/net-conf.ts: formatConfigIssues(error.issues)": /^invalid config: /,
};

/** Each refusal's message as a pattern: literal text, `${…}` as anything. */
function ruleSites(): { site: string; pattern: RegExp }[] {
  const sites: { site: string; pattern: RegExp }[] = [];
  for (const file of RULE_FILES) {
    const source = readFileSync(join(ROOT, file), "utf8");
    for (const m of source.matchAll(
      /(?:new (?:InvalidConfigError|IncompatibleVersionError|DecodingError)|\bfail)\(\s*("(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`|[^,)]+\))/g,
    )) {
      const arg = m[1]!;
      if (NOT_ADD.some((re) => re.test(arg))) continue;
      if (/^["`]/.test(arg)) {
        const text = arg.slice(1, -1);
        const pattern = text
          .split(/\$\{(?:[^{}]|\{[^{}]*\})*\}/)
          .map((part) => part.replace(/\\(.)/g, "$1").replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*");
        // Any prefix: range-set's fail() puts `invalid range set N: ` before a range's message.
        sites.push({ site: `${file}: ${text}`, pattern: new RegExp(`${pattern}$`, "s") });
      } else if (!m[0].startsWith("fail")) {
        // (range-set's fail(reason) and fail(err.msg) wrap the messages found above.)
        const site = `${file}: ${arg}`;
        sites.push({ site, pattern: COMPUTED_MESSAGES[site] ?? /^(?!)/ });
      }
    }
  }
  return sites;
}

const ARGS: CmdArgs = { command: "ADD", containerId: "c1", netns: "/var/run/netns/p", ifName: "eth0", args: "", path: [], stdinData: Buffer.alloc(0), env: {} };

/** What ADD answers for `text`: its refusal, or undefined when the config passes every rule. */
function addRefusal(text: string): CniError | undefined {
  try {
    const raw = decodeStdinConfig(Buffer.from(text));
    checkConfigVersion("ADD", raw);
    checkDebugLogKeys("ADD", raw);
    if (raw.type === "bridge") {
      if (loadAddSettings(ARGS, raw).ipamType === "host-local") loadHostLocalConfig(raw, "");
    } else if (raw.type === "loopback") parsePrevResult(raw);
    else loadHostLocalConfig(raw, "");
    return undefined;
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
}

const validateErrors = (text: string) => checkDocument(text, "single").findings.filter((f) => f.severity === "error");

const bridge = (patch: Record<string, unknown>, ipam: Record<string, unknown> | null = {}) =>
  JSON.stringify({
    cniVersion: "1.0.0",
    name: "net",
    type: "bridge",
    ...(ipam ? { ipam: { type: "host-local", subnet: "10.1.0.0/24", ...ipam } } : {}),
    ...patch,
  });
const hostLocal = (ipam: Record<string, unknown> | undefined, patch: Record<string, unknown> = {}) =>
  JSON.stringify({ cniVersion: "1.0.0", name: "net", type: "host-local", ...(ipam ? { ipam } : {}), ...patch });
const subnet = (value: string, extra: Record<string, unknown> = {}) => bridge({}, { subnet: value, ...extra });

/** One config per refusal, named by the rule it breaks. */
const REFUSALS: [string, string][] = [
  ["not JSON", "{nope"],
  ["an empty stdin", ""],
  ["a JSON array", "[1]"],
  ["a name that is a number", bridge({ name: 5 })],
  ["a cniVersion that is a number", bridge({ cniVersion: 5 })],
  ["L2 (no ipam) at 0.2.0: its result cannot be printed", bridge({ cniVersion: "0.2.0" }, null)],
  ["a __proto__ key", '{"cniVersion":"1.0.0","name":"net","type":"bridge","__proto__":{"x":1}}'],
  ["no name", bridge({ name: "" })],
  ["a name with a space", bridge({ name: "bad name" })],
  ["a debugLog path", bridge({ debugLog: "../x" })],
  ["an mtu as a string (the schema)", bridge({ mtu: "1500" })],
  ["VLAN 4095", bridge({ vlan: 4095 })],
  ["an unknown ipMasq backend", bridge({ ipMasqBackend: "pf" })],
  ["mtu 1", bridge({ mtu: 1 })],
  ["an empty bridge name", bridge({ bridge: "" })],
  ["IPAM with disableContainerInterface", bridge({ disableContainerInterface: true })],
  ["hairpinMode with promiscMode", bridge({ hairpinMode: true, promiscMode: true })],
  ["runtimeConfig.mac zz:zz", bridge({ runtimeConfig: { mac: "zz:zz" } })],
  ["args.cni.mac not a MAC", bridge({ args: { cni: { mac: "00:11" } } })],
  ["trunk minID 0", bridge({ vlanTrunk: [{ minID: 0, maxID: 5 }] })],
  ["trunk maxID 5000", bridge({ vlanTrunk: [{ minID: 1, maxID: 5000 }] })],
  ["trunk minID > maxID", bridge({ vlanTrunk: [{ minID: 9, maxID: 3 }] })],
  ["trunk maxID alone", bridge({ vlanTrunk: [{ maxID: 5 }] })],
  ["trunk minID alone", bridge({ vlanTrunk: [{ minID: 5 }] })],
  ["trunk id 0", bridge({ vlanTrunk: [{ id: 0 }] })],
  ["ipam.subnet a number (host-local's schema)", bridge({}, { subnet: 5 })],
  ["a requested ip that is no address", bridge({ runtimeConfig: { ips: ["nope"] } })],
  ["host-local without ipam", hostLocal(undefined)],
  ["no range at all", hostLocal({ type: "host-local" })],
  ["two IPv4 sets at 0.2.0", bridge({ cniVersion: "0.2.0" }, { subnet: undefined, ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "10.2.0.0/24" }]] })],
  ["overlapping range sets", bridge({}, { subnet: undefined, ranges: [[{ subnet: "10.1.0.0/16" }], [{ subnet: "10.1.2.0/24" }]] })],
  ["a relative dataDir", bridge({}, { dataDir: "cni" })],
  ["a gateway that is no address", subnet("10.1.0.0/24", { gateway: "nope" })],
  ["a subnet that is no CIDR", subnet("10.0.0.0/33")],
  ["a /31", subnet("10.0.0.0/31")],
  ["host bits set", subnet("10.0.0.1/24")],
  ["a /0", subnet("0.0.0.0/0")],
  ["a gateway outside the subnet", subnet("10.1.0.0/24", { gateway: "10.9.0.1" })],
  ["rangeStart outside the subnet", subnet("10.1.0.0/24", { rangeStart: "10.9.0.1" })],
  ["rangeEnd outside the subnet", subnet("10.1.0.0/24", { rangeEnd: "10.9.0.1" })],
  ["rangeStart after rangeEnd", subnet("10.1.0.0/24", { rangeStart: "10.1.0.200", rangeEnd: "10.1.0.100" })],
  ["an empty range set", bridge({}, { subnet: undefined, ranges: [[]] })],
  ["a range set of two families", bridge({}, { subnet: undefined, ranges: [[{ subnet: "10.1.0.0/24" }, { subnet: "fd00::/64" }]] })],
  ["overlapping ranges in a set", bridge({}, { subnet: undefined, ranges: [[{ subnet: "10.1.0.0/24" }, { subnet: "10.1.0.0/25" }]] })],
  ["an unsupported cniVersion", bridge({ cniVersion: "2.0.0" })],
  ["loopback with a malformed prevResult", JSON.stringify({ cniVersion: "1.0.0", name: "net", type: "loopback", prevResult: 3 })],
  ["loopback with a bad debugLogLevel", JSON.stringify({ cniVersion: "1.0.0", name: "net", type: "loopback", debugLogLevel: "loud" })],
];

describe("validate and ADD agree", () => {
  const refused = REFUSALS.map(([name, text]) => ({ name, text, error: addRefusal(text) }));

  it.each(refused.map((r) => [r.name, r] as const))("both refuse: %s", (_name, r) => {
    expect(r.error, "ADD accepted it").toBeInstanceOf(CniError);
    expect(validateErrors(r.text), `validate accepted what ADD refuses with ${r.error?.msg}`).not.toEqual([]);
  });

  it("every refusal in the config code has a case above", () => {
    const messages = refused.map((r) => r.error?.msg ?? "");
    const uncovered = ruleSites().filter(({ pattern }) => !messages.some((m) => pattern.test(m)));
    expect(uncovered.map((u) => u.site)).toEqual([]);
  });

  it.each([
    ["a plain bridge", bridge({})],
    ["hairpinMode alone", bridge({ hairpinMode: true })],
    ["disableContainerInterface without ipam (L2)", bridge({ disableContainerInterface: true }, null)],
    ["a dashed MAC", bridge({ runtimeConfig: { mac: "AA-BB-CC-DD-EE-FF" } })],
    ["a trunk range", bridge({ vlanTrunk: [{ minID: 1, maxID: 5 }, { id: 9 }] })],
    ["host-local alone", hostLocal({ type: "host-local", ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00::/64" }]] })],
    // loopback reads none of these keys: neither refuses them.
    ["loopback with keys it never reads", JSON.stringify({ cniVersion: "1.0.0", name: "net", type: "loopback", capabilities: 3, runtimeConfig: 5, dns: 5 })],
  ])("both accept: %s", (_name, text) => {
    expect(addRefusal(text)).toBeUndefined();
    expect(validateErrors(text)).toEqual([]);
  });
});

describe("one source of truth", () => {
  it("validate takes the plugins' rules from their public config modules only, never their internals", () => {
    const dir = join(ROOT, "src/validate");
    const reached = readdirSync(dir)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .flatMap((f) => [...readFileSync(join(dir, f), "utf8").matchAll(/from "(\.\.\/\.\.\/(?:plugins|ipam)\/[^"]+)"/g)].map((m) => m[1]!));
    expect(reached.length).toBeGreaterThan(0);
    expect(new Set(reached)).toEqual(new Set(["../../plugins/bridge/config.ts", "../../ipam/host-local/config.ts"]));
  });
});
