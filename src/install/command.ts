/**
 * `cni-ts install`: the plugins (and the `cni-ts` name) into the CNI bin
 * directory and, given the node's pod CIDR(s), this node's conflist into
 * the CNI config directory; `cni-ts uninstall` undoes it. Every flag has an
 * environment variable (see ./settings.ts) so a DaemonSet can configure it
 * without a command line.
 *
 * @module
 */
import type { Command } from "commander";
import { IoFailureError, KernelError, TryAgainLaterError } from "../errors.ts";
import { installAddonBeside } from "../native/embedded-addon.ts";
import { RtnlSocket } from "../netlink/socket.ts";
import { CNI_TS_VERSION } from "../version.ts";
import { BACKUP_DIR_NAME } from "./backup.ts";
import { installExecutables } from "./executables.ts";
import { readHostView } from "./host-view.ts";
import { masqueradeMode } from "./egress-plan.ts";
import { getNode, inClusterEndpoint, type ApiEndpoint } from "./kube-api.ts";
import { ownPodCidrs, summarizeNode, type NodeSummary } from "./kube-nodes.ts";
import { configsSortingFirst, prepareNodeConflist, writeNodeConflist } from "./node-conflist.ts";
import { NodeNetwork } from "./node-network.ts";
import { INSTALL_ENV, resolveInstallLocations, resolveInstallSettings, type InstallFlags, type InstallSettings, type LocationFlags } from "./settings.ts";
import { jsonLog, type Log } from "./telemetry.ts";
import { uninstall } from "./uninstall.ts";
import { watchNodes } from "./watch.ts";

