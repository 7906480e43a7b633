/**
 * A stand-in for the Kubernetes API server's Node endpoints that behaves
 * like the real one where the agent depends on it: real TLS, the bearer
 * token checked on every request (401 Status otherwise), every change
 * numbered by a resourceVersion, paginated LISTs (`limit`/`continue`,
 * served from a consistent snapshot) whose continue token expires on
 * compaction (410), WATCH streams of JSON lines from a resourceVersion with
 * BOOKMARKs, a too-old resourceVersion answered with an ERROR event of code
 * 410 (or an HTTP 410), and two failure modes: `error` (every request gets a
 * 500 Status) and `silent` (requests are accepted and never answered).
 *
 * In-process: `new FakeApiServer({...})`. As its own process (so a test can
 * start it inside a throwaway network namespace):
 *
 *   node test/helpers/fake-apiserver.ts DIR [HOST]
 *
 * with the certificate in `DIR/cert.pem` + `key.pem`, the token in
 * `DIR/token` and the Nodes in `DIR/nodes.json` (a NodeList). It prints the
 * port, appends each request to `DIR/requests.log` (re-reading nodes.json
 * when it changed, so a test can change the cluster), and takes one command
 * per line on stdin (`reload` re-reads nodes.json, `mode ok|error|silent`,
 * `compact`, `gone`, `end-watches`, `gone-style event|http`), answering
 * `done` to each.
 */
import { appendFileSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { Socket } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

export type NodeObject = { metadata: { name: string; resourceVersion?: string } & Record<string, unknown> } & Record<string, unknown>;
type EventType = "ADDED" | "MODIFIED" | "DELETED";

export type FakeApiMode = "ok" | "error" | "silent";

export interface FakeApiOptions {
  cert: Buffer | string;
  key: Buffer | string;
  token: string;
  /** Every request as `METHOD URL token-ok|token-bad`. */
  onRequest?: (line: string) => void;
  /** How often an open watch with bookmarks gets one. */
  bookmarkMs?: number;
  /** Events kept for watches to resume from; older resourceVersions get 410. */
  historyLimit?: number;
}

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
}

interface Watcher {
  res: ServerResponse;
  timers: NodeJS.Timeout[];
}

export class FakeApiServer {
  readonly #options: Required<Omit<FakeApiOptions, "onRequest">> & Pick<FakeApiOptions, "onRequest">;
  readonly #server: Server;
  readonly #nodes = new Map<string, NodeObject>();
  #rv = 1;
  /** A watch may resume from any resourceVersion >= this. */
  #oldestRv = 1;
  #history: { rv: number; type: EventType; object: NodeObject }[] = [];
  readonly #snapshots = new Map<number, NodeObject[]>();
  readonly #watchers = new Set<Watcher>();
  readonly #sockets = new Set<Socket>();
  mode: FakeApiMode = "ok";
  /** How a too-old resourceVersion is refused on WATCH: as the watch cache does (an ERROR event) or as an HTTP 410. */
  goneStyle: "event" | "http" = "event";
  /** Requests served, by verb, and bookmarks sent. */
  readonly counts = { list: 0, watch: 0, get: 0, bookmarks: 0 };

