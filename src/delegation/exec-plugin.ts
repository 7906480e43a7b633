/**
 * Exec'ing a delegated plugin as libcni does: same stdin bytes and environment. Through the native
 * runProcess, so the child dies with us when the runtime kills us on a timeout.
 */
import { CniError, hasErrno, IpamError } from "../errors.ts";
import { runProcess, type ProcessResult } from "../native/run-process.ts";
import { sleepSync } from "../sleep-sync.ts";

export interface ExecOutcome {
  status: number;
  stdout: string;
  stderr: string;
}

/** "Text file busy": a plugin binary being replaced. */
const ETXTBSY_ATTEMPTS = 5;
const ETXTBSY_DELAY_MS = 50;

/** @throws {IpamError} the plugin cannot be started, or is killed by a signal */
export function execPlugin(path: string, verb: string, stdin: Buffer, env: Record<string, string | undefined>): ExecOutcome {
  const childEnv = { ...env, CNI_COMMAND: verb };
  let out: ProcessResult;
  for (let attempt = 1; ; attempt++) {
    try {
      // A plugin that exits without reading all of stdin is fine: its status tells.
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

/** The plugin's own error document when stdout holds one, otherwise a generic IPAM failure. */
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
