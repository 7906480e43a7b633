/**
 * The opt-in debug log: one JSON line per plugin invocation appended to a
 * file named by `CNI_TS_DEBUG_LOG` or the config's top-level `debugLog`.
 * At level `debug` the line also carries the steps plugins reported through
 * {@link logStep}, the config and the output.
 *
 * Rules: never on stdout; a log that cannot be written never fails the
 * operation (one note on stderr at most); the file is bounded (rotated to
 * `<file>.1`); it is opened O_APPEND|O_CREAT|O_NOFOLLOW|O_NONBLOCK, mode
 * 0600, must be a regular file, and each line is one `write(2)`, so
 * concurrent invocations never interleave within a line.
 *
 * When logging is off this costs one environment lookup and one
 * `Buffer.includes` over stdin: the module imports only `node:fs`.
 *
 * @module
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, renameSync, writeSync } from "node:fs";

/** Environment variable naming the log file (wins over the config key). */
export const DEBUG_LOG_ENV = "CNI_TS_DEBUG_LOG";
/** Environment variable for the level: `info` (default) or `debug`. */
export const DEBUG_LOG_LEVEL_ENV = "CNI_TS_DEBUG_LOG_LEVEL";
/** Environment variable for the rotation size in bytes (0 = never rotate). */
export const DEBUG_LOG_MAX_BYTES_ENV = "CNI_TS_DEBUG_LOG_MAX_BYTES";
/** Config key naming the log file. */
export const DEBUG_LOG_KEY = "debugLog";
/** Config key for the level. */
export const DEBUG_LOG_LEVEL_KEY = "debugLogLevel";
/** Config key for the rotation size in bytes. */
export const DEBUG_LOG_MAX_BYTES_KEY = "debugLogMaxBytes";
/** Rotation size when none is configured: 5 MiB. */
export const DEFAULT_DEBUG_LOG_MAX_BYTES = 5 * 1024 * 1024;
/** A line longer than this drops its debug details (steps, config, output). */
export const MAX_LINE_BYTES = 256 * 1024;

/** How much a line carries. */
export type DebugLogLevel = "info" | "debug";

/** Where and how to log, resolved from the environment and the config. */
export interface DebugLogSettings {
  path: string;
  level: DebugLogLevel;
  /** Rotate when the file would grow past this; 0 = never. */
  maxBytes: number;
}

/** One step a plugin reported at debug level. */
export interface DebugStep {
  /** Milliseconds since the invocation started. */
  ms: number;
  name: string;
  detail?: unknown;
}

/** The JSON object written as one line. */
export interface InvocationRecord {
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
 * Resolve the settings. The environment wins over the config, key by key.
 *
 * @param env the process environment
 * @param conf the parsed stdin config, if any
 * @returns the settings, or undefined when logging is off
 * @example debugLogSettings({ CNI_TS_DEBUG_LOG: "/var/log/cni-ts.log" }, undefined)
 *   // { path: "/var/log/cni-ts.log", level: "info", maxBytes: 5242880 }
 */
export function debugLogSettings(env: Env, conf: Record<string, unknown> | undefined): DebugLogSettings | undefined {
  const path = env[DEBUG_LOG_ENV] || stringKey(conf, DEBUG_LOG_KEY);
  if (!path) return undefined;
  const levelText = env[DEBUG_LOG_LEVEL_ENV] || stringKey(conf, DEBUG_LOG_LEVEL_KEY);
  const level: DebugLogLevel = levelText === "debug" ? "debug" : "info";
  const envMax = env[DEBUG_LOG_MAX_BYTES_ENV];
  const confMax = conf?.[DEBUG_LOG_MAX_BYTES_KEY];
  let maxBytes = DEFAULT_DEBUG_LOG_MAX_BYTES;
  if (envMax !== undefined && envMax !== "" && /^\d+$/.test(envMax)) maxBytes = Number(envMax);
  else if (typeof confMax === "number" && Number.isInteger(confMax) && confMax >= 0) maxBytes = confMax;
  return { path, level, maxBytes };
}

function stringKey(conf: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = conf?.[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * The line for a record: compact JSON plus newline, with the debug details
 * dropped when it would exceed {@link MAX_LINE_BYTES}.
 *
 * @example formatRecord(record).endsWith("\n") // true
 */
export function formatRecord(record: InvocationRecord): Buffer {
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

const OPEN_FLAGS =
  constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function openLog(path: string): number {
  const fd = openSync(path, OPEN_FLAGS, 0o600);
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${path} is not a regular file`);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/**
 * Append one line to the log, rotating it to `<path>.1` first when the line
 * would take it past `maxBytes`. The rename happens only while `path` still
 * names the file this process opened, so concurrent rotations lose nothing
 * but an older generation.
 *
 * @param path the log file (a symlink is refused: O_NOFOLLOW)
 * @param line one whole line, written with a single `write(2)`
 * @param maxBytes rotation size; 0 = never rotate
 * @throws the filesystem error when the log cannot be opened or written
 */
export function appendLogLine(path: string, line: Buffer, maxBytes: number): void {
  let fd = openLog(path);
  try {
    const st = fstatSync(fd);
    if (maxBytes > 0 && st.size > 0 && st.size + line.length > maxBytes) {
      const current = lstatSync(path, { throwIfNoEntry: false });
      if (current && current.ino === st.ino && current.dev === st.dev) renameSync(path, `${path}.1`);
      closeSync(fd);
      fd = -1;
      fd = openLog(path);
    }
    writeSync(fd, line);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Steps of the running invocation; undefined unless logging at debug level. */
let steps: DebugStep[] | undefined;
let stepsOrigin = 0;

/**
 * Record a step of the running invocation (debug level only). A no-op
 * costing one comparison when the log is off or at `info`.
 *
 * @param name short step name, e.g. `ensureBridge`
 * @param detail anything JSON-serialisable worth seeing later
 * @example logStep("setupVeth", { host: "veth1234", mtu: 1500 });
 */
export function logStep(name: string, detail?: unknown): void {
  if (steps === undefined) return;
  const step: DebugStep = { ms: elapsed(stepsOrigin), name };
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
export function startInvocationLog(
  plugin: string,
  env: Env,
  onFailure: LogFailureReporter = reportToStderr,
): InvocationLog {
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
      if (settings === undefined && verb !== "" && bytes.includes(DEBUG_LOG_KEY)) {
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
