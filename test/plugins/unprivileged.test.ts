/**
 * The built plugins run without the privileges they need (as `nobody`, and
 * as root without CAP_SYS_ADMIN): each verb answers one coded error naming
 * them, leaves stderr empty and does nothing to the pod. Needs root (to
 * drop it with setpriv) and dist/bin.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createNetns } from "../helpers/netns.ts";
import { DIST_BIN } from "../helpers/run-plugin.ts";

const pod = createNetns("unpriv");
afterAll(() => pod.remove());

const WITHOUT = {
  nobody: ["--reuid=65534", "--regid=65534", "--clear-groups"],
  "root without CAP_SYS_ADMIN": ["--bounding-set=-sys_admin", "--inh-caps=-sys_admin"],
};

const conf = (type: string) =>
  JSON.stringify({
    cniVersion: "1.0.0",
    name: "cnits-unpriv",
    type,
    ipam: { type: "host-local", subnet: "198.18.7.0/24", dataDir: "/tmp/cnits-unpriv-never" },
  });

function runAs(who: keyof typeof WITHOUT, plugin: string, verb: string) {
  const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", CNI_COMMAND: verb, CNI_CONTAINERID: "c1", CNI_NETNS: pod.path, CNI_IFNAME: "eth0", CNI_PATH: DIST_BIN };
  return spawnSync("setpriv", [...WITHOUT[who], join(DIST_BIN, plugin)], { input: conf(plugin), env, encoding: "utf8" });
}

describe("without root's privileges", () => {
  it.each([
    ["bridge", "needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN)"],
    ["loopback", "needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN)"],
    ["host-local", "needs root"],
  ])("%s answers code 103 naming them on every verb, and nothing on stderr", (plugin, msg) => {
    for (const who of Object.keys(WITHOUT) as (keyof typeof WITHOUT)[]) {
      // host-local uses no capability: root without one runs it.
      if (plugin === "host-local" && who !== "nobody") continue;
      for (const verb of ["ADD", "CHECK", "DEL"]) {
        const out = runAs(who, plugin, verb);
        expect(out.stderr, `${who} ${verb}`).toBe("");
        expect(out.status).toBe(1);
        expect(JSON.parse(out.stdout)).toMatchObject({ code: 103, msg });
      }
    }
    expect(pod.ipJson<{ ifname: string }[]>("link", "show").map((l) => l.ifname)).toEqual(["lo"]);
  });

  it("VERSION still answers", () => {
    const out = spawnSync("setpriv", [...WITHOUT.nobody, join(DIST_BIN, "bridge")], { env: { CNI_COMMAND: "VERSION" }, encoding: "utf8" });
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout).supportedVersions).toContain("1.0.0");
  });
});
