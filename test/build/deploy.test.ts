// deploy/: the manifests and the kind recipe, checked without a cluster
// (kind, Docker and registries are out of reach here): parsed with a real
// YAML parser, every setting the DaemonSet passes checked against the
// installer's real flags and environment, the scripts shellchecked, the
// verified kubectl download run against a local server.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { isIPv4, isIPv6, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    expect(
      manifests()
        .map((m) => m.kind)
        .sort(),
    ).toEqual(["ClusterRole", "ClusterRoleBinding", "DaemonSet", "ServiceAccount"]);
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
    for (const setting of [
      "net.bridge.bridge-nf-call-iptables=1",
      "net.bridge.bridge-nf-call-ip6tables=1",
      "net.ipv4.ip_forward=1",
      "net.ipv6.conf.all.forwarding=1",
    ]) {
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
    for (const [probe, path] of [
      ["livenessProbe", "/healthz"],
      ["readinessProbe", "/readyz"],
    ] as const) {
      expect(container[probe].httpGet, probe).toEqual({ host: settings.healthAddress!.host, port: settings.healthAddress!.port, path });
    }
    const mountFor = (path: string) => container.volumeMounts.find((m: any) => m.mountPath === path);
    const hostPathOf = (mount: any) => pod.volumes.find((v: any) => v.name === mount.name).hostPath;
    expect(hostPathOf(mountFor(settings.cniBinDir))).toEqual({ path: "/opt/cni/bin", type: "DirectoryOrCreate" });
    expect(hostPathOf(mountFor(settings.cniConfDir))).toEqual({ path: "/etc/cni/net.d", type: "DirectoryOrCreate" });
  });
});

