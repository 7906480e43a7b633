/**
 * The opt-in debug log: one JSON line per plugin invocation appended to the
 * file the node's administrator chose: `CNI_TS_DEBUG_LOG`, or, when
 * `CNI_TS_DEBUG_LOG_DIR` allows configs to log, the file a network config
 * names with `debugLog` (a bare file name) in that directory. At level
 * `debug` the line also carries the steps plugins reported through
 * {@link logStep}, the config and the output.
 *
 * Rules: never on stdout; a log that cannot be written never fails the
 * operation (one note on stderr at most); the file is bounded (rotated to
 * `<file>.1`); only files the log created itself, in a directory only we
 * can change, are written or rotated (`log-file.ts`); each line is one
 * `write(2)`, so concurrent invocations never interleave within a line.
 *
 * When logging is off this costs two environment lookups; the module
 * imports only `node:fs`.
 *
 * @module
 */
import { writeSync } from "node:fs";
import { debugLogConfProblems, isDebugLogFileName, isDebugLogLevel, isDebugLogMaxBytes } from "./conf-rules.ts";
import { UnsafeLogPathError, appendLogLine, checkLogDirectory } from "./log-file.ts";

/** Environment variable naming the log file, an absolute path (wins over the config key). */
const DEBUG_LOG_ENV = "CNI_TS_DEBUG_LOG";
/** Environment variable naming the directory in which configs' `debugLog` files are created; unset = configs cannot log. */
const DEBUG_LOG_DIR_ENV = "CNI_TS_DEBUG_LOG_DIR";
/** Environment variable for the level: `info` (default) or `debug`. */
const DEBUG_LOG_LEVEL_ENV = "CNI_TS_DEBUG_LOG_LEVEL";
/** Environment variable for the rotation size in bytes (0 = never rotate). */
const DEBUG_LOG_MAX_BYTES_ENV = "CNI_TS_DEBUG_LOG_MAX_BYTES";
/** Config key naming the log file (a file name in {@link DEBUG_LOG_DIR_ENV}). */
const DEBUG_LOG_KEY = "debugLog";
/** Config key for the level. */
const DEBUG_LOG_LEVEL_KEY = "debugLogLevel";
/** Config key for the rotation size in bytes. */
const DEBUG_LOG_MAX_BYTES_KEY = "debugLogMaxBytes";
/** Rotation size when none is configured: 5 MiB. */
export const DEFAULT_DEBUG_LOG_MAX_BYTES = 5 * 1024 * 1024;
/** A line longer than this drops its debug details (steps, config, output). */
const MAX_LINE_BYTES = 256 * 1024;

/** How much a line carries. */
type DebugLogLevel = "info" | "debug";

/** Where and how to log, resolved from the environment and the config. */
export interface DebugLogSettings {
  path: string;
  level: DebugLogLevel;
  /** Rotate when the file would grow past this; 0 = never. */
  maxBytes: number;
}

/** One step a plugin reported at debug level, when it was done. */
interface DebugStep {
  /** Milliseconds from the invocation's start to the step's end. */
  ms: number;
  /** Milliseconds the step took: since the previous step ended (the first: since the start). */
  durationMs: number;
  name: string;
  detail?: unknown;
}

/** The JSON object written as one line. */
interface InvocationRecord {
  /** Start of the invocation, ISO 8601 UTC. */
  time: string;
  plugin: string;
  verb: string;
  /** The config's `name`, when stdin was read and named one. */
  network: string | undefined;
  cniVersion: string | undefined;
  containerId: string;
  ifName: string;
  netns: string;
  pid: number;
  /** From the skeleton's start to the end of the invocation. */
  durationMs: number;
  /** Since the process started (includes runtime start-up). */
  processMs: number;
  outcome: "ok" | "error";
  /** The CNI error code printed, null on success. */
  code: number | null;
  msg?: string;
  steps?: DebugStep[];
  config?: unknown;
  output?: unknown;
  truncated?: true;
}

type Env = Record<string, string | undefined>;

