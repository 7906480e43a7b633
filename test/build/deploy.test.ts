// deploy/: the manifests and the kind recipe, checked without a cluster
// (kind, Docker and registries are out of reach here): parsed with a real
// YAML parser, every setting the DaemonSet passes checked against the
// installer's real flags and environment, the script shellchecked.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse } from "yaml";
import { INSTALL_ENV, resolveInstallSettings } from "../../src/install/settings.ts";
import { DIST_BIN, ROOT } from "../helpers/run-plugin.ts";

const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;

function manifests(): any[] {
  const docs = parseAllDocuments(readFileSync(join(ROOT, "deploy/cni-ts.yaml"), "utf8"));
  for (const doc of docs) expect(doc.errors).toEqual([]);
  return docs.map((doc) => doc.toJS());
}

function byKind(kind: string): any {
  const found = manifests().filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
}

describe("deploy/cni-ts.yaml", () => {
  it("holds a ServiceAccount bound to a ClusterRole that can only get/list/watch nodes", () => {
    expect(manifests().map((m) => m.kind).sort()).toEqual(["ClusterRole", "ClusterRoleBinding", "DaemonSet", "ServiceAccount"]);
    const account = byKind("ServiceAccount");
    const role = byKind("ClusterRole");
    const binding = byKind("ClusterRoleBinding");
    expect(role.rules).toEqual([{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] }]);
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: account.metadata.name, namespace: account.metadata.namespace }]);
    const pod = byKind("DaemonSet").spec.template.spec;
    expect(pod.serviceAccountName).toBe(account.metadata.name);
    expect(byKind("DaemonSet").metadata.namespace).toBe(account.metadata.namespace);
  });

  it("runs on every node, in the host network, not privileged, with NET_ADMIN only", () => {
    const ds = byKind("DaemonSet");
    expect(ds.spec.selector.matchLabels).toEqual(ds.spec.template.metadata.labels);
    const pod = ds.spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.tolerations).toContainEqual({ operator: "Exists" });
    expect(pod.containers).toHaveLength(1);
    const security = pod.containers[0].securityContext;
    expect(security.privileged).toBe(false);
    expect(security.allowPrivilegeEscalation).toBe(false);
    expect(security.capabilities).toEqual({ drop: ["ALL"], add: ["NET_ADMIN"] });
  });

  it("loads br_netfilter and sets the bridge data path's sysctls in a privileged init container of its own", () => {
    const pod = byKind("DaemonSet").spec.template.spec;
    expect(pod.initContainers).toHaveLength(1);
    const init = pod.initContainers[0];
    expect(init.securityContext).toEqual({ privileged: true });
    const script = init.command.join(" ");
    expect(script).toContain("modprobe br_netfilter");
    for (const setting of ["net.bridge.bridge-nf-call-iptables=1", "net.bridge.bridge-nf-call-ip6tables=1", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]) {
      expect(script).toContain(setting);
    }
    const modules = init.volumeMounts.find((m: any) => m.mountPath === "/lib/modules");
    expect(modules.readOnly).toBe(true);
    expect(pod.volumes.find((v: any) => v.name === modules.name).hostPath.path).toBe("/lib/modules");
    // the script as sh reads it
    const check = spawnSync("shellcheck", ["--shell=sh", "-"], { input: init.command[2], encoding: "utf8" });
    expect(check.status, check.stdout).toBe(0);
  });

  it("uses the image `npm run image` names", () => {
    const container = byKind("DaemonSet").spec.template.spec.containers[0];
    // a bare name means docker.io/library/, as the image archive's annotation spells it
    expect(`docker.io/library/${container.image}`).toBe(`docker.io/library/cni-ts:v${VERSION}`);
    expect(readFileSync(join(ROOT, "scripts/image.mjs"), "utf8")).toContain("docker.io/library/cni-ts:v${version}");
    expect(container.command).toBeUndefined();
  });

  it("passes only settings the installer knows, values it accepts, and mounts where they point", () => {
    const pod = byKind("DaemonSet").spec.template.spec;
    const container = pod.containers[0];
    const known = new Set<string>(Object.values(INSTALL_ENV));
    const env: Record<string, string> = {};
    for (const variable of container.env) {
      expect(known, variable.name).toContain(variable.name);
      if (variable.valueFrom) {
        expect(variable).toEqual({ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } });
        env[variable.name] = "kind-worker";
      } else {
        expect(typeof variable.value, variable.name).toBe("string");
        env[variable.name] = variable.value;
      }
    }
    const settings = resolveInstallSettings({}, env);
    expect(settings).toMatchObject({ watch: true, nodeName: "kind-worker", podCidrs: [], uninstallOnExit: false });
    // every --help flag the env names has a real flag behind it (the help lists each variable)
    const help = execFileSync(join(DIST_BIN, "cni-ts"), ["install", "--help"], { encoding: "utf8" });
    for (const name of Object.keys(env)) expect(help.replace(/\s+/g, " "), name).toContain(name);

    // the kubelet probes, from the node itself, exactly where the agent serves its health
    for (const [probe, path] of [["livenessProbe", "/healthz"], ["readinessProbe", "/readyz"]] as const) {
      expect(container[probe].httpGet, probe).toEqual({ host: settings.healthAddress!.host, port: settings.healthAddress!.port, path });
    }
    const mountFor = (path: string) => container.volumeMounts.find((m: any) => m.mountPath === path);
    const hostPathOf = (mount: any) => pod.volumes.find((v: any) => v.name === mount.name).hostPath;
    expect(hostPathOf(mountFor(settings.cniBinDir))).toEqual({ path: "/opt/cni/bin", type: "DirectoryOrCreate" });
    expect(hostPathOf(mountFor(settings.cniConfDir))).toEqual({ path: "/etc/cni/net.d", type: "DirectoryOrCreate" });
  });
});