describe("deploy/kind", () => {
  const config = (name: string) => parse(readFileSync(join(ROOT, "deploy/kind", name), "utf8"));

  it("creates a cluster without a default CNI and with a pod subnet", () => {
    const ipv4 = config("kind-config.yaml");
    expect(ipv4.kind).toBe("Cluster");
    expect(ipv4.apiVersion).toBe("kind.x-k8s.io/v1alpha4");
    expect(ipv4.networking.disableDefaultCNI).toBe(true);
    expect(ipv4.networking.podSubnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    expect(ipv4.nodes.filter((n: any) => n.role === "worker").length).toBeGreaterThan(0);
  });

  it("has a dual-stack config: the same cluster with an IPv4 and an IPv6 pod and service subnet", () => {
    const ipv4 = config("kind-config.yaml");
    const dual = config("kind-config-dual.yaml");
    expect(dual.kind).toBe("Cluster");
    expect(dual.apiVersion).toBe(ipv4.apiVersion);
    expect(dual.nodes).toEqual(ipv4.nodes);
    expect(dual.networking.ipFamily).toBe("dual");
    expect(dual.networking.disableDefaultCNI).toBe(true);
    for (const key of ["podSubnet", "serviceSubnet"]) {
      const [v4, v6, ...rest] = String(dual.networking[key]).split(",");
      expect(rest, key).toEqual([]);
      expect(isIPv4(v4!.split("/")[0]!), key).toBe(true);
      expect(isIPv6(v6!.split("/")[0]!), key).toBe(true);
      // the IPv4 half is the IPv4 cluster's, so both runs give nodes the same IPv4 pod CIDRs
      expect(v4, key).toBe(ipv4.networking[key]);
    }
  });

  it("hands every node one pod CIDR per family that the DaemonSet's installer accepts", () => {
    const dual = config("kind-config-dual.yaml");
    const container = byKind("DaemonSet").spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((v: any) => [v.name, v.valueFrom ? "kind-worker" : v.value]));
    const { floors } = resolveInstallSettings({}, env);
    // kind leaves the controller manager's node masks at their defaults: a /24 and a /64 per node
    const nodeMasks = { 4: 24, 6: 64 } as const;
    for (const subnet of dual.networking.podSubnet.split(",")) {
      const [address, prefix] = subnet.split("/");
      const family = isIPv4(address) ? 4 : 6;
      expect(nodeMasks[family], subnet).toBeGreaterThanOrEqual(floors[family]);
      expect(2 ** (nodeMasks[family] - Number(prefix)), subnet).toBeGreaterThanOrEqual(dual.nodes.length);
    }
  });

  it("has a dual-stack config with a pod and a Service subnet per family", () => {
    const config = parse(readFileSync(join(ROOT, "deploy/kind/kind-config-dual.yaml"), "utf8"));
    expect(config.networking.ipFamily).toBe("dual");
    for (const subnets of [config.networking.podSubnet, config.networking.serviceSubnet]) {
      expect(subnets.split(",").map((s: string) => (s.includes(":") ? 6 : 4))).toEqual([4, 6]);
    }
  });

  it("has a script that shellcheck passes and that uses the files this repository has", () => {
    for (const name of ["run-conformance.sh", "k8s-release.sh"]) {
      const check = spawnSync("shellcheck", ["-x", "--shell=bash", "--severity=style", `deploy/kind/${name}`], { cwd: ROOT, encoding: "utf8" });
      expect(check.status, check.stdout).toBe(0);
    }
    const text = readFileSync(join(ROOT, "deploy/kind/run-conformance.sh"), "utf8");
    for (const path of ["deploy/kind/kind-config.yaml", "deploy/kind/kind-config-dual.yaml", "deploy/kind/k8s-release.sh", "deploy/cni-ts.yaml"]) {
      expect(text).toContain(path);
      expect(existsSync(join(ROOT, path))).toBe(true);
    }
    expect(text).toContain('IMAGE_ARCHIVE="dist/cni-ts-image-linux-${ARCH}-v${VERSION}.tar"');
    expect(text).toContain("kind load image-archive");
  });

  it("runs every [Conformance] test, skipping [Serial] and [Disruptive], with the dual-stack tests on a dual-stack cluster", () => {
    const text = readFileSync(join(ROOT, "deploy/kind/run-conformance.sh"), "utf8");
    const assignments = [...text.matchAll(/^\s*(FOCUS|SKIP)="?'?([^\n]*?)'?"?$/gm)].map(([, name, value]) => `${name}=${value}`);
    expect(assignments).toEqual([
      "FOCUS=\\[Conformance\\]",
      "FOCUS=\\[Conformance\\]|\\[Feature:IPv6DualStack\\]",
      "FOCUS=${E2E_FOCUS:-$FOCUS}",
      "SKIP=${E2E_SKIP:-\\[Serial\\]|\\[Disruptive\\]}",
    ]);
    expect(text).toMatch(/--focus="\$FOCUS"/);
    expect(text).toMatch(/--skip="\$SKIP"/);
    // an unknown family is refused before anything is created
    const bad = spawnSync("bash", [join(ROOT, "deploy/kind/run-conformance.sh"), "--ip-family", "ipv6"], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^usage: .*--ip-family ipv4\|dual/);
  });

  it("is run by a CI workflow, once per IP family", () => {
    const workflow = parse(readFileSync(join(ROOT, ".github/workflows/kind.yml"), "utf8"));
    const jobs = Object.values<any>(workflow.jobs);
    const steps = jobs.flatMap((job) => job.steps);
    const runs = steps.map((s: any) => s.run ?? "").join("\n");
    expect(runs).toContain("npm run image");
    expect(runs).toContain("deploy/kind/run-conformance.sh");
    expect(runs.indexOf("modprobe br_netfilter")).toBeGreaterThan(-1);
    expect(runs.indexOf("modprobe br_netfilter")).toBeLessThan(runs.indexOf("deploy/kind/run-conformance.sh"));
    const conformance = jobs.find((job) => job.steps.some((s: any) => s.run?.includes("deploy/kind/run-conformance.sh")));
    expect(conformance.strategy.matrix["ip-family"]).toEqual(["ipv4", "dual"]);
    const step = conformance.steps.find((s: any) => s.run?.includes("deploy/kind/run-conformance.sh"));
    expect(step.run).toBe('deploy/kind/run-conformance.sh --ip-family "$IP_FAMILY"');
    expect(step.env.IP_FAMILY).toBe("${{ matrix.ip-family }}");
    // kind's download is checked; no runner-provided kubectl is used
    expect(runs).toContain("sha256sum --check kind-linux-amd64.sha256sum");
    expect(runs).not.toMatch(/\bkubectl\b/);
  });
});

