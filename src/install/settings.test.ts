import { describe, expect, it } from "vitest";
import { InvalidConfigError } from "../errors.ts";
import { resolveInstallSettings, splitCidrList } from "./settings.ts";

describe("resolveInstallSettings", () => {
  it("uses the runtimes' default directories and our defaults when nothing is given", () => {
    const s = resolveInstallSettings({}, {});
    expect(s).toMatchObject({
      cniBinDir: "/opt/cni/bin",
      cniConfDir: "/etc/cni/net.d",
      conflistName: "10-cni-ts.conflist",
      podCidrs: [],
      bridge: "cni-ts0",
      networkName: "cni-ts",
      portmap: "auto",
      hairpin: true,
      ipMasq: true,
      mtu: undefined,
      nodeName: undefined,
      watch: false,
      resyncSeconds: 10,
      uninstallOnExit: false,
      floors: { 4: 16, 6: 48 },
      apiServer: undefined,
      healthAddress: { host: "127.0.0.1", port: 9802 },
    });
  });

  it("takes the agent's API server and health address, and refuses what is not one", () => {
    const s = resolveInstallSettings({ apiServer: "https://[fc00::2]:6443" }, { CNI_TS_HEALTH_ADDRESS: "[::1]:0" });
    expect(s).toMatchObject({ apiServer: { host: "fc00::2", port: 6443 }, healthAddress: { host: "::1", port: 0 } });
    expect(resolveInstallSettings({}, { CNI_TS_API_SERVER: "kind-control-plane:6443", CNI_TS_HEALTH_ADDRESS: "off" })).toMatchObject({
      apiServer: { host: "kind-control-plane", port: 6443 },
      healthAddress: undefined,
    });
    expect(resolveInstallSettings({ apiServer: "https://10.0.0.1" }, {}).apiServer).toEqual({ host: "10.0.0.1", port: 443 });
    for (const bad of ["http://10.0.0.1:6443", "https://user:pw@10.0.0.1", "https://10.0.0.1:6443/api", "https://10.0.0.1:99999", "https://a b"]) {
      expect(() => resolveInstallSettings({ apiServer: bad }, {}), bad).toThrow(InvalidConfigError);
    }
    for (const bad of ["localhost:9802", "127.0.0.1", "127.0.0.1:70000", "::1:9802"]) {
      expect(() => resolveInstallSettings({ healthAddress: bad }, {}), bad).toThrow(InvalidConfigError);
    }
  });

  it("takes every setting from the environment, as a DaemonSet passes them", () => {
    const s = resolveInstallSettings(
      {},
      {
        CNI_TS_CNI_BIN_DIR: "/host/opt/cni/bin",
        CNI_TS_CNI_CONF_DIR: "/host/etc/cni/net.d",
        CNI_TS_CONFLIST_NAME: "05-pods.conflist",
        CNI_TS_POD_CIDR: "10.244.1.0/24, fd00:10:244:1::/64",
        CNI_TS_BRIDGE: "br-pods",
        CNI_TS_NETWORK_NAME: "pods",
        CNI_TS_PORTMAP: "off",
        CNI_TS_HAIRPIN: "false",
        CNI_TS_IP_MASQ: "0",
        CNI_TS_MTU: "1450",
        NODE_NAME: "kind-worker",
        CNI_TS_WATCH: "true",
        CNI_TS_RESYNC_INTERVAL: "3",
        CNI_TS_UNINSTALL_ON_EXIT: "yes",
        CNI_TS_POD_CIDR_MIN_PREFIX_V4: "12",
        CNI_TS_POD_CIDR_MIN_PREFIX_V6: "40",
      },
    );
    expect(s).toMatchObject({
      cniBinDir: "/host/opt/cni/bin",
      cniConfDir: "/host/etc/cni/net.d",
      conflistName: "05-pods.conflist",
      podCidrs: ["10.244.1.0/24", "fd00:10:244:1::/64"],
      bridge: "br-pods",
      networkName: "pods",
      portmap: "off",
      hairpin: false,
      ipMasq: false,
      mtu: 1450,
      nodeName: "kind-worker",
      watch: true,
      resyncSeconds: 3,
      uninstallOnExit: true,
      floors: { 4: 12, 6: 40 },
    });
  });

  it("lets a flag win over its environment variable", () => {
    const s = resolveInstallSettings(
      { podCidr: ["10.1.0.0/16"], hairpin: true, cniBinDir: "/a", dir: "/b" },
      { CNI_TS_POD_CIDR: "10.2.0.0/16", CNI_TS_HAIRPIN: "false", CNI_TS_CNI_BIN_DIR: "/c" },
    );
    expect(s.podCidrs).toEqual(["10.1.0.0/16"]);
    expect(s.hairpin).toBe(true);
    expect(s.cniBinDir).toBe("/a");
    expect(resolveInstallSettings({ dir: "/b" }, { CNI_TS_CNI_BIN_DIR: "/c" }).cniBinDir).toBe("/b");
  });

  it.each([
    [{ portmap: "sometimes" }, {}, /portmap mode/],
    [{}, { CNI_TS_HAIRPIN: "maybe" }, /CNI_TS_HAIRPIN/],
    [{ conflistName: "../../etc/passwd" }, {}, /plain file name/],
    [{ conflistName: "x.conf" }, {}, /\.conflist/],
    [{ mtu: "15e2" }, {}, /MTU/],
    [{ nodeName: "../nodes/x" }, {}, /node name/],
    [{ nodeName: "Kind-Worker" }, {}, /node name/],
    [{ uninstallOnExit: true }, {}, /needs --watch/],
    [{ watch: true }, {}, /node's name/],
    [{ watch: true, nodeName: "n1", resyncInterval: "0" }, {}, /resync interval/],
    [{ cniConfDir: "/etc/cni\0/x" }, {}, /NUL/],
    [{ podCidrMinPrefixV4: "0" }, {}, /IPv4 pod CIDR floor "0"/],
    [{ podCidrMinPrefixV4: "33" }, {}, /IPv4 pod CIDR floor/],
    [{}, { CNI_TS_POD_CIDR_MIN_PREFIX_V6: "/48" }, /IPv6 pod CIDR floor/],
  ])("refuses %j %j", (flags, env, message) => {
    expect(() => resolveInstallSettings(flags, env)).toThrow(InvalidConfigError);
    expect(() => resolveInstallSettings(flags, env)).toThrow(message);
  });
});

describe("splitCidrList", () => {
  it("accepts repeated flags and comma-separated lists", () => {
    expect(splitCidrList(["10.0.0.0/24,fd00::/64", " 10.1.0.0/24 ", ""])).toEqual(["10.0.0.0/24", "fd00::/64", "10.1.0.0/24"]);
  });

  it("reads the cluster's and the non-masquerade CIDRs and the masquerade backend", () => {
    const s = resolveInstallSettings(
      { nonMasqCidr: ["192.168.0.0/16,fd00:1::/64"] },
      { CNI_TS_CLUSTER_CIDR: "10.244.0.0/16, fd00:10:244::/56", CNI_TS_NON_MASQ_CIDR: "10.0.0.0/8", CNI_TS_MASQ_BACKEND: "iptables" },
    );
    expect(s).toMatchObject({
      clusterCidrs: ["10.244.0.0/16", "fd00:10:244::/56"],
      nonMasqCidrs: ["192.168.0.0/16", "fd00:1::/64"],
      masqBackend: "iptables",
    });
    expect(resolveInstallSettings({}, {})).toMatchObject({ clusterCidrs: [], nonMasqCidrs: [], masqBackend: "auto" });
    expect(() => resolveInstallSettings({}, { CNI_TS_CLUSTER_CIDR: "10.244.0.0" })).toThrow(InvalidConfigError);
    expect(() => resolveInstallSettings({ masqBackend: "ipvs" }, {})).toThrow(InvalidConfigError);
  });
});
