/**
 * What the node agent tells the outside: named readiness conditions that
 * any component sets (the agent is ready when all it has declared hold),
 * counters and gauges in Prometheus' text format, one JSON log line per
 * event, and the small HTTP endpoint serving `/healthz`, `/readyz` and
 * `/metrics` on a local port for the DaemonSet's probes.
 *
 * @module
 */
import { createServer, type Server } from "node:http";
import { getHeapSpaceStatistics } from "node:v8";
import { InvalidConfigError } from "../errors.ts";

/** Extra fields of a log line; `event` names what happened. */
type LogFields = { event: string; level?: "info" | "warn" | "error" } & Record<string, string | number | boolean | undefined>;

/** One line of the agent's log: a human message, and its fields when it is a structured event. */
export type Log = (msg: string, fields?: LogFields) => void;

/**
 * A log writing one JSON object per line (the container's log).
 *
 * @example jsonLog()("route 10.244.1.0/24 via 172.18.0.3 added", { event: "route-added", dst: "10.244.1.0/24" })
 */
export function jsonLog(write: (line: string) => void = (line) => process.stdout.write(line)): Log {
  return (msg, fields) => {
    const { event = "message", level = "info", ...rest } = fields ?? { event: "message" };
    write(`${JSON.stringify({ time: new Date().toISOString(), level, event, msg, ...rest })}\n`);
  };
}

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

/** Named conditions; ready when every declared one holds. */
export class Readiness {
  readonly #conditions = new Map<string, { ok: boolean; detail: string }>();

  /**
   * Set (and declare, on first use) a condition.
   *
   * @throws {Error} for a name that is not lower-case letters, digits, `-` or `_`
   * @example readiness.set("routes", false, "2 routes refused")
   */
  set(name: string, ok: boolean, detail = ""): void {
    if (!NAME.test(name)) throw new Error(`readiness condition ${JSON.stringify(name)} is not a plain name`);
    this.#conditions.set(name, { ok, detail });
  }

  /** Whether every declared condition holds (false while none is declared). */
  get ready(): boolean {
    return this.#conditions.size > 0 && [...this.#conditions.values()].every((c) => c.ok);
  }