// deploy/kind/k8s-release.sh against a local HTTP server standing in for dl.k8s.io.
describe("deploy/kind/k8s-release.sh", () => {
  const KUBECTL = "#!/bin/sh\necho kubectl v1.31.2\n";
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
  let server: Server;
  let base: string;
  let work: string;
  /** Paths under /release/ the server answers, and with what. */
  const files = new Map<string, string>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = files.get(req.url ?? "");
      res.writeHead(body === undefined ? 404 : 200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    work = mkdtempSync(join(tmpdir(), "cnits-k8s-release-"));
  });
  afterAll(() => {
    server.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** k8s_install_kubectl VERSION amd64 DIR, as run-conformance.sh runs it. */
  async function installKubectl(version: string, dir: string) {
    const script = `. ${join(ROOT, "deploy/kind/k8s-release.sh")}; k8s_install_kubectl "$1" amd64 "$2"`;
    return new Promise<{ status: number; stderr: string }>((resolve) => {
      execFile("bash", ["--norc", "-c", script, "bash", version, dir], { env: { PATH: "/usr/bin:/bin", K8S_RELEASE_URL: base } }, (error, _stdout, stderr) =>
        resolve({ status: error ? Number(error.code) : 0, stderr }),
      );
    });
  }

  it("installs kubectl of exactly the version asked for when its SHA-256 is the published one", async () => {
    for (const version of ["v1.31.2", "v1.33.0-rc.1"]) {
      files.set(`/release/${version}/bin/linux/amd64/kubectl`, KUBECTL);
      // published as `<hex>` or `<hex>  <name>`
      files.set(`/release/${version}/bin/linux/amd64/kubectl.sha256`, version === "v1.31.2" ? sha256(KUBECTL) : `${sha256(KUBECTL)}  kubectl\n`);
      const dir = join(work, version);
      const run = await installKubectl(version, dir);
      expect(run, version).toEqual({ status: 0, stderr: "" });
      expect(readdirSync(dir), version).toEqual(["kubectl"]);
      expect(execFileSync(join(dir, "kubectl"), { encoding: "utf8" })).toBe("kubectl v1.31.2\n");
    }
  });

  it("leaves nothing behind when the download is not the published file, or the checksum is missing or malformed", async () => {
    files.set("/release/v1.31.3/bin/linux/amd64/kubectl", `${KUBECTL}# tampered\n`);
    files.set("/release/v1.31.3/bin/linux/amd64/kubectl.sha256", sha256(KUBECTL));
    files.set("/release/v1.31.4/bin/linux/amd64/kubectl", KUBECTL);
    files.set("/release/v1.31.5/bin/linux/amd64/kubectl", KUBECTL);
    files.set("/release/v1.31.5/bin/linux/amd64/kubectl.sha256", "<html>moved</html>");
    const cases: [string, RegExp][] = [
      ["v1.31.3", /SHA-256 [0-9a-f]{64} is not the published [0-9a-f]{64}/],
      ["v1.31.4", /404/],
      ["v1.31.5", /not a SHA-256/],
    ];
    for (const [version, why] of cases) {
      const dir = join(work, version);
      const run = await installKubectl(version, dir);
      expect(run.status, version).not.toBe(0);
      expect(run.stderr, version).toMatch(why);
      expect(readdirSync(dir), version).toEqual([]);
    }
  });

  it("puts only a release tag into a URL or path", async () => {
    for (const version of ["v1.31", "v1.31.2/../../x", "v1.31.2 ", "1.31.2", "v1.31.2\nv2", "v1.32.0-alpha.1/../x", "v1.31.2+dirty"]) {
      const run = await installKubectl(version, join(work, "never"));
      expect(run.status, version).toBe(1);
      expect(run.stderr, version).toContain("not a Kubernetes release version");
    }
    expect(existsSync(join(work, "never"))).toBe(false);
  });
});
