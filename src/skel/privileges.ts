/**
 * What a plugin needs to run its verbs, checked before it touches anything:
 * root, and the capabilities its kernel work uses. Without them each verb
 * would fail somewhere in the middle (a lock directory, a cache, `setns`)
 * with a message about that step; one error naming what is missing tells
 * the user what to do. Pure, apart from {@link readPrivileges}.
 *
 * @module
 */
import { NotPermittedError } from "../errors.ts";
import { PROC_TABLE, readBounded } from "../read-bounded.ts";

/** The capabilities a plugin may declare, with their bit numbers (linux/capability.h). */
const CAPABILITY_BITS = { CAP_NET_ADMIN: 12, CAP_SYS_ADMIN: 21 } as const;

/** A capability name. */
export type Capability = keyof typeof CAPABILITY_BITS;

/** The process's identity as the privilege check sees it. */
export interface Privileges {
  euid: number;
  /** The effective capability set (`CapEff` of /proc/self/status). */
  capEff: bigint;
}

/**
 * The privileges of this process.
 *
 * @returns euid and effective capabilities (none when /proc is unreadable)
 */
export function readPrivileges(): Privileges {
  let capEff = 0n;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readBounded("/proc/self/status", PROC_TABLE));
    if (m) capEff = BigInt(`0x${m[1]}`);
  } catch {
    // no /proc: treated as holding no capability
  }
  return { euid: process.geteuid?.() ?? -1, capEff };
}

/**
 * Refuse to run without root and the `needed` capabilities.
 *
 * @param needed the capabilities the plugin's verbs use (may be empty: root only)
 * @param have the process's privileges
 * @throws {NotPermittedError} (103) `needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN)`, naming every needed one
 * @example requirePrivileges(["CAP_NET_ADMIN"], { euid: 0, capEff: 1n << 12n }) // passes
 */
export function requirePrivileges(needed: readonly Capability[], have: Privileges): void {
  const missing = needed.filter((cap) => (have.capEff & (1n << BigInt(CAPABILITY_BITS[cap]))) === 0n);
  if (have.euid === 0 && missing.length === 0) return;
  const what = needed.length > 0 ? `root (${needed.join(", ")})` : "root";
  const lacking = [...(have.euid === 0 ? [] : [`uid ${have.euid}`]), ...missing.map((cap) => `no ${cap}`)];
  throw new NotPermittedError(`needs ${what}`, `running with ${lacking.join(", ")}`);
}
