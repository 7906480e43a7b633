/**
 * The cluster's Kubernetes API for the node agents: test/helpers/fake-apiserver.ts
 * (real TLS, the service account's bearer token checked) in a namespace of
 * its own choosing, serving the cluster's Node objects (pod CIDRs and
 * InternalIPs as the controller manager and kubelet would set them), with a
 * certificate for the address the agents are given and the service
 * account's token and CA in a directory the agents are pointed at.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROBE_NODE } from "../e2e/probe.ts";
import { ROOT } from "../helpers/run-plugin.ts";
import { selfSignedCert } from "../helpers/fake-api.ts";

const TOKEN = "cnits-conformance-token";

/** A Node as the API serves it. */
export interface NodeObject {
  name: string;
  podCidrs: string[];
  internalIps: string[];
}

/** A running API server. */
export interface ApiServer {
  host: string;
  port: number;
  /** The service account directory (token, ca.crt) the agents read. */
  serviceAccountDir: string;
  stop(): void;
}

function nodeList(nodes: readonly NodeObject[]): string {
  return JSON.stringify({
    kind: "NodeList",
    apiVersion: "v1",
    metadata: { resourceVersion: "1" },
    items: nodes.map((n) => ({
      metadata: { name: n.name, resourceVersion: "1" },
      spec: { podCIDR: n.podCidrs[0], podCIDRs: n.podCidrs },
      status: { addresses: [...n.internalIps.map((address) => ({ type: "InternalIP", address })), { type: "Hostname", address: n.name }] },
    })),
  });
}

/**
 * Start the API server inside the namespace at `netnsPath`, listening on
 * every address; the certificate is for `host`.
 */
export async function startApiServer(dir: string, netnsPath: string, host: string, nodes: readonly NodeObject[]): Promise<ApiServer> {
  const server = join(dir, "apiserver");
  const account = join(dir, "serviceaccount");
  mkdirSync(server, { recursive: true });
  mkdirSync(account, { recursive: true });
  selfSignedCert(join(server, "key.pem"), join(server, "cert.pem"), { ip: host });
  writeFileSync(join(server, "token"), TOKEN);
  writeFileSync(join(server, "nodes.json"), nodeList(nodes));
  copyFileSync(join(server, "cert.pem"), join(account, "ca.crt"));
  writeFileSync(join(account, "token"), `${TOKEN}\n`);
  const child: ChildProcess = spawn("nsenter", [`--net=${netnsPath}`, PROBE_NODE, join(ROOT, "test/helpers/fake-apiserver.ts"), server, "0.0.0.0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(Number(out.trim()));
    });
    child.on("exit", (code) => reject(new Error(`fake API server exited with ${code}`)));
  });
  return { host, port, serviceAccountDir: account, stop: () => child.kill("SIGKILL") };
}
