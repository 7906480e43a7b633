/**
 * The Kubernetes API as the node agent reads it: GETs answering JSON and
 * watch streams of JSON lines, over Node's own `https` with the pod's
 * service account. In-cluster settings as every client uses them
 * (`KUBERNETES_SERVICE_HOST`/`_PORT`, or `--api-server` to reach the
 * control plane before the Service network works), the token and CA from
 * /var/run/secrets/kubernetes.io/serviceaccount (`CNI_TS_SERVICE_ACCOUNT_DIR`
 * overrides the directory, for tests). The token is read per request:
 * projected tokens are rotated.
 *
 * Node's environment does not reach this client: an explicit Agent (no
 * ambient proxy), only the service account's CA, verification always on,
 * so the token is only ever sent to a server that proved a certificate
 * from that CA.
 *
 * @module
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { Agent, request } from "node:https";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { InvalidConfigError, IoFailureError } from "../errors.ts";
import { ListSplitter, ListSyntaxError } from "./list-splitter.ts";

/** Where the kubelet mounts the service account's token, CA and namespace. */
const DEFAULT_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** How to reach the API server. */
export interface ApiEndpoint {
  host: string;
  port: number;
  /** Directory holding `token` and `ca.crt`. */
  serviceAccountDir: string;
  /** Give up on a request after this long without a byte. */
  timeoutMs: number;
}

/** An API answer other than 2xx, with its HTTP status (410: the resourceVersion is too old). */
export class ApiStatusError extends IoFailureError {
  override name = "ApiStatusError";
  readonly status: number;
  constructor(status: number, msg: string, details?: string) {
    super(msg, details);
    this.status = status;
  }
}

/** A host name or IP literal as it may appear in a URL (brackets stripped). */
const HOST = /^[A-Za-z0-9.:-]{1,253}$/;

function port(text: string, what: string): number {
  if (!/^[1-9][0-9]{0,4}$/.test(text) || Number(text) > 65535) throw new InvalidConfigError(`${what} ${JSON.stringify(text)} is not a port`);
  return Number(text);
}

/**
 * Parse `--api-server`: `https://HOST[:PORT]` (or `HOST:PORT`), nothing else.
 *
 * @throws {InvalidConfigError} for another scheme, a path, credentials or a malformed host
 * @example parseApiServer("https://172.18.0.2:6443") // { host: "172.18.0.2", port: 6443 }
 */
export function parseApiServer(text: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw new InvalidConfigError(`API server ${JSON.stringify(text)} is not https://HOST[:PORT]`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (
    url.protocol !== "https:" ||
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    (url.pathname !== "/" && url.pathname !== "") ||
    !HOST.test(host)
  ) {
    throw new InvalidConfigError(`API server ${JSON.stringify(text)} is not https://HOST[:PORT]`);
  }
  return { host, port: url.port === "" ? 443 : port(url.port, "API server port") };
}

/**
 * The in-cluster endpoint from the environment, or `apiServer` when given.
 *
 * @throws {InvalidConfigError} when not running in a pod (or the variables are malformed)
 */
export function inClusterEndpoint(env: Readonly<Record<string, string | undefined>>, apiServer?: { host: string; port: number }): ApiEndpoint {
  const serviceAccountDir = env.CNI_TS_SERVICE_ACCOUNT_DIR || DEFAULT_SERVICE_ACCOUNT_DIR;
  if (apiServer !== undefined) return { ...apiServer, serviceAccountDir, timeoutMs: 15_000 };
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host || !HOST.test(host)) {
    throw new InvalidConfigError(
      "KUBERNETES_SERVICE_HOST is not set: reading the pod CIDR from the API works only in a pod (or pass --pod-cidr or --api-server)",
    );
  }
  return { host, port: port(env.KUBERNETES_SERVICE_PORT ?? "443", "KUBERNETES_SERVICE_PORT"), serviceAccountDir, timeoutMs: 15_000 };
}

/** One Agent per CA content: keep-alive connections, and a rotated CA takes effect on the next request. */
let cached: { ca: Buffer; agent: Agent } | undefined;