/**
 * Resolve the settings. The environment wins over the config, key by key;
 * the config's file name counts only inside the directory the environment
 * allows, and its keys only when all of them follow their rules
 * (`conf-rules.ts`; the skeleton refuses a config that breaks one, but DEL
 * proceeds with the config's log off).
 *
 * @param env the process environment
 * @param raw the parsed stdin config, if any
 * @returns the settings, or undefined when logging is off
 * @example debugLogSettings({ CNI_TS_DEBUG_LOG: "/var/log/cni-ts.log" }, undefined)
 *   // { path: "/var/log/cni-ts.log", level: "info", maxBytes: 5242880 }
 * @example debugLogSettings({ CNI_TS_DEBUG_LOG_DIR: "/var/log/cni-ts" }, { debugLog: "pods.log" })
 *   // { path: "/var/log/cni-ts/pods.log", level: "info", maxBytes: 5242880 }
 */
export function debugLogSettings(env: Env, raw: Record<string, unknown> | undefined): DebugLogSettings | undefined {
  const conf = raw && debugLogConfProblems(raw).length === 0 ? raw : undefined;
  const path = env[DEBUG_LOG_ENV] || configLogPath(env[DEBUG_LOG_DIR_ENV], conf?.[DEBUG_LOG_KEY]);
  if (!path) return undefined;
  const confLevel = conf?.[DEBUG_LOG_LEVEL_KEY];
  const levelText = env[DEBUG_LOG_LEVEL_ENV] || (isDebugLogLevel(confLevel) ? confLevel : undefined);
  const level: DebugLogLevel = levelText === "debug" ? "debug" : "info";
  const envMax = env[DEBUG_LOG_MAX_BYTES_ENV];
  const confMax = conf?.[DEBUG_LOG_MAX_BYTES_KEY];
  let maxBytes = DEFAULT_DEBUG_LOG_MAX_BYTES;
  if (envMax !== undefined && /^\d+$/.test(envMax)) maxBytes = Number(envMax);
  else if (isDebugLogMaxBytes(confMax)) maxBytes = confMax;
  return { path, level, maxBytes };
}

function configLogPath(dir: string | undefined, name: unknown): string | undefined {
  if (!dir || !isDebugLogFileName(name)) return undefined;
  return `${dir.endsWith("/") ? dir.slice(0, -1) : dir}/${name}`;
}

/**
 * Check where a log line would go: an absolute path without NUL in a directory only we can change.
 *
 * @throws {UnsafeLogPathError} naming the reason
 */
function checkLogPath(path: string): void {
  if (!path.startsWith("/") || path.includes("\0")) {
    throw new UnsafeLogPathError(`${JSON.stringify(path)} is not an absolute path without NUL bytes`);
  }
  checkLogDirectory(path.slice(0, path.lastIndexOf("/")) || "/");
}

/**
 * The line for a record: compact JSON plus newline, with the debug details
 * dropped when it would exceed {@link MAX_LINE_BYTES}.
 *
 * @example formatRecord(record).endsWith("\n") // true
 */
function formatRecord(record: InvocationRecord): Buffer {
  const line = Buffer.from(`${safeStringify(record)}\n`, "utf8");
  if (line.length <= MAX_LINE_BYTES) return line;
  const { steps: _s, config: _c, output: _o, ...rest } = record;
  return Buffer.from(`${safeStringify({ ...rest, truncated: true })}\n`, "utf8");
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
  } catch {
    return JSON.stringify({ unserializable: true });
  }
}

/** Steps of the running invocation; undefined unless logging at debug level. */
let steps: DebugStep[] | undefined;
let stepsOrigin = 0;

/**
 * Record that a step of the running invocation is done (debug level
 * only): call it right after the step, so its duration is the time since
 * the step before it. A no-op costing one comparison when the log is off
 * or at `info`.
 *
 * @param name short step name, e.g. `ensureBridge`
 * @param detail anything JSON-serialisable worth seeing later
 * @example logStep("setupVeth", { host: "veth1234", mtu: 1500 });
 */
export function logStep(name: string, detail?: unknown): void {
  if (steps === undefined) return;
  const ms = elapsed(stepsOrigin);
  const previous = steps.length > 0 ? steps[steps.length - 1]!.ms : 0;
  const step: DebugStep = { ms, durationMs: Math.round((ms - previous) * 1000) / 1000, name };
  if (detail !== undefined) step.detail = detail;
  steps.push(step);
}

/** Whether {@link logStep} records anything right now (to skip building costly details). */
export function debugStepsEnabled(): boolean {
  return steps !== undefined;
}

/**
 * Monotonic milliseconds. `process.hrtime` rather than the `performance`
 * global, whose first touch loads perf_hooks (CPU at every start).
 */
