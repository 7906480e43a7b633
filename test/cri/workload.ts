/**
 * What runs "in" a pod or on a node for the checks: processes of the pinned
 * Node entered into a network namespace with `nsenter --net=PATH` (a pod's
 * netns is reached through its sandbox process, `/proc/PID/ns/net`). A
 * server answers HTTP on port 8080 and UDP on port 8081 with its own name
 * and the client address it saw, so a check knows who answered and whether
 * the source was NATed.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { PROBE_NODE } from "../e2e/probe.ts";

export const HTTP_PORT = 8080;
export const UDP_PORT = 8081;

/** Who answered a request, and the client address it saw. */
export interface Answer {
  name: string;
  client: string;
  ms: number;
}

const SERVER = `
const [name, httpPort, udpPort] = process.argv.slice(1);
const reply = (client) => JSON.stringify({ name, client });
// IPv4 clients of a dual-stack listener show up as ::ffff:a.b.c.d.
const http = require("node:http").createServer((req, res) => res.end(reply(req.socket.remoteAddress.replace(/^::ffff:/, ""))));
let up = 0;
const ready = () => { if (++up === 3) console.log("ready"); };
http.listen(Number(httpPort), ready);
for (const type of ["udp4", "udp6"]) {
  const udp = require("node:dgram").createSocket({ type, ipv6Only: type === "udp6" });
  udp.on("message", (msg, from) => udp.send(reply(from.address), from.port, from.address));
  udp.bind(Number(udpPort), ready);
}
`;

const CLIENT = `
const [kind, host, port] = process.argv.slice(1);
const started = process.hrtime.bigint();
const done = (body) => {
  console.log(JSON.stringify({ ...JSON.parse(body), ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  process.exit(0);
};
const fail = (why) => { console.log(JSON.stringify({ error: String(why) })); process.exit(0); };
setTimeout(() => fail("timeout"), 3000);
if (kind === "http") {
  require("node:http").get({ host, port: Number(port), agent: false }, (res) => {
    let body = ""; res.on("data", (c) => (body += c)); res.on("end", () => done(body));
  }).on("error", fail);
} else {
  const s = require("node:dgram").createSocket(host.includes(":") ? "udp6" : "udp4");
  s.on("message", (m) => done(String(m)));
  const ask = () => s.send("hello", Number(port), host);
  ask(); setInterval(ask, 500);
}
`;

/** A running server; `stop()` kills it. */
export interface Server {
  stop(): void;
}

/**
 * Start the HTTP+UDP server inside the netns at `netnsPath`.
 *
 * @throws Error when it does not listen within 10 s.
 */
export function startServer(netnsPath: string, name: string): Promise<Server> {
  const child: ChildProcess = spawn("nsenter", [`--net=${netnsPath}`, PROBE_NODE, "-e", SERVER, name, String(HTTP_PORT), String(UDP_PORT)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server ${name} did not start`));
    }, 10_000);
    child.stdout!.once("data", () => {
      clearTimeout(timer);
      resolve({ stop: () => child.kill("SIGKILL") });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server ${name} exited (${code})`));
    });
  });
}

/**
 * One request from the netns at `netnsPath` to `host:port` over `kind`.
 *
 * @returns who answered, or an Error describing why nothing did (3 s budget).
 */
export function request(netnsPath: string, kind: "http" | "udp", host: string, port: number): Answer | Error {
  const out = spawnSync("nsenter", [`--net=${netnsPath}`, PROBE_NODE, "-e", CLIENT, kind, host, String(port)], {
    encoding: "utf8",
    timeout: 15_000,
  });
  try {
    const parsed = JSON.parse(out.stdout.trim());
    return parsed.error ? new Error(`${kind} ${host}:${port}: ${parsed.error}`) : (parsed as Answer);
  } catch {
    return new Error(`${kind} ${host}:${port}: client failed: ${out.stderr || out.error}`);
  }
}