function agentFor(ca: Buffer): Agent {
  if (cached?.ca.equals(ca)) return cached.agent;
  cached?.agent.destroy();
  // Explicit options beat Node's environment: NODE_TLS_REJECT_UNAUTHORIZED cannot turn verification off,
  // an explicit `ca` replaces the bundled and NODE_EXTRA_CA_CERTS roots, and an Agent without `proxyEnv`
  // never reads HTTPS_PROXY (NODE_USE_ENV_PROXY only configures the global agent).
  const agent = new Agent({ ca, rejectUnauthorized: true, keepAlive: true, maxSockets: 4 });
  cached = { ca, agent };
  return agent;
}

/** Close the kept-alive connections (at exit: nothing may hold the event loop open). */
export function closeApiConnections(): void {
  cached?.agent.destroy();
  cached = undefined;
}

/**
 * Read one small service-account file. The kubelet mounts them as symlinks
 * into `..data/`, so links are followed; a FIFO or device never blocks us.
 */
function accountFile(dir: string, name: string): Buffer {
  const fd = openSync(join(dir, name), constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size === 0 || stat.size > 1 << 20) throw new Error(`${name} is not a regular file of at most 1 MiB`);
    const data = Buffer.alloc(stat.size);
    return data.subarray(0, readSync(fd, data, 0, data.length, 0));
  } finally {
    closeSync(fd);
  }
}

/** What a request needs besides its path. */
export interface RequestOptions {
  /** Aborts the request (SIGTERM). */
  signal?: AbortSignal | undefined;
  /** Idle timeout, overriding the endpoint's (a watch waits longer between lines). */
  timeoutMs?: number | undefined;
}

/** Open a GET and hand over the response once its status is known (non-2xx answers become ApiStatusError). */
function open(endpoint: ApiEndpoint, path: string, options: RequestOptions): Promise<{ res: IncomingMessage; url: string; done: () => void }> {
  let token: string;
  let agent: Agent;
  try {
    token = accountFile(endpoint.serviceAccountDir, "token").toString("utf8").trim();
    agent = agentFor(accountFile(endpoint.serviceAccountDir, "ca.crt"));
  } catch (err) {
    return Promise.reject(new IoFailureError(`cannot read the service account in ${endpoint.serviceAccountDir}`, (err as Error).message));
  }
  if (!/^[\x21-\x7e]+$/.test(token)) return Promise.reject(new IoFailureError("the service account token holds characters a header cannot carry"));
  const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
  const url = `https://${host}:${endpoint.port}${path}`;
  const timeoutMs = options.timeoutMs ?? endpoint.timeoutMs;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        agent,
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json", "User-Agent": "cni-ts-install" },
        timeout: timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) {
          resolve({ res, url, done: () => req.destroy() });
          return;
        }
        readBounded(res, 64 << 10)
          .then((body) => reject(new ApiStatusError(res.statusCode ?? 0, `GET ${url}: HTTP ${res.statusCode}`, apiMessage(body))))
          .catch(() => reject(new ApiStatusError(res.statusCode ?? 0, `GET ${url}: HTTP ${res.statusCode}`)));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err) => reject(new IoFailureError(`GET ${url}: ${err.message}`)));
    req.end();
  });
}

/**
 * The whole body as text, failing past `limit` bytes. Decoded chunk by
 * chunk into strings: they live on V8's heap, which a collection compacts,
 * where one large Buffer per page would be left to malloc to fragment.
 */
function readBounded(res: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: string[] = [];
    let size = 0;
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      size += chunk.length;
      if (size > limit) res.destroy(new Error(`answer larger than ${limit >> 20} MiB`));
      else parts.push(chunk);
    });
    res.on("end", () => resolve(parts.join("")));
    res.on("error", reject);
    res.on("close", () => {
      if (!res.complete) reject(new Error("the answer ended early"));
    });
  });
}

/** A Node is a few KiB (up to ~1.5 MiB in etcd); a page of 500 stays well below this. */
const MAX_ANSWER = 64 << 20;

/**
 * GET `path` and parse the JSON answer (at most 64 MiB).
 *
 * @throws {ApiStatusError} on a non-2xx answer
 * @throws {IoFailureError} on a connection, TLS, size or JSON failure (the message names which)
 */
