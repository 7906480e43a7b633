/**
 * `cni-ts install`: the plugins into the CNI bin directory and, given the
 * node's pod CIDR(s), this node's conflist into the CNI config directory.
 * Every flag has an environment variable (see ./settings.ts) so a DaemonSet
 * can configure it without a command line.
 *
 * @module
 */
import { Option, type Command } from "commander";
import { CNI_TS_VERSION } from "../version.ts";
import { installExecutables } from "../cli/install.ts";
import { installAddonBeside } from "../native/sea-cache.ts";
import { PLUGIN_NAMES } from "../cli/pick-plugin.ts";
import { KernelError, TryAgainLaterError } from "../errors.ts";
import { getNode, inClusterEndpoint, type ApiEndpoint } from "./kube-api.ts";
import { masqueradeMode } from "./egress-plan.ts";
import { ownPodCidrs } from "./kube-nodes.ts";
import { prepareNodeConflist, writeNodeConflist } from "./node-conflist.ts";
import { NodeNetwork } from "./node-network.ts";
import { watchNodes } from "./watch.ts";
import { INSTALL_ENV, resolveInstallSettings, type InstallFlags, type InstallSettings } from "./settings.ts";

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Add the `install` command to the `cni-ts` program.
 *
 * @param program the root command
 * @param ownExecutable the running single executable, when it is one
 * @example registerInstallCommand(program, process.execPath);
 */
export function registerInstallCommand(program: Command, ownExecutable: () => string | undefined): void {
  const env = (name: string) => ` (env ${name})`;
  program
    .command("install")
    .description(
      "install the plugins into a CNI bin directory (one file, hard-linked per plugin) and, " +
        "given the node's pod CIDR(s), write the node's conflist (bridge + host-local) into the CNI config directory",
    )
    .option("--cni-bin-dir <dir>", `CNI bin directory [default: /opt/cni/bin]${env(INSTALL_ENV.cniBinDir)}`)
    .addOption(new Option("-d, --dir <dir>", "same as --cni-bin-dir").hideHelp())
    .option("--cni-conf-dir <dir>", `CNI config directory [default: /etc/cni/net.d]${env(INSTALL_ENV.cniConfDir)}`)
    .option("--conflist-name <file>", `conflist file name [default: 10-cni-ts.conflist]${env(INSTALL_ENV.conflistName)}`)
    .option(
      "--pod-cidr <cidr>",
      `the node's pod CIDR; repeat (or comma-separate) for dual stack${env(INSTALL_ENV.podCidrs + ", comma-separated")}`,
      collect,
    )
    .option("--node-name <name>", `read the pod CIDR(s) of this Node from the Kubernetes API${env(INSTALL_ENV.nodeName)}`)
    .option("--bridge <name>", `bridge the pods attach to [default: cni-ts0]${env(INSTALL_ENV.bridge)}`)
    .option("--network-name <name>", `CNI network name [default: cni-ts]${env(INSTALL_ENV.networkName)}`)
    .option(
      "--portmap <mode>",
      `chain portmap: on, off, or auto = when <cni-bin-dir>/portmap exists [default: auto]${env(INSTALL_ENV.portmap)}`,
    )
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
    .option("--masq-backend <backend>", `node-level masquerade in auto, nftables or iptables [default: auto = nftables when the kernel has it]${env(INSTALL_ENV.masqBackend)}`)
    .option("--mtu <bytes>", `pod interface MTU [default: the kernel's]${env(INSTALL_ENV.mtu)}`)
    .option("--watch", `stay in the foreground: keep the conflist, the routes to other nodes' pod CIDRs and the egress masquerade current (needs --node-name)${env(INSTALL_ENV.watch)}`)
    .option("--resync-interval <seconds>", `seconds between two reads of the Nodes under --watch [default: 10]${env(INSTALL_ENV.resyncInterval)}`)
    .option("--uninstall-on-exit", `on SIGTERM/SIGINT remove the routes, masquerade rules, conflist, plugins and addon installed (with --watch)${env(INSTALL_ENV.uninstallOnExit)}`)
    .option("--from <executable>", "the cni-ts executable to install (default: this one)")
    .action(async (flags: InstallFlags) => {
      const settings = resolveInstallSettings(flags, process.env);
      await runInstall(settings, ownExecutable);
    });

  // Run by `install` on the staged copy, so the addon written is the one that copy embeds.
  program
    .command("install-addon", { hidden: true })
    .argument("<dir>", "directory of the installed executables")
    .action((dir: string) => {
      if (ownExecutable() === undefined) throw new Error("not running as the built executable: no embedded addon");
      installAddonBeside(dir);
    });
}

async function runInstall(settings: InstallSettings, ownExecutable: () => string | undefined): Promise<void> {
  const source = settings.from ?? ownExecutable();
  if (source === undefined) {
    throw new Error("not running as the built executable: run dist/bin/cni-ts install, or pass --from");
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const needsApi = settings.nodeName !== undefined && (settings.podCidrs.length === 0 || settings.watch);
  const endpoint = needsApi ? inClusterEndpoint(process.env) : undefined;
  const podCidrs =
    settings.podCidrs.length > 0 || endpoint === undefined ? settings.podCidrs : await waitForPodCidrs(settings, endpoint, log);
  const prepared = podCidrs.length > 0 ? prepareNodeConflist(settings, podCidrs) : undefined;
  // Plugins first: a runtime that sees the conflist must find every plugin it names.
  const installed = installExecutables({ source, dir: settings.cniBinDir, names: PLUGIN_NAMES });
  for (const file of installed) log(`installed ${file.path} (cni-ts ${CNI_TS_VERSION})`);
  if (prepared !== undefined) {
    const written = writeNodeConflist(prepared);
    log(
      `${written.outcome === "written" ? "wrote" : "kept (unchanged)"} ${written.path} for ${written.podCidrs.join(", ")}` +
        `${written.portmap ? " with portmap" : ""}`,
    );
  }
  if (settings.watch) await watchNodes(settings, endpoint!, { executables: installed }, log);
  else if (prepared !== undefined && masqueradeMode(settings) === "node") programEgressOnce(settings, prepared.podCidrs, log);
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
 * This Node's pod CIDRs from the API, waiting while none is assigned yet.
 *
 * @throws {IoFailureError} when the API cannot be read (the container restarts and tries again)
 */
async function waitForPodCidrs(settings: InstallSettings, endpoint: ApiEndpoint, log: (line: string) => void): Promise<string[]> {
  for (;;) {
    try {
      return ownPodCidrs(await getNode(endpoint, settings.nodeName!));
    } catch (err) {
      if (!(err instanceof TryAgainLaterError)) throw err;
      log(`${err.message}; asking again in ${settings.resyncSeconds} s`);
      await new Promise((resolve) => setTimeout(resolve, settings.resyncSeconds * 1000));
    }
  }
}