describe("deploy/kind", () => {
  it.each(["kind-config.yaml", "kind-config-dual.yaml"])("%s creates a cluster without a default CNI and with a pod subnet", (file) => {
    const config = parse(readFileSync(join(ROOT, "deploy/kind", file), "utf8"));
    expect(config.kind).toBe("Cluster");
    expect(config.apiVersion).toBe("kind.x-k8s.io/v1alpha4");
    expect(config.networking.disableDefaultCNI).toBe(true);
    expect(config.networking.podSubnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+(,[0-9a-f:]+\/\d+)?$/);
    expect(config.nodes.filter((n: any) => n.role === "worker").length).toBeGreaterThan(0);
  });

  it("has a dual-stack config with a pod and a Service subnet per family", () => {
    const config = parse(readFileSync(join(ROOT, "deploy/kind/kind-config-dual.yaml"), "utf8"));
    expect(config.networking.ipFamily).toBe("dual");
    for (const subnets of [config.networking.podSubnet, config.networking.serviceSubnet]) {
      expect(subnets.split(",").map((s: string) => (s.includes(":") ? 6 : 4))).toEqual([4, 6]);
    }
  });

  it("has a script that shellcheck passes and that uses the files this repository has", () => {
    const script = join(ROOT, "deploy/kind/run-conformance.sh");
    const check = spawnSync("shellcheck", ["--severity=style", script], { encoding: "utf8" });
    expect(check.status, check.stdout).toBe(0);
    const text = readFileSync(script, "utf8");
    for (const path of ["deploy/kind/kind-config.yaml", "deploy/cni-ts.yaml"]) {
      expect(text).toContain(path);
      expect(existsSync(join(ROOT, path))).toBe(true);
    }
    expect(text).toContain('IMAGE_ARCHIVE="dist/cni-ts-image-linux-${ARCH}-v${VERSION}.tar"');
    // every [Conformance] test, with kubectl of the cluster's own version
    expect(text).toContain('FOCUS="${FOCUS:-\\[Conformance\\]}"');
    expect(text).toContain('--focus="$FOCUS"');
    expect(text).toContain("/usr/bin/kubectl");
    expect(text).toContain("kind load image-archive");
  });

  it("is run by a CI workflow", () => {
    const workflow = parse(readFileSync(join(ROOT, ".github/workflows/kind.yml"), "utf8"));
    const steps = Object.values<any>(workflow.jobs).flatMap((job) => job.steps);
    const runs = steps.map((s: any) => s.run ?? "").join("\n");
    expect(runs).toContain("npm run image");
    expect(runs).toContain("deploy/kind/run-conformance.sh");
    expect(JSON.stringify(workflow)).toContain("deploy/kind/kind-config-dual.yaml");
    expect(runs.indexOf("modprobe br_netfilter")).toBeGreaterThan(-1);
    expect(runs.indexOf("modprobe br_netfilter")).toBeLessThan(runs.indexOf("deploy/kind/run-conformance.sh"));
  });
});
