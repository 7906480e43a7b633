/**
 * The rules for the debug log's config keys, shared by the plugins (the
 * skeleton refuses a config breaking them, code 7, on every verb) and by
 * `cni-ts validate` (through `conf-schema.ts`), so the two never disagree.
 * Pure, no dependencies: this runs on every verb.
 *
 * A config cannot choose where root writes: `debugLog` is a file *name*,
 * and the log is only written when the node's administrator named the
 * directory that holds it (`CNI_TS_DEBUG_LOG_DIR`).
 *
 * @module
 */

/** Letters, digits, `_`, `.`, `-`; not starting with `.` or `-`; at most 128 bytes. */
export const DEBUG_LOG_FILE_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Whether `v` may be a config's `debugLog`. */
export function isDebugLogFileName(v: unknown): v is string {
  return typeof v === "string" && DEBUG_LOG_FILE_NAME_RE.test(v);
}

/** Whether `v` may be a config's `debugLogLevel`. */
export function isDebugLogLevel(v: unknown): v is "info" | "debug" {
  return v === "info" || v === "debug";
}

/** Whether `v` may be a config's `debugLogMaxBytes`. */
export function isDebugLogMaxBytes(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** What each key must be, worded to follow the value in a message. */
export const DEBUG_LOG_KEY_RULES = {
  debugLog: {
    test: isDebugLogFileName,
    message:
      'must be a file name (letters, digits, "_", ".", "-", up to 128; no "/"): it is created in the directory the node\'s administrator set in CNI_TS_DEBUG_LOG_DIR',
  },
  debugLogLevel: { test: isDebugLogLevel, message: 'must be "info" or "debug"' },
  debugLogMaxBytes: { test: isDebugLogMaxBytes, message: "must be a whole number of bytes, 0 or more" },
} as const;

/**
 * The config's debug-log keys that break their rule, as `key: value message`.
 * An absent key (undefined) is fine; any present value, null included, must follow the rule.
 *
 * @example debugLogConfProblems({ debugLog: "/etc/passwd" }) // ['debugLog: "/etc/passwd" must be a file name …']
 */
export function debugLogConfProblems(conf: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, rule] of Object.entries(DEBUG_LOG_KEY_RULES)) {
    const value = conf[key];
    if (value !== undefined && !rule.test(value)) problems.push(`${key}: ${JSON.stringify(value)} ${rule.message}`);
  }
  return problems;
}
