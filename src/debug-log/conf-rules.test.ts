import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkDebugLogKeys, decodeStdinConfig } from "../skel/stdin-config.ts";
import { checkDocument } from "../validate/check-document.ts";
import { debugLogConfProblems, isDebugLogFileName } from "./conf-rules.ts";

/** What the plugin says about a config: its error code, or 0 when the skeleton accepts it. */
function pluginCode(conf: Record<string, unknown>): number {
  try {
    checkDebugLogKeys("ADD", decodeStdinConfig(Buffer.from(JSON.stringify(conf))));
    return 0;
  } catch (err) {
    return (err as { code: number }).code;
  }
}

/** Whether `cni-ts validate` reports an error at `$.<key>`. */
function validateRefuses(conf: Record<string, unknown>, key: string): boolean {
  return checkDocument(JSON.stringify(conf), "single").findings.some((f) => f.severity === "error" && f.path === `$.${key}`);
}

const BASE = { cniVersion: "1.0.0", name: "net", type: "loopback" };

describe("debug-log config keys: the plugin and validate agree", () => {
  it.each([
    ["debugLog", "/tmp/x", false],
    ["debugLog", "/var/log/cni-ts.log", false],
    ["debugLog", "relative.log/x", false],
    ["debugLog", "../x", false],
    ["debugLog", ".", false],
    ["debugLog", "..", false],
    ["debugLog", ".hidden", false],
    ["debugLog", "-flag", false],
    ["debugLog", "", false],
    ["debugLog", "a\u0000b", false],
    ["debugLog", "x".repeat(129), false],
    ["debugLog", "naïve.log", false],
    ["debugLog", 5, false],
    ["debugLog", null, false],
    ["debugLog", "pods.log", true],
    ["debugLog", "x".repeat(128), true],
    ["debugLogLevel", "trace", false],
    ["debugLogLevel", "DEBUG", false],
    ["debugLogLevel", "debug", true],
    ["debugLogMaxBytes", -1, false],
    ["debugLogMaxBytes", 1.5, false],
    ["debugLogMaxBytes", 1e300, false],
    ["debugLogMaxBytes", "100", false],
    ["debugLogMaxBytes", 0, true],
    ["debugLogMaxBytes", 1, true],
  ])("%s: %j (accepted: %s)", (key, value, accepted) => {
    const conf = { ...BASE, [key]: value };
    expect(pluginCode(conf)).toBe(accepted ? 0 : 7);
    expect(validateRefuses(conf, key)).toBe(!accepted);
    if (!accepted) expect(debugLogConfProblems(conf)[0]).toContain(`${key}: ${JSON.stringify(value)}`);
  });

  it("property: for any string, the plugin refuses debugLog exactly when validate does", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.stringMatching(/^[A-Za-z0-9_./-]{0,140}$/)), (name) => {
        const conf = { ...BASE, debugLog: name };
        const accepted = pluginCode(conf) === 0;
        expect(accepted).toBe(isDebugLogFileName(name));
        expect(validateRefuses(conf, "debugLog")).toBe(!accepted);
        if (accepted) expect(name).not.toContain("/");
      }),
      { numRuns: 300 },
    );
  });
});
