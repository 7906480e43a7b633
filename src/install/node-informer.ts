/**
 * A cache of every Node's {@link NodeSummary}, kept current the way
 * client-go's reflector does: LIST in pages, then WATCH from the list's
 * resourceVersion with bookmarks; a watch that ends is resumed from the last
 * resourceVersion seen, an expired one (HTTP 410, or an ERROR event with
 * code 410) means LIST again, and every failure is retried after a jittered
 * exponential backoff. Nothing here ends the process; the caller learns of
 * changes and of the API's state through its hooks.
 *
 * @module
 */
import { ApiStatusError, getList, watchJsonLines, type ApiEndpoint } from "./kube-api.ts";
import { summarizeNode, type NodeSummary } from "./kube-nodes.ts";

/** What the informer reports to the agent. */
export interface InformerHooks {
  /** The cache changed in a way that matters to routes or the conflist (or was replaced by a LIST). */
  changed(): void;
  /** The API answered (`error` undefined) or failed. */
  apiState(error: Error | undefined): void;
  /** A request is about to be sent (metrics). */
  request(verb: "list" | "watch"): void;
}

/** Tunables; the defaults are client-go's. */
export interface InformerOptions {
  /** Items per LIST page; each Node is parsed on its own as it arrives, so this sets the number of requests, not the memory. */
  pageSize: number;
  /** A watch asks the server to end it after a random time in [min, 2·min) seconds. */
  minWatchSeconds: number;
  /** A watch with no line (event or bookmark) for this long is dropped and resumed. */
  watchIdleMs: number;
  /** First and largest retry delay. */
  backoffMs: { initial: number; max: number };
  /** A watch that lasted this long (or brought an event) was healthy: the backoff starts over. */
  healthyWatchMs: number;
  random: () => number;
}

const DEFAULT_INFORMER_OPTIONS: InformerOptions = {
  pageSize: 500,
  minWatchSeconds: 300,
  watchIdleMs: 120_000,
  backoffMs: { initial: 800, max: 30_000 },
  healthyWatchMs: 5_000,
  random: Math.random,
};

/** Kubernetes supports 5,000 Nodes per cluster; a list ten times longer is not a real answer. */
const MAX_NODES = 50_000;

/** The resourceVersion is too old: only a new LIST helps. */
class GoneError extends Error {}

function isGone(err: unknown): boolean {
  return err instanceof GoneError || (err instanceof ApiStatusError && err.status === 410);
}

/** A resourceVersion or continue token as we pass it back: opaque, but bounded. */
function opaque(value: unknown, max: number): string | undefined {
  return typeof value === "string" && value.length > 0 && value.length <= max ? value : undefined;
}

function sameRouting(a: NodeSummary | undefined, b: NodeSummary): boolean {
  return a !== undefined && a.podCidrs.join() === b.podCidrs.join() && a.internalIps.join() === b.internalIps.join();
}

/** Resolve after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** The Nodes of the cluster as the API last told us. */
export class NodeInformer {
  readonly #nodes = new Map<string, NodeSummary>();
  readonly #endpoint: ApiEndpoint;
  readonly #hooks: InformerHooks;
  readonly #options: InformerOptions;
  #synced = false;
  #failures = 0;
  #generation = 0;

  constructor(endpoint: ApiEndpoint, hooks: InformerHooks, options: Partial<InformerOptions> = {}) {
    this.#endpoint = endpoint;
    this.#hooks = hooks;
    this.#options = { ...DEFAULT_INFORMER_OPTIONS, ...options };
  }

  /** The cached Nodes by name (empty until the first LIST). */
  get nodes(): ReadonlyMap<string, NodeSummary> {
    return this.#nodes;
  }

  /** Whether a LIST has completed. */
  get synced(): boolean {
    return this.#synced;
  }

  /** Bumped whenever the cache changes in a way that matters to routes or the conflist: what was planned from an equal one still holds. */
  get generation(): number {
    return this.#generation;
  }

