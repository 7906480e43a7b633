/**
 * Two reads from the Kubernetes API with the pod's service account, over
 * Node's own `https` (no client library needed for GETs): this Node, and
 * the NodeList. In-cluster settings as every client uses them:
 * `KUBERNETES_SERVICE_HOST`/`_PORT`, and the token and CA the kubelet
 * mounts at /var/run/secrets/kubernetes.io/serviceaccount
 * (`CNI_TS_SERVICE_ACCOUNT_DIR` overrides the directory, for tests). The
 * token is read on every request: projected tokens are rotated.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { InvalidConfigError, IoFailureError } from "../errors.ts";

/** Where the kubelet mounts the service account's token, CA and namespace. */
const DEFAULT_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** How to reach the API server. */
export interface ApiEndpoint {
  host: string;
  port: number;
  /** Directory holding `token` and `ca.crt`. */
  serviceAccountDir: string;
  /** Give up on a request after this long. */
  timeoutMs: number;
}

/**
 * The in-cluster endpoint from the environment.
 *
 * @throws {InvalidConfigError} when not running in a pod (or the variables are malformed)
 */
export function inClusterEndpoint(env: Readonly<Record<string, string | undefined>>): ApiEndpoint {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host || !/^[A-Za-z0-9.:-]+$/.test(host)) {
    throw new InvalidConfigError("KUBERNETES_SERVICE_HOST is not set: reading the pod CIDR from the API works only in a pod (or pass --pod-cidr)");
  }
  if (!/^[1-9][0-9]{0,4}$/.test(port) || Number(port) > 65535) throw new InvalidConfigError(`KUBERNETES_SERVICE_PORT ${JSON.stringify(port)} is not a port`);
  return {
    host,
    port: Number(port),
    serviceAccountDir: env.CNI_TS_SERVICE_ACCOUNT_DIR || DEFAULT_SERVICE_ACCOUNT_DIR,
    timeoutMs: 15_000,
  };
}

/**
 * GET `path` and parse the JSON answer.
 *
 * @throws {IoFailureError} on a connection, TLS, HTTP or JSON failure (the message names which)
 */
function getJson(endpoint: ApiEndpoint, path: string): Promise<unknown> {
  let token: string;
  let ca: Buffer;
  try {
    token = readFileSync(join(endpoint.serviceAccountDir, "token"), "utf8").trim();
    ca = readFileSync(join(endpoint.serviceAccountDir, "ca.crt"));
  } catch (err) {
    return Promise.reject(new IoFailureError(`cannot read the service account in ${endpoint.serviceAccountDir}`, (err as Error).message));
  }
  const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
  const url = `https://${host}:${endpoint.port}${path}`;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        ca,
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json", "User-Agent": "cni-ts-install" },
        timeout: endpoint.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          // A NodeList of 5000 nodes is a few tens of MiB; more is not an answer to us.
          if (size > 256 << 20) req.destroy(new Error("answer larger than 256 MiB"));
          else chunks.push(chunk);
        });
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode !== 200) {
            reject(new IoFailureError(`GET ${url}: HTTP ${res.statusCode}`, apiMessage(body)));
            return;
          }
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(new IoFailureError(`GET ${url}: the answer is not JSON`, (err as Error).message));
          }
        });
        res.on("error", (err) => reject(new IoFailureError(`GET ${url}: ${err.message}`)));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${endpoint.timeoutMs} ms`)));
    req.on("error", (err) => reject(new IoFailureError(`GET ${url}: ${err.message}`)));
    req.end();
  });
}

/** The `message` of a Kubernetes Status answer, else the start of the body. */
function apiMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    if (typeof status.message === "string") return status.message;
  } catch {
    // not a Status object
  }
  return body.slice(0, 200);
}

/** GET this Node. */
export function getNode(endpoint: ApiEndpoint, name: string): Promise<unknown> {
  return getJson(endpoint, `/api/v1/nodes/${encodeURIComponent(name)}`);
}

/** GET all Nodes. */
export function listNodes(endpoint: ApiEndpoint): Promise<unknown> {
  return getJson(endpoint, "/api/v1/nodes");
}
