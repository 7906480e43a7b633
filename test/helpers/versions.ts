/** Every CNI spec version, oldest first, and which verbs each allows. */
export const ALL_SPEC_VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;

export function specHasCheck(version: string): boolean {
  return !["0.1.0", "0.2.0", "0.3.0", "0.3.1"].includes(version);
}
