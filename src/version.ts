/**
 * Version constants: the cni-ts release (injected by the build) and the CNI
 * spec versions every plugin accepts.
 *
 * @module
 */

declare const __CNI_TS_VERSION__: string | undefined;

/** The cni-ts release, from the build's `__CNI_TS_VERSION__` define; `0.0.0-dev` when run from source. */
export const CNI_TS_VERSION: string = typeof __CNI_TS_VERSION__ === "string" ? __CNI_TS_VERSION__ : "0.0.0-dev";

/** Every CNI spec version a cni-ts plugin accepts, oldest first. */
export const SUPPORTED_VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;

/** One of {@link SUPPORTED_VERSIONS}. */
export type SpecVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The newest spec version: what VERSION reports and what errors carry when the config's is unknown. */
export const CURRENT_SPEC_VERSION: SpecVersion = "1.1.0";

/**
 * Whether `v` is exactly one of {@link SUPPORTED_VERSIONS} (string equality, as the spec requires).
 *
 * @example isSupportedVersion("0.3.1") // true
 */
export function isSupportedVersion(v: string): v is SpecVersion {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}
