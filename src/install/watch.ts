/**
 * `cni-ts install --watch`: stay in the foreground, re-list the Nodes every
 * resync interval, keep this node's conflist (its pod CIDRs) and its routes
 * to the other nodes' pods current; on SIGTERM/SIGINT stop, and remove what
 * was installed only when asked (`--uninstall-on-exit`): a DaemonSet being
 * upgraded must leave the node's pods working.
 *
 * @module
 */
import { readdirSync, unlinkSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { RtnlSocket } from "../netlink/socket.ts";
import type { ApiEndpoint } from "./kube-api.ts";
import { listNodes } from "./kube-api.ts";
import { nodeName, ownPodCidrs, peerRoutes } from "./kube-nodes.ts";
import { prepareNodeConflist, writeNodeConflist } from "./node-conflist.ts";
import { reconcilePeerRoutes, removeOwnedRoutes } from "./peer-routes.ts";
import type { InstallSettings } from "./settings.ts";

/** What was installed, so that an uninstall removes exactly that. */
export interface Installed {
  /** Plugin paths and the inode each had when installed. */
  executables: { path: string; inode: number }[];
}

/** One line of the installer's log (stdout: the container's log). */
export type Log = (line: string) => void;

/**
 * One resync: this node's conflist from its pod CIDRs, routes to the others.
 * `reported` carries the problems already logged from one resync to the next.
 *
 * @throws {IoFailureError} when the API cannot be read
 * @throws {TryAgainLaterError} when this node has no pod CIDR yet
 */
async function resyncOnce(
  settings: InstallSettings,
  endpoint: ApiEndpoint,
  sock: RtnlSocket,
  log: Log,
  reported: Set<string> = new Set(),
): Promise<void> {
  const self = settings.nodeName!;
  const list = await listNodes(endpoint);
  const items = (list as { items?: unknown[] }).items;
  const own = Array.isArray(items) ? items.find((item) => nodeName(item) === self) : undefined;
  if (own === undefined) throw new Error(`node ${self} is not in the node list`);
  const podCidrs = settings.podCidrs.length > 0 ? settings.podCidrs : ownPodCidrs(own);
  const written = writeNodeConflist(prepareNodeConflist(settings, podCidrs));
  if (written.outcome === "written") log(`wrote ${written.path} for ${written.podCidrs.join(", ")}`);
  const changes = reconcilePeerRoutes(sock, peerRoutes(list, self));
  for (const r of changes.added) log(`route ${r.dst} via ${r.via} (node ${r.node}) added`);
  for (const r of changes.removed) log(`route ${r.dst} via ${r.via ?? "-"} removed`);
  // A route that cannot be added is reported once, not on every resync, until it changes.
  const problems = [
    ...changes.conflicts.map((r) => `route ${r.dst} via ${r.via} (node ${r.node}) not added: another route to ${r.dst} exists`),
    ...changes.failed.map(({ route: r, reason }) => `route ${r.dst} via ${r.via} (node ${r.node}) not added: ${reason}`),
  ];
  for (const line of problems) if (!reported.has(line)) log(line);
  reported.clear();
  for (const line of problems) reported.add(line);
}

/**
 * Resync until SIGTERM or SIGINT, then uninstall if asked.
 *
 * @returns when a signal arrived and the exit work is done
 */
export async function watchNodes(settings: InstallSettings, endpoint: ApiEndpoint, installed: Installed, log: Log): Promise<void> {
  const sock = RtnlSocket.open();
  let stop: () => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    stop = () => resolve("stop");
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => resolve(signal));
  });
  let signal: string | undefined;
  const reported = new Set<string>();
  try {
    while (signal === undefined) {
      try {
        await resyncOnce(settings, endpoint, sock, log, reported);
      } catch (err) {
        log(`resync failed (retrying in ${settings.resyncSeconds} s): ${(err as Error).message}`);
      }
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), settings.resyncSeconds * 1000)));
      signal = await Promise.race([stopped, tick]);
      clearTimeout(timer);
    }
    log(`${signal}: stopping`);
    if (settings.uninstallOnExit) uninstall(settings, installed, sock, log);
  } finally {
    stop();
    sock.close();
  }
}

/** Remove our routes, the conflist, the plugins we installed (when still ours) and the addon beside them. */
function uninstall(settings: InstallSettings, installed: Installed, sock: RtnlSocket, log: Log): void {
  log(`removed ${removeOwnedRoutes(sock)} route(s)`);
  removeIf(join(settings.cniConfDir, settings.conflistName), () => true, log);
  for (const file of installed.executables) removeIf(file.path, (ino) => ino === file.inode, log);
  for (const name of readdirSync(settings.cniBinDir)) {
    if (/^cni_ts_native-[0-9a-f]{16}\.node$/.test(name)) removeIf(join(settings.cniBinDir, name), () => true, log);
  }
}

function removeIf(path: string, ours: (inode: number) => boolean, log: Log): void {
  try {
    const stat = lstatSync(path);
    if (!stat.isFile() || !ours(stat.ino)) return;
    unlinkSync(path);
    log(`removed ${path}`);
  } catch {
    // already gone
  }
}
