/**
 * One simulated Kubernetes node: a throwaway network namespace, a private
 * mount namespace held open by a placeholder process, and a containerd with
 * its CRI plugin enabled running inside both, with its own root, state,
 * socket, CNI config directory and CNI bin directory. Inside the private
 * mount namespace `/run` and `/var/lib` are fresh tmpfs mounts, so the
 * netns pins CRI makes (`/run/netns/cni-*`), the shim sockets, go-cni's
 * result cache and host-local's store never land on the machine;
 * `/var/lib/cni` is bound back to a directory of the node so it survives a
 * containerd restart and a "reboot", as it does on a real node.
 *
 * Pods get cgroup parent `/cnits-<node>-<random>` (kubelet sends
 * `/kubepods/...`), so every sandbox process can be found and every cgroup
 * removed at the end.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createNetns, type TestNetns } from "../helpers/netns.ts";
import { CriClient } from "./client.ts";
import { PAUSE_IMAGE } from "./pause-image.ts";

/** What a node is made of. */
export interface CriNodeOptions {
  /** Short node name ("a", "b"); part of namespace and cgroup names. */
  name: string;
  /** The node's disk: containerd root, CNI bin and conf dirs, host-local store, CNI cache. Kept across a reboot. */
  dir: string;
  /** The sandbox image archive (see pause-image.ts), imported on first start. */
  pauseArchive: string;
}

const CGROUP_ROOT = "/sys/fs/cgroup";
/** cgroup v2 (unified) has one hierarchy; v1 one per controller. */
const CGROUP_V2 = existsSync(join(CGROUP_ROOT, "cgroup.controllers"));

/** Every hierarchy a cgroup of ours may appear in. */
function cgroupHierarchies(): string[] {
  if (CGROUP_V2) return [CGROUP_ROOT];
  return readdirSync(CGROUP_ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(CGROUP_ROOT, entry.name));
}

/** Where the node keeps each thing, all under its `dir`. */
export function nodePaths(dir: string) {
  return {
    config: join(dir, "containerd.toml"),
    socket: join(dir, "containerd.sock"),
    root: join(dir, "containerd-root"),
    binDir: join(dir, "cni-bin"),
    confDir: join(dir, "cni-net.d"),
    /** The node's /var/lib/cni: go-cni's result cache and host-local's store (`networks/`). */
    varLibCni: join(dir, "var-lib-cni"),
    log: join(dir, "containerd.log"),
  };
}

function containerdConfig(paths: ReturnType<typeof nodePaths>): string {
  // state and the ttrpc socket live in the private /run (gone with a reboot, as on a real node).
  return `version = 2
root = ${JSON.stringify(paths.root)}
state = "/run/containerd"
[grpc]
  address = ${JSON.stringify(paths.socket)}
[ttrpc]
  address = "/run/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${JSON.stringify(PAUSE_IMAGE)}
  # root here lacks CAP_SYS_RESOURCE: runc would refuse CRI's sandbox OOM score.
  restrict_oom_score_adj = true
  # Always started in 1.6; port 0 in the node's own netns collides with nothing.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${JSON.stringify(paths.binDir)}
    conf_dir = ${JSON.stringify(paths.confDir)}
`;
}

function mountNsOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return null;
  }
}

function pidsWhere(test: (pid: number) => boolean): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter(test);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** A node. Make it with `CriNode.create`, then `startContainerd`; `powerOff` ends it. */
export class CriNode {
  readonly name: string;
  readonly paths: ReturnType<typeof nodePaths>;
  /** Kubelet's `cgroup_parent` for this node's pods (cgroupfs syntax). */
  readonly cgroupParent: string;
  readonly #options: CriNodeOptions;
  ns!: TestNetns;
  cri!: CriClient;
  #holder: ChildProcess | undefined;
  #containerd: ChildProcess | undefined;
  #imported = false;

  private constructor(options: CriNodeOptions) {
    this.#options = options;
    this.name = options.name;
    this.paths = nodePaths(options.dir);
    this.cgroupParent = `/cnits-${options.name}-${randomBytes(4).toString("hex")}`;
    for (const d of [this.paths.root, this.paths.binDir, this.paths.confDir, this.paths.varLibCni]) {
      mkdirSync(d, { recursive: true });
    }
    writeFileSync(this.paths.config, containerdConfig(this.paths));
  }

  /**
   * Make the node's namespaces (containerd is started separately, once the
   * CNI config is in place, as a node's CNI DaemonSet runs before pods).
   */
  static async create(options: CriNodeOptions): Promise<CriNode> {
    const node = new CriNode(options);
    await node.#boot();
    return node;
  }

