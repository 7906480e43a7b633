declare const __CNI_TS_VERSION__: string | undefined;

/** `0.0.0-dev` when run from source. */
export const CNI_TS_VERSION: string = typeof __CNI_TS_VERSION__ === "string" ? __CNI_TS_VERSION__ : "0.0.0-dev";

export const SUPPORTED_VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;

export type SpecVersion = (typeof SUPPORTED_VERSIONS)[number];

/** What VERSION reports and what errors carry when the config's version is unknown. */
export const CURRENT_SPEC_VERSION: SpecVersion = "1.1.0";

/** String equality, as the spec requires. */
export function isSupportedVersion(v: string): v is SpecVersion {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}
