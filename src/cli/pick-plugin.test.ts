import { describe, expect, it } from "vitest";
import { needsHandlers, pickPlugin } from "./pick-plugin.ts";

describe("pickPlugin()", () => {
  it.each([
    ["/opt/cni/bin/bridge", "/opt/cni/bin/bridge", "bridge"],
    ["/opt/cni/bin/loopback", "loopback", "loopback"],
    ["/opt/cni/bin/host-local", "x", "host-local"],
    // a symlink: the kernel reports the target, the runtime's argv[0] keeps the link's name
    ["/usr/local/bin/cni-ts", "/opt/cni/bin/bridge", "bridge"],
    ["/usr/local/bin/cni-ts", "cni-ts", undefined],
    ["/usr/bin/node", "node", undefined],
    ["/opt/cni/bin/bridge.old", "bridge.old", undefined],
  ])("pickPlugin(%s, %s) is %s", (execPath, argv0, want) => {
    expect(pickPlugin(execPath, argv0)).toBe(want);
  });
});

describe("needsHandlers()", () => {
  it.each([
    [undefined, false],
    ["", false],
    ["VERSION", false],
    ["ADD", true],
    ["DEL", true],
    ["CHECK", true],
    ["STATUS", true],
    ["GC", true],
    // unknown verbs go to the skeleton with the real definition, which rejects them
    ["version", true],
  ])("needsHandlers(%s) is %s", (command, want) => {
    expect(needsHandlers(command)).toBe(want);
  });
});
