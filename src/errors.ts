// Failures are raised as a CniError with their spec code; anything else escaping a handler is 999.

/** Error codes defined by the CNI specification (section "Error"). */
const CODE_INCOMPATIBLE_VERSION = 1;
export const CODE_INVALID_ENV = 4;
export const CODE_IO_FAILURE = 5;
const CODE_DECODING_FAILURE = 6;
export const CODE_INVALID_NETWORK_CONFIG = 7;
const CODE_TRY_AGAIN_LATER = 11;
const CODE_PLUGIN_NOT_AVAILABLE = 50;
/** The reference skeleton's code for "plugin's netns and netns from CNI_NETNS should not be the same". */
const CODE_INVALID_NETNS = 8;
/** cni-ts's own codes start at 100 (the spec reserves 100+ for plugins). */
export const CODE_KERNEL_FAILURE = 100;
export const CODE_IPAM_FAILURE = 101;
export const CODE_UNSAFE_PATH = 102;
const CODE_NOT_PERMITTED = 103;
export const CODE_INTERNAL = 999;

/** What the runtime sees as `{code, msg, details}`. */
export class CniError extends Error {
  override name = "CniError";
  readonly code: number;
  readonly details: string | undefined;

  /** @param options `cause`, kept for stderr diagnostics */
  constructor(code: number, msg: string, details?: string, options?: { cause?: unknown }) {
    super(msg, options);
    this.code = code;
    this.details = details || undefined;
  }

  get msg(): string {
    return this.message;
  }
}

/** Code 1: the config's cniVersion is not supported, or does not allow the verb. */
export class IncompatibleVersionError extends CniError {
  override name = "IncompatibleVersionError";
  constructor(msg: string, details?: string) {
    super(CODE_INCOMPATIBLE_VERSION, msg, details);
  }
}

/** Code 4: a required environment variable is missing or invalid. */
export class InvalidEnvError extends CniError {
  override name = "InvalidEnvError";
  constructor(msg: string, details?: string) {
    super(CODE_INVALID_ENV, msg, details);
  }
}

/** Code 5: reading stdin or writing stdout failed. */
export class IoFailureError extends CniError {
  override name = "IoFailureError";
  constructor(msg: string, details?: string, options?: { cause?: unknown }) {
    super(CODE_IO_FAILURE, msg, details, options);
  }
}

/** Code 6: the network config (or a result) is not valid JSON of the right shape. */
export class DecodingError extends CniError {
  override name = "DecodingError";
  constructor(msg: string, details?: string) {
    super(CODE_DECODING_FAILURE, msg, details);
  }
}

/** Code 7: the network config is well formed JSON but invalid. */
export class InvalidConfigError extends CniError {
  override name = "InvalidConfigError";
  constructor(msg: string, details?: string) {
    super(CODE_INVALID_NETWORK_CONFIG, msg, details);
  }
}

/** Code 11: a transient condition; the runtime should retry later. */
export class TryAgainLaterError extends CniError {
  override name = "TryAgainLaterError";
  constructor(msg: string, details?: string, options?: { cause?: unknown }) {
    super(CODE_TRY_AGAIN_LATER, msg, details, options);
  }
}

/** Code 50 (STATUS): the plugin cannot serve ADD requests now. */
export class PluginNotAvailableError extends CniError {
  override name = "PluginNotAvailableError";
  constructor(msg: string, details?: string) {
    super(CODE_PLUGIN_NOT_AVAILABLE, msg, details);
  }
}

/** Code 8: CNI_NETNS names the plugin's own network namespace. */
export class InvalidNetnsError extends CniError {
  override name = "InvalidNetnsError";
  constructor(msg: string, details?: string) {
    super(CODE_INVALID_NETNS, msg, details);
  }
}

/** Code 100: the kernel refused a netlink, sysctl or netfilter operation. */
export class KernelError extends CniError {
  override name = "KernelError";
  constructor(msg: string, details?: string, options?: { cause?: unknown }) {
    super(CODE_KERNEL_FAILURE, msg, details, options);
  }
}

/** Code 101: address management failed (exhausted range, duplicate allocation, store). */
export class IpamError extends CniError {
  override name = "IpamError";
  constructor(msg: string, details?: string, options?: { cause?: unknown }) {
    super(CODE_IPAM_FAILURE, msg, details, options);
  }
}

/** Code 102: a path that would leave its directory, or a directory that is not safe to use. */
export class UnsafePathError extends CniError {
  override name = "UnsafePathError";
  constructor(msg: string, details?: string) {
    super(CODE_UNSAFE_PATH, msg, details);
  }
}

/** Code 103: the plugin runs without root or a capability its verbs need. */
export class NotPermittedError extends CniError {
  override name = "NotPermittedError";
  constructor(msg: string, details?: string) {
    super(CODE_NOT_PERMITTED, msg, details);
  }
}

/**
 * A failed system call, keeping its errno so callers can tell "gone" (ENOENT,
 * ENODEV, ESRCH) from "broken".
 */
export class SyscallError extends Error {
  override name = "SyscallError";
  /** Positive. */
  readonly errno: number;
  /** Symbolic, such as `ENOENT`. */
  readonly code: string;
  readonly syscall: string;

  constructor(syscall: string, errno: number, code: string, message?: string, options?: { cause?: unknown }) {
    super(message ?? `${syscall}: ${code}`, options);
    this.syscall = syscall;
    this.errno = errno;
    this.code = code;
  }
}

/** Whether `err` is a system error with one of the given symbolic codes. */
export function hasErrno(err: unknown, ...codes: string[]): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && codes.includes(code);
}