  #changed(): void {
    this.#generation++;
    this.#hooks.changed();
  }

  /**
   * LIST and WATCH until `signal` aborts; never rejects.
   *
   * @example await new NodeInformer(endpoint, hooks).run(shutdown.signal)
   */
  async run(signal: AbortSignal): Promise<void> {
    let rv: string | undefined;
    while (!signal.aborted) {
      const started = Date.now();
      let healthy = false;
      try {
        if (rv === undefined) {
          rv = await this.#list(signal);
          this.#ok();
        }
        const outcome = await this.#watch(rv, signal);
        rv = outcome.rv;
        healthy = outcome.events > 0 || Date.now() - started >= this.#options.healthyWatchMs;
        if (healthy) this.#failures = 0;
        else await sleep(this.#delay(), signal); // a server ending watches at once must not make us spin
      } catch (err) {
        if (signal.aborted) return;
        if (isGone(err)) rv = undefined;
        // A first 410 is routine (history compacted): re-list at once, as client-go does.
        // Repeated ones are a failure like any other: reported, and backed off.
        if (isGone(err) && this.#failures === 0) {
          this.#failures++;
          continue;
        }
        this.#hooks.apiState(err as Error);
        await sleep(this.#delay(), signal);
      }
    }
  }

  #ok(): void {
    this.#hooks.apiState(undefined);
  }

  #delay(): number {
    const { initial, max } = this.#options.backoffMs;
    const base = Math.min(max, initial * 2 ** Math.min(this.#failures, 30));
    this.#failures++;
    // Jitter spreads a whole cluster's agents apart after the API comes back.
    return base * (0.5 + this.#options.random() / 2);
  }

  /** LIST every page into a fresh map, then replace the cache; returns the list's resourceVersion. */
  async #list(signal: AbortSignal): Promise<string> {
    const fresh = new Map<string, NodeSummary>();
    let token: string | undefined;
    let rv: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(this.#options.pageSize) });
      if (token !== undefined) query.set("continue", token);
      this.#hooks.request("list");
      const page = (await getList(this.#endpoint, `/api/v1/nodes?${query.toString()}`, { signal }, (item) => {
        const summary = summarizeNode(item);
        if (summary !== undefined) fresh.set(summary.name, summary);
        if (fresh.size > MAX_NODES) throw new ApiStatusError(200, `LIST /api/v1/nodes: more than ${MAX_NODES} Nodes`);
      })) as { metadata?: { resourceVersion?: unknown; continue?: unknown }; items?: unknown } | null;
      if (!Array.isArray(page?.items)) throw new ApiStatusError(200, "LIST /api/v1/nodes: the answer is not a NodeList");
      rv = opaque(page.metadata?.resourceVersion, 64);
      token = opaque(page.metadata?.continue, 4096);
    } while (token !== undefined);
    if (rv === undefined) throw new ApiStatusError(200, "LIST /api/v1/nodes: the answer has no resourceVersion");
    this.#nodes.clear();
    for (const [name, summary] of fresh) this.#nodes.set(name, summary);
    this.#synced = true;
    this.#changed();
    return rv;
  }

  /** WATCH from `rv` until the server ends the stream; returns the last resourceVersion seen. */
  async #watch(from: string, signal: AbortSignal): Promise<{ rv: string; events: number }> {
    const seconds = Math.floor(this.#options.minWatchSeconds * (1 + this.#options.random()));
    const query = new URLSearchParams({ watch: "1", resourceVersion: from, allowWatchBookmarks: "true", timeoutSeconds: String(seconds) });
    let rv = from;
    let events = 0;
    this.#hooks.request("watch");
    await watchJsonLines(
      this.#endpoint,
      `/api/v1/nodes?${query.toString()}`,
      { signal, timeoutMs: this.#options.watchIdleMs, onOpen: () => this.#ok() },
      (line) => {
        const { type, object } = (typeof line === "object" && line !== null ? line : {}) as { type?: unknown; object?: unknown };
        if (type === "ERROR") {
          const status = (object ?? {}) as { code?: unknown; message?: unknown };
          const message = typeof status.message === "string" ? status.message.slice(0, 300) : "no message";
          if (status.code === 410) throw new GoneError(`watch expired: ${message}`);
          throw new ApiStatusError(typeof status.code === "number" ? status.code : 0, `WATCH /api/v1/nodes: ERROR event`, message);
        }
        const next = opaque((object as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion, 64);
        if (type === "BOOKMARK") {
          if (next !== undefined) rv = next;
          return;
        }
        const summary = summarizeNode(object);
        if (summary === undefined) return;
        if (next !== undefined) rv = next;
        events++;
        if (type === "DELETED") {
          if (this.#nodes.delete(summary.name)) this.#changed();
        } else if (type === "ADDED" || type === "MODIFIED") {
          const before = this.#nodes.get(summary.name);
          if (before === undefined && this.#nodes.size >= MAX_NODES) throw new ApiStatusError(200, `WATCH /api/v1/nodes: more than ${MAX_NODES} Nodes`);
          this.#nodes.set(summary.name, summary);
          if (!sameRouting(before, summary)) this.#changed();
        }
      },
    );
    return { rv, events };
  }
}