function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function elapsed(since: number): number {
  return Math.round((nowMs() - since) * 1000) / 1000;
}

/** The skeleton's handle on one invocation's log line. */
export interface InvocationLog {
  /** Sees the stdin bytes (arms the log from the config's keys); returns them unchanged. */
  stdin(bytes: Buffer): Buffer;
  /** Sees what was printed on stdout (the result or the error document). */
  stdout(text: string): void;
  /** Writes the line (if logging is on). Never throws. */
  finish(status: number): void;
}

/** What the writer does when the log cannot be written (tests replace it). */
export type LogFailureReporter = (message: string) => void;

const reportToStderr: LogFailureReporter = (message) => {
  try {
    writeSync(2, `cni-ts: debug log: ${message}\n`);
  } catch {
    // stderr closed too
  }
};

/**
 * Start the log of one invocation. Call first thing in the process's
 * plugin path; everything it does is skipped when logging is off.
 *
 * @param plugin the plugin's name
 * @param env the process environment (`CNI_COMMAND`, `CNI_CONTAINERID`, … and the log variables)
 * @param onFailure called with a message when the line cannot be written
 * @example const log = startInvocationLog("bridge", process.env); … log.finish(status);
 */
export function startInvocationLog(plugin: string, env: Env, onFailure: LogFailureReporter = reportToStderr): InvocationLog {
  const started = nowMs();
  const startedAt = Date.now();
  const verb = env.CNI_COMMAND ?? "";
  let settings = verb === "" ? undefined : debugLogSettings(env, undefined);
  let stdinBytes: Buffer | undefined;
  /** The config, when stdin had to be parsed to arm the log (reused for the line). */
  let stdinConf: Record<string, unknown> | undefined;
  let stdoutText: string | undefined;
  const arm = () => {
    if (settings?.level === "debug") {
      steps = [];
      stepsOrigin = started;
    }
  };
  arm();
  return {
    stdin(bytes) {
      stdinBytes = bytes;
      if (settings === undefined && verb !== "" && env[DEBUG_LOG_DIR_ENV] && bytes.includes(DEBUG_LOG_KEY)) {
        stdinConf = parseObject(bytes.toString("utf8"));
        settings = debugLogSettings(env, stdinConf);
        arm();
      }
      return bytes;
    },
    stdout(text) {
      stdoutText = text;
    },
    finish(status) {
      if (settings === undefined) return;
      const s = settings;
      try {
        const conf = stdinConf ?? parseObject(stdinBytes?.toString("utf8"));
        const record = buildRecord(plugin, env, s.level, startedAt, started, status, conf, stdoutText);
        checkLogPath(s.path);
        appendLogLine(s.path, formatRecord(record), s.maxBytes);
      } catch (err) {
        onFailure(`cannot write ${s.path}: ${(err as Error)?.message ?? String(err)}`);
      } finally {
        steps = undefined;
      }
    },
  };
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function buildRecord(
  plugin: string,
  env: Env,
  level: DebugLogLevel,
  startedAt: number,
  started: number,
  status: number,
  conf: Record<string, unknown> | undefined,
  stdoutText: string | undefined,
): InvocationRecord {
  const output = parseObject(stdoutText);
  const failed = status !== 0;
  const record: InvocationRecord = {
    time: new Date(startedAt).toISOString(),
    plugin,
    verb: env.CNI_COMMAND ?? "",
    network: typeof conf?.name === "string" ? conf.name : undefined,
    cniVersion: typeof conf?.cniVersion === "string" ? conf.cniVersion : undefined,
    containerId: env.CNI_CONTAINERID ?? "",
    ifName: env.CNI_IFNAME ?? "",
    netns: env.CNI_NETNS ?? "",
    pid: process.pid,
    durationMs: elapsed(started),
    // process.uptime() counts from the process's own start (the runtime's exec).
    processMs: Math.round(process.uptime() * 1e6) / 1e3,
    outcome: failed ? "error" : "ok",
    code: failed ? (typeof output?.code === "number" ? output.code : null) : null,
  };
  if (failed && typeof output?.msg === "string") record.msg = output.msg;
  if (level === "debug") {
    record.steps = steps ?? [];
    if (conf !== undefined) record.config = conf;
    if (output !== undefined) record.output = output;
  }
  return record;
}