  async #boot(): Promise<void> {
    this.ns = createNetns(`cri-${this.name}`);
    this.ns.exec("ip", "link", "set", "lo", "up");
    const setup = [
      "mount -n -t tmpfs -o mode=0755 cnits-run /run",
      "mkdir /run/netns",
      "mount -n -t tmpfs -o mode=0755 cnits-var-lib /var/lib",
      "mkdir /var/lib/cni",
      `mount -n --bind ${JSON.stringify(this.paths.varLibCni)} /var/lib/cni`,
      "echo ready",
      "exec sleep infinity",
    ].join(" && ");
    const holder = spawn("nsenter", [`--net=${this.ns.path}`, "unshare", "--mount", "--propagation", "private", "sh", "-c", setup], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.#holder = holder;
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once("data", () => resolve());
      holder.once("exit", (code) => reject(new Error(`node ${this.name}: mount namespace setup failed (${code})`)));
    });
  }

  /** Start containerd (again) on the node's root and wait until CRI answers. */
  async startContainerd(): Promise<void> {
    const holder = this.#holder!.pid!;
    const log = openSync(this.paths.log, "a");
    this.#containerd = spawn("nsenter", [`--mount=/proc/${holder}/ns/mnt`, `--net=/proc/${holder}/ns/net`, "containerd", "--config", this.paths.config], {
      stdio: ["ignore", log, log],
    });
    closeSync(log);
    this.cri?.close();
    this.cri = new CriClient(this.paths.socket);
    await this.cri.waitReady();
    if (!this.#imported) {
      execFileSync("ctr", ["--address", this.paths.socket, "--namespace", "k8s.io", "images", "import", this.#options.pauseArchive], {
        stdio: "ignore",
      });
      this.#imported = true;
    }
  }

  /** Resolve once CRI reports NetworkReady (it loaded a CNI config), or throw after `timeoutMs`. */
  async waitNetworkReady(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { status } = await this.cri.status();
      const network = status.conditions.find((c) => c.type === "NetworkReady");
      if (network?.status) return;
      if (Date.now() > until) throw new Error(`node ${this.name}: CRI network not ready: ${network?.reason} ${network?.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Kill containerd with `signal` (SIGKILL: a crash; the shims and pods keep running). */
  async killContainerd(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const containerd = this.#containerd;
    if (!containerd) return;
    containerd.kill(signal);
    await exited(containerd);
    this.#containerd = undefined;
  }

  /** Processes of this node's pods: every pid in a cgroup under the node's cgroup parent. */
  podProcesses(): number[] {
    const pids = new Set<number>();
    const walk = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const line of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) if (line) pids.add(Number(line));
      for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
    };
    // runc puts every sandbox into the pids controller (v1) or the one v2 hierarchy.
    walk(join(CGROUP_V2 ? CGROUP_ROOT : join(CGROUP_ROOT, "pids"), this.cgroupParent));
    return [...pids];
  }

  /** Cgroup directories left under the node's cgroup parent, any controller. */
  cgroupDirs(): string[] {
    const found: string[] = [];
    for (const hierarchy of cgroupHierarchies()) {
      const dir = join(hierarchy, this.cgroupParent);
      if (existsSync(dir)) found.push(dir);
    }
    return found;
  }

  /**
   * Power loss: every process of the node dies at once (containerd, shims,
   * the pods' sandbox processes, the mount namespace), the network namespace
   * with its bridge and veths goes; the node's disk (`dir`) stays.
   */
  async powerOff(): Promise<void> {
    this.cri?.close();
    const holder = this.#holder;
    const mountNs = holder?.pid ? mountNsOf(holder.pid) : null;
    const victims = new Set(this.podProcesses());
    if (mountNs) for (const pid of pidsWhere((pid) => mountNsOf(pid) === mountNs)) victims.add(pid);
    for (const pid of victims) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    // Wait until they are reaped (the shims' children are re-parented first), so a pid check after powerOff is true.
    for (let attempt = 0; attempt < 250 && [...victims].some((pid) => existsSync(`/proc/${pid}`)); attempt++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (this.#containerd) await exited(this.#containerd);
    if (holder) await exited(holder);
    this.#containerd = undefined;
    this.#holder = undefined;
    // Cgroups of killed sandboxes empty out asynchronously: retry briefly.
    for (let attempt = 0; attempt < 50 && this.#removeCgroups() > 0; attempt++) await new Promise((r) => setTimeout(r, 20));
    this.ns?.remove();
  }

  /** Remove empty cgroups under the parent, deepest first; returns how many are left. */
  #removeCgroups(): number {
    let left = 0;
    const remove = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) remove(join(dir, entry.name));
      try {
        rmdirSync(dir);
      } catch {
        left++;
      }
    };
    for (const dir of this.cgroupDirs()) remove(dir);
    return left;
  }

  /** Power on after `powerOff`: a new network namespace and mount namespace, containerd on the same disk. */
  async powerOn(): Promise<void> {
    await this.#boot();
  }
}