  constructor(options: FakeApiOptions) {
    this.#options = { bookmarkMs: 1000, historyLimit: 10_000, ...options };
    this.#server = createServer({ cert: options.cert, key: options.key }, (req, res) => this.#handle(req, res));
    this.#server.on("secureConnection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  /** Listen on `host` (loopback by default) and return the port. */
  listen(host = "127.0.0.1", port = 0): Promise<number> {
    return new Promise((resolve) => {
      this.#server.listen(port, host, () => {
        const address = this.#server.address();
        resolve(typeof address === "object" && address ? address.port : 0);
      });
    });
  }

  /** Stop: every open watch and connection ends. */
  close(): Promise<void> {
    this.endWatches();
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** The current resourceVersion. */
  get resourceVersion(): number {
    return this.#rv;
  }

  /** Make the cluster's Nodes exactly `items`: ADDED, MODIFIED and DELETED events for the difference. */
  setNodes(items: readonly NodeObject[]): void {
    const wanted = new Map(items.map((n) => [n.metadata.name, n]));
    for (const name of [...this.#nodes.keys()]) if (!wanted.has(name)) this.remove(name);
    for (const node of wanted.values()) this.upsert(node);
  }

  /** Add or change a Node (no event when nothing but its resourceVersion would change). */
  upsert(node: NodeObject): void {
    const before = this.#nodes.get(node.metadata.name);
    const strip = (n: NodeObject) => JSON.stringify({ ...n, metadata: { ...n.metadata, resourceVersion: undefined } });
    if (before !== undefined && strip(before) === strip(node)) return;
    const rv = ++this.#rv;
    const stored = { ...node, metadata: { ...node.metadata, resourceVersion: String(rv) } };
    this.#nodes.set(node.metadata.name, stored);
    this.#record(rv, before === undefined ? "ADDED" : "MODIFIED", stored);
  }

  /** Delete a Node. */
  remove(name: string): void {
    const before = this.#nodes.get(name);
    if (before === undefined) return;
    this.#nodes.delete(name);
    const rv = ++this.#rv;
    this.#record(rv, "DELETED", { ...before, metadata: { ...before.metadata, resourceVersion: String(rv) } });
  }

  /** Writes to other kinds move etcd's revision without a Node event: only bookmarks tell a watcher. */
  advance(): void {
    this.#rv++;
  }

  /** Compaction: every resourceVersion seen so far, and every continue token, is too old from now on. */
  compact(): void {
    this.#history = [];
    this.#oldestRv = this.#rv;
    this.#snapshots.clear();
  }

  /** Each open watch gets an ERROR event with code 410 (its resourceVersion expired) and ends. */
  sendGone(): void {
    for (const w of this.#watchers) {
      this.#write(w, { type: "ERROR", object: JSON.parse(status(410, "Expired", "too old resource version")) });
      this.#end(w);
    }
  }

  /** Write `text` as it is into every open watch stream (a broken or hostile server). */
  sendRaw(text: string): void {
    for (const w of this.#watchers) w.res.write(text);
  }

  /** End every open watch normally (as at its timeoutSeconds). */
  endWatches(): void {
    for (const w of [...this.#watchers]) this.#end(w);
  }

  #record(rv: number, type: EventType, object: NodeObject): void {
    this.#history.push({ rv, type, object });
    if (this.#history.length > this.#options.historyLimit) this.#oldestRv = this.#history.shift()!.rv;
    for (const w of this.#watchers) this.#write(w, { type, object });
  }

  #write(w: Watcher, event: unknown): void {
    w.res.write(`${JSON.stringify(event)}\n`);
  }

  #end(w: Watcher): void {
    for (const t of w.timers) clearTimeout(t);
    this.#watchers.delete(w);
    w.res.end();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const tokenOk = req.headers.authorization === `Bearer ${this.#options.token}`;
    this.#options.onRequest?.(`${req.method} ${req.url} ${tokenOk ? "token-ok" : "token-bad"}`);
    if (this.mode === "silent") return; // the socket stays open, unanswered, until the client gives up
    res.setHeader("Content-Type", "application/json");
    if (!tokenOk) {
      res.writeHead(401).end(status(401, "Unauthorized", "Unauthorized"));
      return;
    }
    if (this.mode === "error") {
      res.writeHead(500).end(status(500, "InternalError", "etcdserver: request timed out"));
      return;
    }
    const url = new URL(req.url ?? "/", "https://fake");
    const one = /^\/api\/v1\/nodes\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && url.pathname === "/api/v1/nodes") {
      const q = url.searchParams;
      if (q.get("watch") === "1" || q.get("watch") === "true") this.#watch(q, res);
      else this.#list(q, res);
      return;
    }
    const node = one ? this.#nodes.get(decodeURIComponent(one[1]!)) : undefined;
    if (req.method === "GET" && node) {
      this.counts.get++;
      res.writeHead(200).end(JSON.stringify({ kind: "Node", apiVersion: "v1", ...node }));
      return;
    }
    res.writeHead(404).end(status(404, "NotFound", `nodes "${one?.[1] ?? url.pathname}" not found`));
  }

  #list(q: URLSearchParams, res: ServerResponse): void {
    this.counts.list++;
    const limit = Number(q.get("limit") ?? "0");
    let listRv = this.#rv;
    let start = 0;
    let items: NodeObject[];
    const token = q.get("continue");
    if (token) {
      let parsed: { rv?: unknown; start?: unknown } = {};
      try {
        parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
      } catch {
        // malformed: refused below
      }
      const snapshot = typeof parsed.rv === "number" ? this.#snapshots.get(parsed.rv) : undefined;
      if (snapshot === undefined || typeof parsed.start !== "number") {
        const message =
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.";
        res.writeHead(410).end(status(410, "Expired", message));
        return;
      }
      listRv = parsed.rv as number;
      start = parsed.start;
      items = snapshot;
    } else {
      items = [...this.#nodes.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    }
    const end = limit > 0 ? Math.min(items.length, start + limit) : items.length;
    const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
    if (end < items.length) {
      if (!this.#snapshots.has(listRv)) {
        this.#snapshots.set(listRv, items);
        // Keep a few lists in flight, as etcd keeps a few revisions.
        if (this.#snapshots.size > 8) this.#snapshots.delete(this.#snapshots.keys().next().value!);
      }
      metadata.continue = Buffer.from(JSON.stringify({ rv: listRv, start: end })).toString("base64url");
      metadata.remainingItemCount = items.length - end;
    }
    res.writeHead(200).end(JSON.stringify({ kind: "NodeList", apiVersion: "v1", metadata, items: items.slice(start, end) }));
  }

  #watch(q: URLSearchParams, res: ServerResponse): void {
    this.counts.watch++;
    const from = q.get("resourceVersion");
    const rv = from === null || from === "" || from === "0" ? undefined : Number(from);
    const tooOld = rv !== undefined && (!Number.isInteger(rv) || rv < this.#oldestRv);
    if (tooOld && this.goneStyle === "http") {
      res.writeHead(410).end(status(410, "Expired", `too old resource version: ${from} (${this.#oldestRv})`));
      return;
    }
    res.writeHead(200, { "Transfer-Encoding": "chunked" });
    res.flushHeaders();
    const w: Watcher = { res, timers: [] };
    if (tooOld) {
      this.#write(w, { type: "ERROR", object: JSON.parse(status(410, "Expired", `too old resource version: ${from} (${this.#oldestRv})`)) });
      res.end();
      return;
    }
    if (rv === undefined) for (const object of this.#nodes.values()) this.#write(w, { type: "ADDED", object });
    else for (const e of this.#history) if (e.rv > rv) this.#write(w, { type: e.type, object: e.object });
    this.#watchers.add(w);
    res.on("close", () => this.#end(w));
    const seconds = Number(q.get("timeoutSeconds") ?? "1800");
    w.timers.push(setTimeout(() => this.#end(w), seconds * 1000));
    if (q.get("allowWatchBookmarks") === "true") {
      const bookmark = () => {
        this.counts.bookmarks++;
        this.#write(w, { type: "BOOKMARK", object: { kind: "Node", apiVersion: "v1", metadata: { resourceVersion: String(this.#rv) } } });
        w.timers.push(setTimeout(bookmark, this.#options.bookmarkMs));
      };
      w.timers.push(setTimeout(bookmark, this.#options.bookmarkMs));
    }
  }
}

/**
 * Node `i` of a synthetic cluster, padded (with image entries, as real
 * Nodes carry) to about `bytes` of JSON: pod CIDR 10.x.y.0/24 and
 * InternalIP 172.20.x.y, unique up to 65,000 Nodes.
 */
export function syntheticNode(i: number, bytes = 4096): NodeObject {
  const name = `node-${i}`;
  const ip = `172.20.${(i + 2) >> 8}.${(i + 2) & 255}`;
  const cidr = `10.${i >> 8}.${i & 255}.0/24`;
  const condition = (type: string, reason: string) => ({
    type,
    status: type === "Ready" ? "True" : "False",
    reason,
    message: `kubelet reports ${reason}`,
    lastHeartbeatTime: "2026-12-07T06:00:00Z",
    lastTransitionTime: "2026-12-01T00:00:00Z",
  });
  const node: NodeObject = {
    kind: "Node",
    apiVersion: "v1",
    metadata: {
      name,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      creationTimestamp: "2026-12-01T00:00:00Z",
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "topology.kubernetes.io/zone": `zone-${i % 3}`,
      },
      annotations: {
        "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    },
    spec: { podCIDR: cidr, podCIDRs: [cidr], providerID: `kind://docker/cluster/${name}` },
    status: {
      addresses: [
        { type: "InternalIP", address: ip },
        { type: "Hostname", address: name },
      ],
      capacity: { cpu: "8", "ephemeral-storage": "102687672Ki", memory: "32827856Ki", pods: "110" },
      allocatable: { cpu: "8", "ephemeral-storage": "102687672Ki", memory: "32827856Ki", pods: "110" },
      conditions: [
        condition("MemoryPressure", "KubeletHasSufficientMemory"),
        condition("DiskPressure", "KubeletHasNoDiskPressure"),
        condition("PIDPressure", "KubeletHasSufficientPID"),
        condition("Ready", "KubeletReady"),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: "amd64",
        bootID: `boot-${i}`,
        containerRuntimeVersion: "containerd://1.7.18",
        kernelVersion: "6.1.0-28-amd64",
        kubeProxyVersion: "v1.31.0",
        kubeletVersion: "v1.31.0",
        machineID: `machine-${i}`,
        operatingSystem: "linux",
        osImage: "Debian GNU/Linux 12 (bookworm)",
        systemUUID: `uuid-${i}`,
      },
      images: [] as unknown[],
    },
  };
  const images = (node.status as { images: unknown[] }).images;
  for (let n = 0; JSON.stringify(node).length < bytes; n++) {
    images.push({ names: [`registry.k8s.io/image-${n}@sha256:${"0".repeat(64)}`, `registry.k8s.io/image-${n}:v1.31.0`], sizeBytes: 1e7 + n });
  }
  return node;
}

/** The command-line server: files in `dir`, commands on stdin. */
async function main(dir: string, host: string): Promise<void> {
  const server = new FakeApiServer({
    cert: readFileSync(join(dir, "cert.pem")),
    key: readFileSync(join(dir, "key.pem")),
    token: readFileSync(join(dir, "token"), "utf8").trim(),
    onRequest: (line) => {
      appendFileSync(join(dir, "requests.log"), `${line}\n`);
      reload(); // a test may have rewritten nodes.json
    },
  });
  let text = "";
  const reload = () => {
    const now = readFileSync(join(dir, "nodes.json"), "utf8");
    if (now === text) return;
    try {
      server.setNodes((JSON.parse(now) as { items: NodeObject[] }).items);
      text = now;
    } catch {
      // caught mid-write: the next request or `reload` reads it whole
    }
  };
  reload();
  const port = await server.listen(host);
  process.stdout.write(`${port}\n`);
  createInterface({ input: process.stdin }).on("line", (line) => {
    const [command, arg] = line.trim().split(/\s+/);
    if (command === "reload") reload();
    else if (command === "mode") server.mode = arg as FakeApiMode;
    else if (command === "compact") server.compact();
    else if (command === "gone") server.sendGone();
    else if (command === "end-watches") server.endWatches();
    else if (command === "gone-style") server.goneStyle = arg as "event" | "http";
    process.stdout.write("done\n");
  });
  process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [dir, host = "127.0.0.1"] = process.argv.slice(2);
  if (!dir) throw new Error("usage: fake-apiserver.ts DIR [HOST]");
  await main(dir, host);
}