  /** The conditions in name order. */
  conditions(): { name: string; ok: boolean; detail: string }[] {
    return [...this.#conditions].map(([name, c]) => ({ name, ...c })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}

interface Metric {
  type: "counter" | "gauge";
  help: string;
  value: () => number;
}

/** Counters and gauges, named without the `cni_ts_agent_` prefix they are served with. */
export class Metrics {
  readonly #metrics = new Map<string, Metric>();

  /** A counter (`..._total`), created on first use. */
  counter(name: string, help: string): { inc: (n?: number) => void } {
    let value = 0;
    this.#add(name, { type: "counter", help, value: () => value });
    return { inc: (n = 1) => void (value += n) };
  }

  /** A gauge set by the caller, or computed at each scrape when `read` is given. */
  gauge(name: string, help: string, read?: () => number): { set: (v: number) => void } {
    let value = 0;
    this.#add(name, { type: "gauge", help, value: read ?? (() => value) });
    return { set: (v) => void (value = v) };
  }

  #add(name: string, metric: Metric): void {
    if (!/^[a-z][a-z0-9_]*$/.test(name) || this.#metrics.has(name)) throw new Error(`metric ${name} is malformed or taken`);
    this.#metrics.set(name, metric);
  }

  /** The Prometheus text exposition, with readiness as one gauge per condition. */
  text(readiness: Readiness): string {
    const lines: string[] = [];
    for (const [name, m] of this.#metrics) {
      const full = `cni_ts_agent_${name}`;
      lines.push(`# HELP ${full} ${m.help}`, `# TYPE ${full} ${m.type}`, `${full} ${m.value()}`);
    }
    lines.push("# HELP cni_ts_agent_condition Whether a readiness condition holds (1) or not (0).", "# TYPE cni_ts_agent_condition gauge");
    for (const c of readiness.conditions()) lines.push(`cni_ts_agent_condition{name="${c.name}"} ${c.ok ? 1 : 0}`);
    return `${[...lines, ...memoryLines()].join("\n")}\n`;
  }
}

/**
 * The process's memory under the names Prometheus' own clients use
 * (`process_*`, and prom-client's `nodejs_*`), so existing dashboards read it.
 */
function memoryLines(): string[] {
  const usage = process.memoryUsage();
  const gauge = (name: string, help: string, samples: [string, number][]) => [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} gauge`,
    ...samples.map(([labels, value]) => `${name}${labels} ${value}`),
  ];
  const spaces = getHeapSpaceStatistics().map((s) => ({ ...s, label: `{space="${s.space_name.replace(/_space$/, "")}"}` }));
  return [
    ...gauge("process_resident_memory_bytes", "Resident memory size in bytes.", [["", usage.rss]]),
    ...gauge("nodejs_heap_size_total_bytes", "V8 heap size in bytes.", [["", usage.heapTotal]]),
    ...gauge("nodejs_heap_size_used_bytes", "V8 heap in use, in bytes.", [["", usage.heapUsed]]),
    ...gauge("nodejs_external_memory_bytes", "Memory of C++ objects bound to JavaScript objects (Buffers), in bytes.", [["", usage.external]]),
    ...gauge(
      "nodejs_heap_space_size_total_bytes",
      "Size of each V8 heap space, in bytes.",
      spaces.map((s) => [s.label, s.space_size]),
    ),
    ...gauge(
      "nodejs_heap_space_size_used_bytes",
      "Bytes in use in each V8 heap space.",
      spaces.map((s) => [s.label, s.space_used_size]),
    ),
  ];
}

/** Where the health endpoint listens. */
export interface HealthAddress {
  host: string;
  port: number;
}

/**
 * Parse `--health-address`: `HOST:PORT` with an IP literal (`[::1]:9802`), or `off`.
 *
 * @throws {InvalidConfigError} for anything else
 * @example parseHealthAddress("127.0.0.1:9802") // { host: "127.0.0.1", port: 9802 }
 */
export function parseHealthAddress(text: string): HealthAddress | undefined {
  if (text === "off") return undefined;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(text);
  if (!match || Number(match[3]) > 65535) throw new InvalidConfigError(`health address ${JSON.stringify(text)} is not IP:PORT (or off)`);
  return { host: (match[1] ?? match[2])!, port: Number(match[3]) };
}

/**
 * Serve `/healthz` (alive), `/readyz` (200 only when ready; the body lists
 * the conditions) and `/metrics`. Only GETs of those three paths; small
 * timeouts so a stuck client holds nothing.
 *
 * @returns the server, listening, and the port it got
 * @throws {Error} when the address cannot be bound
 */
export async function serveHealth(address: HealthAddress, readiness: Readiness, metrics: Metrics): Promise<{ server: Server; port: number }> {
  const server = createServer({ requestTimeout: 5000, headersTimeout: 5000, maxHeaderSize: 8192 }, (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end("method not allowed\n");
    } else if (path === "/healthz") {
      res.writeHead(200).end("ok\n");
    } else if (path === "/readyz") {
      const body = readiness.conditions().map((c) => `${c.ok ? "ok" : "not ok"} ${c.name}${c.detail ? `: ${c.detail}` : ""}`);
      res.writeHead(readiness.ready ? 200 : 503).end(`${body.join("\n")}\n`);
    } else if (path === "/metrics") {
      res.setHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      res.writeHead(200).end(metrics.text(readiness));
    } else {
      res.writeHead(404).end("not found\n");
    }
  });
  server.maxConnections = 16;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address();
  return { server, port: typeof bound === "object" && bound !== null ? bound.port : address.port };
}
