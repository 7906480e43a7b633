/**
 * The cni-ts node agent (`cni-ts install --watch`) running in a simulated
 * node's network namespace, as the DaemonSet's container runs on a node:
 * its log kept, its readiness read from it (each condition's latest
 * `NAME: ok` or `NAME: NOT READY` line).
 */
import { spawn, type ChildProcess } from "node:child_process";

/** The conditions the agent must report ok before the node counts as ready. */
const AGENT_CONDITIONS = ["masquerade", "sysctls"] as const;

export class NodeAgent {
  readonly #child: ChildProcess;
  #output = "";
  readonly #exited: Promise<number | null>;

  constructor(netnsPath: string, argv: string[], env: Record<string, string>) {
    // An absolute nsenter: the environment's PATH is the image's, which has no nsenter.
    this.#child = spawn("/usr/bin/nsenter", [`--net=${netnsPath}`, ...argv], { env, stdio: ["ignore", "pipe", "pipe"] });
    for (const stream of [this.#child.stdout!, this.#child.stderr!]) stream.on("data", (chunk: Buffer) => (this.#output += chunk.toString()));
    this.#exited = new Promise((resolve) => this.#child.on("exit", (code) => resolve(code)));
  }

  /** Whether the process is still there. */
  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Everything it logged. */
  get output(): string {
    return this.#output;
  }

  /** Each condition's latest state as logged: true (ok), false (NOT READY), undefined (not yet). */
  condition(name: string): boolean | undefined {
    let state: boolean | undefined;
    for (const m of this.#output.matchAll(new RegExp(`\\b${name}: (ok|NOT READY)\\b`, "g"))) state = m[1] === "ok";
    return state;
  }

  /** Every condition the agent reports is ok. */
  ready(): boolean {
    return AGENT_CONDITIONS.every((name) => this.condition(name) === true);
  }

  /**
   * Wait until the agent is ready and `needed` holds (what the node cannot
   * go on without, e.g. its routes). An agent that never says it is ready
   * only costs the wait: the conformance check reports it.
   *
   * @throws Error with the agent's log when it exits, or `needed` does not hold within `timeoutMs`
   */
  async waitReady(needed: () => boolean, timeoutMs = 20_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    let exited = false;
    void this.#exited.then(() => (exited = true));
    while (!(this.ready() && needed())) {
      if (exited) throw new Error(`the agent exited; its log:\n${this.#output}`);
      if (Date.now() > until) {
        if (needed()) return;
        throw new Error(`the agent did not set the node up; its log:\n${this.#output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGTERM, as the kubelet stops a container; resolves with its exit code. */
  async stop(): Promise<number | null> {
    if (this.running) this.#child.kill("SIGTERM");
    return this.#exited;
  }
}
