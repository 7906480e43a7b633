/**
 * `cni-ts install --watch`: the node agent. A {@link NodeInformer} keeps a
 * slim cache of every Node; a reconcile runs with that cache shortly after
 * it changes and again every resync interval (a safety net against routes
 * or rules removed behind our back), keeping this node's conflist, its
 * routes to the other nodes' pods and its egress masquerade
 * (./node-network.ts) current. API failures never end it: they show in
 * readiness until the API answers again. On SIGTERM/SIGINT the in-flight
 * requests are aborted and the agent stops, removing what it installed
 * only when asked (`--uninstall-on-exit`): a DaemonSet being upgraded must
 * leave the node's pods working.
 *
 * @module
 */
import { CniError, TryAgainLaterError } from "../errors.ts";
import { listRoutes } from "../netlink/route.ts";
import { RtnlSocket } from "../netlink/socket.ts";
import { readHostView } from "./host-view.ts";
import { closeApiConnections, type ApiEndpoint } from "./kube-api.ts";
import { ownPodCidrs, type NodeSummary } from "./kube-nodes.ts";
import { NodeInformer, type InformerHooks } from "./node-informer.ts";
import { NodeNetwork } from "./node-network.ts";
import { prepareNodeConflist, writeNodeConflist } from "./node-conflist.ts";
import { reconcilePeerRoutes } from "./peer-routes.ts";
import { planPeerRoutes, type RoutePlan } from "./route-plan.ts";
import type { InstallSettings } from "./settings.ts";
import { Metrics, Readiness, serveHealth, type Log } from "./telemetry.ts";
import { uninstall } from "./uninstall.ts";

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
    sinceSync: metrics.gauge(
      "seconds_since_last_sync",
      "Seconds since the last successful reconcile (since start before the first).",
      () => Math.round((Date.now() - lastSync()) / 100) / 10,
    ),
  };
}

function describe(err: Error): string {
  return err instanceof CniError && err.details ? `${err.message} (${err.details})` : err.message;
}

/** What a reconcile works with. */
interface Agent {
  settings: InstallSettings;
  sock: RtnlSocket;
  log: Log;
  readiness: Readiness;
  metrics: ReturnType<typeof agentMetrics>;
  /** Problems already logged: each is reported once, until it goes away. */
  reported: Set<string>;
  /** The egress masquerade and the sysctls the bridge needs. */
  network: NodeNetwork;
  /** The last route plan and what it was made from (see reconcile). */
  planned?: { from: string; plan: RoutePlan };
}

/** The informer's cache as a reconcile reads it. */
interface NodeCache {
  nodes: ReadonlyMap<string, NodeSummary>;
  /** NodeInformer.generation: equal generations hold equal routing claims. */
  generation: number;
}

/**
 * One reconcile from the cached Nodes: this node's conflist from its pod
 * CIDRs and the uplink's MTU, then the routes to the others that the route
 * plan allows. Sets the `conflist` and `routes` readiness conditions.
 *
 * @throws {TryAgainLaterError} when this node is not in the cache or has no pod CIDR yet
 * @throws {InvalidConfigError} when this node's pod CIDRs are refused
 * @throws {SyscallError} when the routes cannot be read or changed
 */
