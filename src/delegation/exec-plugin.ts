/**
 * Exec'ing a delegated plugin the way libcni does: same stdin bytes, same
 * environment with `CNI_COMMAND` set to the verb, stdout captured. The
 * child runs through the native runProcess, so it dies with the plugin when
 * the runtime kills us on a timeout.
 *
 * @module
 */
import { CniError, hasErrno, IpamError } from "../errors.ts";
import { runProcess, type ProcessResult } from "../native/run-process.ts";
import { sleepSync } from "../sleep-sync.ts";

/** What the delegated plugin printed and how it exited. */
export interface ExecOutcome {
  status: number;
  stdout: string;
  stderr: string;
}

/** How many times "text file busy" is retried (a plugin binary being replaced). */
const ETXTBSY_ATTEMPTS = 5;
const ETXTBSY_DELAY_MS = 50;

/**
 * Run `path` with `stdin` and `env` (must be called from the host namespace).
 *
 * @param path the plugin executable
 * @param verb the CNI verb, written to `CNI_COMMAND`
 * @param stdin the exact config bytes
 * @param env the environment to pass (the plugin's own)
 * @returns exit status and output
 * @throws {IpamError} when the plugin cannot be started at all
 */
export function execPlugin(path: string, verb: string, stdin: Buffer, env: Record<string, string | undefined>): ExecOutcome {
  const childEnv = { ...env, CNI_COMMAND: verb };
  let out: ProcessResult;
  for (let attempt = 1; ; attempt++) {
    try {
      // A plugin that exits without reading all of stdin is fine: runProcess
      // stops feeding it, and its status and output tell what happened.
      out = runProcess(path, [], { env: childEnv, input: stdin });
      break;
    } catch (err) {
      if (hasErrno(err, "ETXTBSY") && attempt < ETXTBSY_ATTEMPTS) {
        sleepSync(ETXTBSY_DELAY_MS * attempt);
        continue;
      }
      throw new IpamError(`failed to exec plugin ${path}: ${(err as Error).message}`, undefined, { cause: err });
    }
  }
  if (out.status === null) {
    throw new IpamError(`plugin ${path} was killed by signal ${out.signal ?? "?"}`, out.stderr.trim());
  }
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

/**
 * The error a failed delegated plugin reported: its own `{code, msg, details}`
 * when stdout holds an error document, otherwise a generic IPAM failure.
 *
 * @param outcome the exec outcome with a non-zero status
 */
export function errorFromOutcome(path: string, outcome: ExecOutcome): CniError {
  try {
    const doc = JSON.parse(outcome.stdout) as { code?: unknown; msg?: unknown; details?: unknown };
    if (typeof doc.code === "number" && typeof doc.msg === "string") {
      return new CniError(doc.code, doc.msg, typeof doc.details === "string" ? doc.details : undefined);
    }
  } catch {
    // not JSON: fall through
  }
  const text = (outcome.stderr.trim() || outcome.stdout.trim()).split("\n").slice(-1)[0] ?? "";
  return new IpamError(`plugin ${path} failed with status ${outcome.status}${text ? `: ${text}` : ""}`);
}