async function getJson(endpoint: ApiEndpoint, path: string, options: RequestOptions = {}): Promise<unknown> {
  const { res, url } = await open(endpoint, path, options);
  let body: string;
  try {
    body = await readBounded(res, MAX_ANSWER);
  } catch (err) {
    throw new IoFailureError(`GET ${url}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new IoFailureError(`GET ${url}: the answer is not JSON`, (err as Error).message);
  }
}

/** One watch event line holds one object: bounded like one Node. */
const MAX_LINE = 4 << 20;

/**
 * GET a Kubernetes list and call `onItem` with each element of its `items`
 * as it arrives (./list-splitter.ts), so that a page is never held whole.
 * An element is bounded like a watch event, the answer like any other.
 *
 * @returns the answer with `items` empty (its `metadata` holds the resourceVersion and continue token)
 * @throws {ApiStatusError} on a non-2xx answer
 * @throws {IoFailureError} on a connection, TLS, size or JSON failure
 * @throws whatever `onItem` throws (the request is then abandoned)
 */
export async function getList(endpoint: ApiEndpoint, path: string, options: RequestOptions, onItem: (item: unknown) => void): Promise<unknown> {
  const { res, url, done } = await open(endpoint, path, options);
  return new Promise<unknown>((resolve, reject) => {
    const list = new ListSplitter(onItem, MAX_LINE);
    let size = 0;
    let ended = false;
    const stop = (err: unknown) => {
      ended = true;
      done();
      if (err instanceof ListSyntaxError) reject(new IoFailureError(`GET ${url}: ${err.message}`));
      else reject(err instanceof Error ? err : new Error(String(err)));
    };
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      if (ended) return;
      size += chunk.length;
      try {
        if (size > MAX_ANSWER) throw new IoFailureError(`GET ${url}: answer larger than ${MAX_ANSWER >> 20} MiB`);
        list.write(chunk);
      } catch (err) {
        stop(err);
      }
    });
    res.on("end", () => {
      if (ended) return;
      try {
        resolve(list.end());
      } catch (err) {
        stop(err);
      }
    });
    res.on("error", (err) => reject(new IoFailureError(`GET ${url}: ${err.message}`)));
    res.on("close", () => {
      if (!res.complete) reject(new IoFailureError(`GET ${url}: the answer ended early`));
    });
  });
}

/**
 * GET a watch stream and call `onEvent` with each JSON line, until the
 * server ends it (resolves) or it fails, is aborted, or `onEvent` throws
 * (rejects with that error).
 *
 * @throws {ApiStatusError} on a non-2xx answer
 * @throws {IoFailureError} on a connection, TLS, line-size or JSON failure
 */
export async function watchJsonLines(
  endpoint: ApiEndpoint,
  path: string,
  options: RequestOptions & { onOpen?: () => void },
  onEvent: (event: unknown) => void,
): Promise<void> {
  const { res, url, done } = await open(endpoint, path, options);
  options.onOpen?.();
  await new Promise<void>((resolve, reject) => {
    let pending: Buffer[] = [];
    let pendingSize = 0;
    let ended = false;
    const stop = (err: unknown) => {
      ended = true;
      done();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const fail = (message: string) => stop(new IoFailureError(`GET ${url}: ${message}`));
    res.on("data", (chunk: Buffer) => {
      if (ended) return;
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        const line = Buffer.concat([...pending, chunk.subarray(start, nl)]);
        pending = [];
        pendingSize = 0;
        start = nl + 1;
        if (line.length === 0) continue;
        let event: unknown;
        try {
          event = JSON.parse(line.toString("utf8"));
        } catch {
          fail("a watch event is not JSON");
          return;
        }
        try {
          onEvent(event);
        } catch (err) {
          // The caller ends the stream by throwing (an ERROR event, a limit).
          stop(err);
          return;
        }
      }
      pendingSize += chunk.length - start;
      if (pendingSize > MAX_LINE) fail(`a watch event is larger than ${MAX_LINE >> 20} MiB`);
      else if (start < chunk.length) pending.push(chunk.subarray(start));
    });
    res.on("end", () => resolve());
    res.on("error", (err) => reject(new IoFailureError(`GET ${url}: ${err.message}`)));
    res.on("close", () => {
      if (!res.complete) reject(new IoFailureError(`GET ${url}: the stream broke off`));
    });
  });
}

/** The `message` of a Kubernetes Status answer, else the start of the body. */
function apiMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    if (typeof status.message === "string") return status.message.slice(0, 500);
  } catch {
    // not a Status object
  }
  return body.slice(0, 200);
}

/** GET this Node. */
export function getNode(endpoint: ApiEndpoint, name: string, options: RequestOptions = {}): Promise<unknown> {
  return getJson(endpoint, `/api/v1/nodes/${encodeURIComponent(name)}`, options);
}
