import { describe, expect, it } from "vitest";
import { pickPlugin } from "./pick-plugin.ts";

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