/** What the `cni-ts` program tells the install commands about itself. */
export interface InstallHost {
  /** The running single executable, when it is one. */
  ownExecutable: () => string | undefined;
  /** The names to install it under: the plugins' and its own. */
  names: readonly string[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const env = (name: string) => ` (env ${name})`;

/** The flags naming where things are, the same for install and uninstall. */
function locationOptions(command: Command): Command {
  return command
    .option("--cni-bin-dir <dir>", `CNI bin directory [default: /opt/cni/bin]${env(INSTALL_ENV.cniBinDir)}`)
    .option("-d, --dir <dir>", "same as --cni-bin-dir")
    .option("--cni-conf-dir <dir>", `CNI config directory [default: /etc/cni/net.d]${env(INSTALL_ENV.cniConfDir)}`)
    .option("--conflist-name <file>", `conflist file name [default: 10-cni-ts.conflist]${env(INSTALL_ENV.conflistName)}`);
}

/**
 * Add the `install` and `uninstall` commands to the `cni-ts` program.
 *
 * @param program the root command
 * @param host the running executable and the names to install it under
 * @example registerInstallCommand(program, { ownExecutable: () => process.execPath, names: ["bridge", "loopback", "host-local", "cni-ts"] });
 */
export function registerInstallCommand(program: Command, host: InstallHost): void {
  const install = program
    .command("install")
    .description(
      "install the plugins and the cni-ts command into a CNI bin directory (one file, hard-linked per name; " +
        `files replaced are kept in <cni-bin-dir>/${BACKUP_DIR_NAME} for uninstall) and, given the node's pod CIDR(s), ` +
        "write the node's conflist (bridge + host-local) into the CNI config directory",
    );
  locationOptions(install)
    .option("--pod-cidr <cidr>", `the node's pod CIDR; repeat (or comma-separate) for dual stack${env(INSTALL_ENV.podCidrs + ", comma-separated")}`, collect)
    .option("--node-name <name>", `read the pod CIDR(s) of this Node from the Kubernetes API${env(INSTALL_ENV.nodeName)}`)
    .option("--bridge <name>", `bridge the pods attach to [default: cni-ts0]${env(INSTALL_ENV.bridge)}`)
    .option("--network-name <name>", `CNI network name [default: cni-ts]${env(INSTALL_ENV.networkName)}`)
    .option("--portmap <mode>", `chain portmap: on, off, or auto = when <cni-bin-dir>/portmap exists [default: auto]${env(INSTALL_ENV.portmap)}`)
    .option("--hairpin", `bridge ports in hairpin mode (a pod reaches itself through a Service) [default]${env(INSTALL_ENV.hairpin)}`)
    .option("--no-hairpin", "no hairpin mode")
    .option(
      "--ip-masq",
      "masquerade pod traffic leaving the cluster's pod network: node-level rules under --watch or with --cluster-cidr, " +
        `else the bridge's per-pod rules [default]${env(INSTALL_ENV.ipMasq)}`,
    )
    .option("--no-ip-masq", "no masquerading")
    .option(
      "--cluster-cidr <cidr>",
      `the cluster's pod CIDR(s), never masqueraded to; repeat or comma-separate [default: every Node's podCIDRs]${env(INSTALL_ENV.clusterCidrs)}`,
      collect,
    )
    .option("--non-masq-cidr <cidr>", `more destinations pods reach without masquerade; repeat or comma-separate${env(INSTALL_ENV.nonMasqCidrs)}`, collect)
    .option(
      "--masq-backend <backend>",
      `node-level masquerade in auto, nftables or iptables [default: auto = nftables when the kernel has it]${env(INSTALL_ENV.masqBackend)}`,
    )
    .option("--mtu <bytes>", `pod interface MTU [default: the MTU of the node's uplink, followed under --watch]${env(INSTALL_ENV.mtu)}`)
    .option(
      "--pod-cidr-min-prefix-v4 <len>",
      `refuse IPv4 pod CIDRs (ours or another Node's) wider than this [default: 16]${env(INSTALL_ENV.podCidrMinPrefixV4)}`,
    )
    .option(
      "--pod-cidr-min-prefix-v6 <len>",
      `refuse IPv6 pod CIDRs (ours or another Node's) wider than this [default: 48]${env(INSTALL_ENV.podCidrMinPrefixV6)}`,
    )
    .option(
      "--watch",
      `stay in the foreground: keep the conflist, the routes to other nodes' pod CIDRs and the egress masquerade current (needs --node-name)${env(INSTALL_ENV.watch)}`,
    )
    .option(
      "--resync-interval <seconds>",
      `seconds between two reconciles from the watched Nodes under --watch (a change reconciles at once) [default: 10]${env(INSTALL_ENV.resyncInterval)}`,
    )
    .option(
      "--api-server <url>",
      `reach the API at https://HOST[:PORT] (the control-plane endpoint) instead of the kubernetes Service; still with the service account's CA and token${env(INSTALL_ENV.apiServer)}`,
    )
    .option(
      "--health-address <ip:port>",
      `serve /healthz, /readyz and /metrics here under --watch, or off [default: 127.0.0.1:9802]${env(INSTALL_ENV.healthAddress)}`,
    )
    .option("--uninstall-on-exit", `on SIGTERM/SIGINT uninstall, as cni-ts uninstall does (with --watch)${env(INSTALL_ENV.uninstallOnExit)}`)
    .option("--from <executable>", "the cni-ts executable to install (default: this one)")
    .action(async (flags: InstallFlags) => {
      const settings = resolveInstallSettings(flags, process.env);
      await runInstall(settings, host);
    });

  const uninstallCommand = program
    .command("uninstall")
    .description(
      "undo cni-ts install: remove our routes, put back the files install replaced, and remove the executables, " +
        "addon and conflist it wrote while they are unchanged (anything changed since is left in place)",
    );
  locationOptions(uninstallCommand).action((flags: LocationFlags) => {
    const locations = resolveInstallLocations(flags, process.env);
    const sock = RtnlSocket.open();
    try {
      uninstall(locations, sock, plainLog);
    } finally {
      sock.close();
    }
  });

  // Run by `install` on the staged copy, so the addon written is the one that copy embeds.
  program
    .command("install-addon", { hidden: true })
    .argument("<dir>", "directory of the installed executables")
    .action((dir: string) => {
      if (host.ownExecutable() === undefined) throw new Error("not running as the built executable: no embedded addon");
      installAddonBeside(dir);
    });
}

function plainLog(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function runInstall(settings: InstallSettings, host: InstallHost): Promise<void> {
  const source = settings.from ?? host.ownExecutable();
  if (source === undefined) {
    throw new Error("not running as the built executable: run dist/bin/cni-ts install, or pass --from");
  }
  // The agent logs one JSON object per line; a one-shot install prints plain lines for a human.
  const log: Log = settings.watch ? jsonLog() : plainLog;
  const needsApi = settings.nodeName !== undefined && (settings.podCidrs.length === 0 || settings.watch);
  const endpoint = needsApi ? inClusterEndpoint(process.env, settings.apiServer) : undefined;
  // Under --watch the agent writes the conflist once its Node is known, retrying the API meanwhile.
  const node = settings.podCidrs.length > 0 || endpoint === undefined || settings.watch ? undefined : await waitForOwnNode(settings, endpoint, log);
  const podCidrs = node === undefined ? settings.podCidrs : ownPodCidrs(node);
  const sock = RtnlSocket.open();
  try {
    const facts = { host: readHostView(sock), internalIps: node?.internalIps ?? [] };
    const prepared = podCidrs.length > 0 ? await prepareNodeConflist(settings, podCidrs, facts) : undefined;
    // Plugins first: a runtime that sees the conflist must find every plugin it names.
    for (const file of installExecutables({ source, dir: settings.cniBinDir, names: host.names })) {
      log(`installed ${file.path} (cni-ts ${CNI_TS_VERSION})${file.kept ? "; kept the file it replaced for uninstall" : ""}`);
    }
    if (prepared !== undefined) {
      const written = writeNodeConflist(prepared);
      log(
        `${written.outcome === "written" ? "wrote" : "kept (unchanged)"} ${written.path} for ${written.podCidrs.join(", ")}` +
          `${written.portmap ? " with portmap" : ""}${written.mtu !== undefined ? `, MTU ${written.mtu}` : ""}`,
      );
      for (const name of configsSortingFirst(settings.cniConfDir, settings.conflistName)) {
        log(`warning: ${name} sorts before ${settings.conflistName} in ${settings.cniConfDir}: a runtime takes the first config, so it, not ours, is used`);
      }
    }
  } finally {
    sock.close();
  }
  if (settings.watch) await watchNodes(settings, endpoint!, log);
  else if (podCidrs.length > 0 && masqueradeMode(settings) === "node") programEgressOnce(settings, podCidrs, log);
}

/**
 * A one-shot install told the cluster's CIDRs programs the node-level
 * masquerade once (no agent keeps it current).
 *
 * @throws {KernelError} when the rules could not be put in place
 */
function programEgressOnce(settings: InstallSettings, podCidrs: readonly string[], log: (line: string) => void): void {
  const network = new NodeNetwork(settings, log);
  network.reconcile(podCidrs, []);
  const { masquerade } = network.conditions();
  if (!masquerade.ok) throw new KernelError(masquerade.message);
}

/**
 * This Node from the API, waiting while it has no pod CIDR assigned yet.
 *
 * @throws {IoFailureError} when the API cannot be read (the container restarts and tries again)
 */
async function waitForOwnNode(settings: InstallSettings, endpoint: ApiEndpoint, log: Log): Promise<NodeSummary> {
  for (;;) {
    try {
      const node = summarizeNode(await getNode(endpoint, settings.nodeName!));
      if (node === undefined) throw new IoFailureError(`the API's answer for node ${settings.nodeName} is not a Node`);
      ownPodCidrs(node);
      return node;
    } catch (err) {
      if (!(err instanceof TryAgainLaterError)) throw err;
      log(`${err.message}; asking again in ${settings.resyncSeconds} s`);
      await new Promise((resolve) => setTimeout(resolve, settings.resyncSeconds * 1000));
    }
  }
}
