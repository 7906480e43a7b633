/**
 * `cni-ts install --watch`: the node agent. A {@link NodeInformer} keeps a
 * slim cache of every Node; a reconcile runs with that cache shortly after
 * it changes and again every resync interval (a safety net against routes
 * removed behind our back), keeping this node's conflist and its routes to
 * the other nodes' pods current. API failures never end it: they show in
 * readiness until the API answers again. On SIGTERM/SIGINT the in-flight
 * requests are aborted and the agent stops, removing what it installed
 * only when asked (`--uninstall-on-exit`): a DaemonSet being upgraded must
 * leave the node's pods working.
 *
 * @module
 */
import { readdirSync, unlinkSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { CniError, TryAgainLaterError } from "../errors.ts";
import { RtnlSocket } from "../netlink/socket.ts";
import { closeApiConnections, type ApiEndpoint } from "./kube-api.ts";
import { ownPodCidrs, peerRoutes, type NodeSummary } from "./kube-nodes.ts";
import { NodeInformer, type InformerHooks } from "./node-informer.ts";
import { prepareNodeConflist, writeNodeConflist } from "./node-conflist.ts";
import { ownedRoutes, reconcilePeerRoutes, removeOwnedRoutes } from "./peer-routes.ts";
import type { InstallSettings } from "./settings.ts";
import { Metrics, Readiness, serveHealth, type Log } from "./telemetry.ts";

export type { Log } from "./telemetry.ts";

/** What was installed, so that an uninstall removes exactly that. */
export interface Installed {
  /** Plugin paths and the inode each had when installed. */
  executables: { path: string; inode: number }[];
}

/** A burst of events (a LIST, a rollout) settles into one reconcile after this long. */
const DEBOUNCE_MS = 200;

/** The agent's counters and gauges (names as served, without the `cni_ts_agent_` prefix). */
function agentMetrics(metrics: Metrics, lastSync: () => number) {
  return {
    reconciles: metrics.counter("reconciles_total", "Reconciles run (after a change in the Nodes, or on resync)."),
    reconcileErrors: metrics.counter("reconcile_errors_total", "Reconciles that failed."),
    apiRequests: metrics.counter("api_requests_total", "LIST and WATCH requests sent to the API server."),
    apiErrors: metrics.counter("api_errors_total", "API requests that failed (connection, TLS, HTTP status, expired watch)."),
    watchRestarts: metrics.counter("watch_restarts_total", "Watches started again after the first."),
    routesInstalled: metrics.gauge("routes_installed", "Routes to other nodes' pod CIDRs this agent has in the kernel."),
    nodes: metrics.gauge("nodes", "Nodes in the cache."),
    resident: metrics.gauge("resident_memory_bytes", "Resident memory of the agent.", () => process.memoryUsage.rss()),
    heap: metrics.gauge("heap_bytes", "V8 heap in use (summaries of the Nodes included).", () => process.memoryUsage().heapUsed),
    sinceSync: metrics.gauge("seconds_since_last_sync", "Seconds since the last successful reconcile (since start before the first).", () =>
      Math.round((Date.now() - lastSync()) / 100) / 10,
    ),
  };
}

function describe(err: Error): string {
  return err instanceof CniError && err.details ? `${err.message} (${err.details})` : err.message;
}

/** What a reconcile works with. */
export interface Agent {
  settings: InstallSettings;
  sock: RtnlSocket;
  log: Log;
  readiness: Readiness;
  metrics: ReturnType<typeof agentMetrics>;
  /** Problems already logged: each is reported once, until it goes away. */
  reported: Set<string>;
}

/**
 * One reconcile from the cached Nodes: this node's conflist from its pod
 * CIDRs, then the routes to the others. Sets the `conflist` and `routes`
 * readiness conditions.
 *
 * @throws {TryAgainLaterError} when this node is not in the cache or has no pod CIDR yet
 * @throws {SyscallError} when the routes cannot be read or changed
 */
export function reconcile(agent: Agent, nodes: ReadonlyMap<string, NodeSummary>): void {
  const { settings, sock, log, readiness } = agent;
  const self = settings.nodeName!;
  const own = nodes.get(self);
  if (own === undefined) throw new TryAgainLaterError(`node ${self} is not in the node list`);
  const podCidrs = settings.podCidrs.length > 0 ? settings.podCidrs : ownPodCidrs(own);
  const written = writeNodeConflist(prepareNodeConflist(settings, podCidrs));
  if (written.outcome === "written") log(`wrote ${written.path} for ${written.podCidrs.join(", ")}`, { event: "conflist-written", path: written.path });
  readiness.set("conflist", true);

  const changes = reconcilePeerRoutes(sock, peerRoutes(nodes.values(), self));
  for (const r of changes.added) log(`route ${r.dst} via ${r.via} (node ${r.node}) added`, { event: "route-added", dst: r.dst, via: r.via, node: r.node });
  for (const r of changes.removed) log(`route ${r.dst} via ${r.via ?? "-"} removed`, { event: "route-removed", dst: r.dst, via: r.via });
  const problems = [
    ...changes.conflicts.map((r) => `route ${r.dst} via ${r.via} (node ${r.node}) not added: another route to ${r.dst} exists`),
    ...changes.failed.map(({ route: r, reason }) => `route ${r.dst} via ${r.via} (node ${r.node}) not added: ${reason}`),
  ];
  for (const line of problems) if (!agent.reported.has(line)) log(line, { event: "route-refused", level: "warn" });
  agent.reported.clear();
  for (const line of problems) agent.reported.add(line);
  agent.metrics.routesInstalled.set(ownedRoutes(sock).length);
  // A refused route is the plan's verdict on a peer (logged above), not a node out of sync.
  readiness.set("routes", true, problems.length > 0 ? `${problems.length} route(s) refused` : "");
}

/** Reconcile, turning a failure into a log line (once per message), a metric and the `reconcile` condition. */
function reconcileReporting(agent: Agent, nodes: ReadonlyMap<string, NodeSummary>): boolean {
  agent.metrics.reconciles.inc();
  try {
    reconcile(agent, nodes);
    agent.readiness.set("reconcile", true);
    return true;
  } catch (err) {
    agent.metrics.reconcileErrors.inc();
    const message = (err as Error).message;
    if (!agent.reported.has(message)) agent.log(`reconcile failed (retrying): ${message}`, { event: "reconcile-failed", level: "warn" });
    agent.reported.add(message);
    agent.readiness.set("reconcile", false, message);
    return false;
  }
}

/** The informer's hooks: readiness, metrics and log lines for the API's state, `schedule` on a change. */
function informerHooks(agent: Agent, schedule: () => void): InformerHooks {
  let watches = 0;
  let reported: string | undefined;
  return {
    changed: schedule,
    apiState: (error) => {
      const message = error === undefined ? undefined : describe(error);
      agent.readiness.set("api", message === undefined, message ?? "");
      if (message !== undefined) agent.metrics.apiErrors.inc();
      // Once per distinct error, not on every retry.
      if (message !== undefined && message !== reported) agent.log(`API: ${message}; retrying`, { event: "api-error", level: "warn" });
      else if (message === undefined && reported !== undefined) agent.log("API: answering again", { event: "api-recovered" });
      reported = message;
    },
    request: (verb) => {
      agent.metrics.apiRequests.inc();
      if (verb === "watch" && watches++ > 0) agent.metrics.watchRestarts.inc();
    },
  };
}

/**
 * Run the agent until SIGTERM or SIGINT, then uninstall if asked.
 *
 * @returns when a signal arrived and the exit work is done
 * @throws {Error} when the health address cannot be bound
 */
export async function watchNodes(settings: InstallSettings, endpoint: ApiEndpoint, installed: Installed, log: Log): Promise<void> {
  let lastSync = Date.now();
  const registry = new Metrics();
  const readiness = new Readiness();
  for (const name of ["api", "conflist", "routes"]) readiness.set(name, false, "not synced yet");
  const shutdown = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => shutdown.abort(signal);
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, onSignal);
  const sock = RtnlSocket.open();
  const agent: Agent = { settings, sock, log, readiness, metrics: agentMetrics(registry, () => lastSync), reported: new Set() };
  let health: Awaited<ReturnType<typeof serveHealth>> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let resync: NodeJS.Timeout | undefined;
  try {
    if (settings.healthAddress !== undefined) {
      health = await serveHealth(settings.healthAddress, readiness, registry);
      const where = `${settings.healthAddress.host}:${health.port}`;
      log(`serving /healthz, /readyz and /metrics on ${where}`, { event: "health-listening", address: where });
    }
    // Events within DEBOUNCE_MS of each other make one reconcile; the resync makes one more now and then.
    const schedule = (delay: number) => () => void (timer ??= setTimeout(run, delay));
    const informer = new NodeInformer(endpoint, informerHooks(agent, schedule(DEBOUNCE_MS)));
    const run = () => {
      timer = undefined;
      agent.metrics.nodes.set(informer.nodes.size);
      if (informer.synced && reconcileReporting(agent, informer.nodes)) lastSync = Date.now();
    };
    resync = setInterval(schedule(0), settings.resyncSeconds * 1000);
    await informer.run(shutdown.signal);
    log(`${String(shutdown.signal.reason)}: stopping`, { event: "stop", signal: String(shutdown.signal.reason) });
    if (settings.uninstallOnExit) uninstall(settings, installed, sock, log);
  } finally {
    clearTimeout(timer);
    clearInterval(resync);
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.off(signal, onSignal);
    health?.server.closeAllConnections();
    health?.server.close();
    closeApiConnections();
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