async function reconcile(agent: Agent, { nodes, generation }: NodeCache): Promise<void> {
  const { settings, sock, log, readiness } = agent;
  const self = settings.nodeName!;
  const own = nodes.get(self);
  if (own === undefined) throw new TryAgainLaterError(`node ${self} is not in the node list`);
  const podCidrs = settings.podCidrs.length > 0 ? settings.podCidrs : ownPodCidrs(own);
  // One dump of the main table serves the host view and our routes: at 5,000 Nodes each dump parses ~20 MB.
  const table = listRoutes(sock);
  const host = readHostView(sock, table);
  const written = writeNodeConflist(await prepareNodeConflist(settings, podCidrs, { host, internalIps: own.internalIps }));
  if (written.outcome === "written") {
    const mtu = written.mtu !== undefined ? `, MTU ${written.mtu}` : "";
    log(`wrote ${written.path} for ${written.podCidrs.join(", ")}${mtu}`, { event: "conflist-written", path: written.path, mtu: written.mtu });
  }
  readiness.set("conflist", true);

  // A resync with nothing changed reuses the plan: at 5,000 Nodes planning allocates ~25 MB, and what it holds
  // meanwhile is promoted to V8's old generation, resident until a full collection. The kernel is still checked.
  const from = JSON.stringify([generation, written.podCidrs, host]);
  if (agent.planned?.from !== from) {
    agent.planned = { from, plan: planPeerRoutes(self, written.podCidrs, [...nodes.values()], { host, bridge: settings.bridge, floors: settings.floors }) };
  }
  const { plan } = agent.planned;
  const changes = reconcilePeerRoutes(sock, plan.routes, table);
  for (const r of changes.added) log(`route ${r.dst} via ${r.via} (node ${r.node}) added`, { event: "route-added", dst: r.dst, via: r.via, node: r.node });
  for (const r of changes.removed) log(`route ${r.dst} via ${r.via ?? "-"} removed`, { event: "route-removed", dst: r.dst, via: r.via });
  const problems = [
    ...plan.refused.map((r) => `no route to ${r.dst} (node ${r.node}): ${r.reason}`),
    ...changes.conflicts.map((r) => `route ${r.dst} via ${r.via} (node ${r.node}) not added: another route to ${r.dst} exists`),
    ...changes.failed.map(({ route: r, reason }) => `route ${r.dst} via ${r.via} (node ${r.node}) not added: ${reason}`),
  ];
  for (const line of problems) if (!agent.reported.has(line)) log(line, { event: "route-refused", level: "warn" });
  agent.reported.clear();
  for (const line of problems) agent.reported.add(line);
  agent.metrics.routesInstalled.set(changes.installed);
  // A refused route is the plan's verdict on a peer (logged above), not a node out of sync.
  readiness.set("routes", true, problems.length > 0 ? `${problems.length} route(s) refused` : "");

  agent.network.reconcile(
    podCidrs,
    [...nodes.values()].map((n) => n.podCidrs),
    generation,
  );
  for (const [name, condition] of Object.entries(agent.network.conditions())) readiness.set(name, condition.ok, condition.message);
}

/** Reconcile, turning a failure into a log line (once per message), a metric and the `reconcile` condition. */
async function reconcileReporting(agent: Agent, cache: NodeCache): Promise<boolean> {
  agent.metrics.reconciles.inc();
  try {
    await reconcile(agent, cache);
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
export async function watchNodes(settings: InstallSettings, endpoint: ApiEndpoint, log: Log): Promise<void> {
  let lastSync = Date.now();
  const registry = new Metrics();
  const readiness = new Readiness();
  for (const name of ["api", "conflist", "routes", "masquerade", "sysctls"]) readiness.set(name, false, "not synced yet");
  const shutdown = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => shutdown.abort(signal);
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, onSignal);
  const sock = RtnlSocket.open();
  const agent: Agent = {
    settings,
    sock,
    log,
    readiness,
    metrics: agentMetrics(registry, () => lastSync),
    reported: new Set(),
    network: new NodeNetwork(settings, log),
  };
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
    // One reconcile at a time: a change during one makes one more after it.
    let running: Promise<void> | undefined;
    let again = false;
    const run = () => {
      timer = undefined;
      if (running) {
        again = true;
        return;
      }
      agent.metrics.nodes.set(informer.nodes.size);
      if (!informer.synced) return;
      running = reconcileReporting(agent, { nodes: informer.nodes, generation: informer.generation }).then((ok) => {
        if (ok) lastSync = Date.now();
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
    };
    resync = setInterval(schedule(0), settings.resyncSeconds * 1000);
    await informer.run(shutdown.signal);
    log(`${String(shutdown.signal.reason)}: stopping`, { event: "stop", signal: String(shutdown.signal.reason) });
    await running;
    if (settings.uninstallOnExit) uninstall(settings, sock, log);
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
