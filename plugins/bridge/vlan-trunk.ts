import { InvalidConfigError } from "../../src/errors.ts";

/** A single `id`, or a `minID`..`maxID` range. */
export interface VlanTrunkEntry {
  id?: number | null | undefined;
  minID?: number | null | undefined;
  maxID?: number | null | undefined;
}

const validVid = (v: number) => Number.isInteger(v) && v >= 1 && v <= 4094;

/**
 * @returns sorted unique VIDs; undefined for an absent or null trunk, `[]` for `[]`
 * @throws {InvalidConfigError} with the reference's messages
 */
export function collectVlanTrunk(trunk: readonly (VlanTrunkEntry | null)[] | null | undefined): number[] | undefined {
  if (trunk == null) return undefined;
  const vids = new Set<number>();
  for (const entry of trunk) {
    if (!entry) continue;
    const hasMin = entry.minID != null;
    const hasMax = entry.maxID != null;
    if (hasMin && hasMax) {
      const min = entry.minID!;
      const max = entry.maxID!;
      if (!validVid(min)) throw new InvalidConfigError("incorrect trunk minID parameter");
      if (!validVid(max)) throw new InvalidConfigError("incorrect trunk maxID parameter");
      if (max < min) throw new InvalidConfigError("minID is greater than maxID in trunk parameter");
      for (let v = min; v <= max; v++) vids.add(v);
    } else if (hasMax) {
      throw new InvalidConfigError("minID and maxID should be configured simultaneously, minID is missing");
    } else if (hasMin) {
      throw new InvalidConfigError("minID and maxID should be configured simultaneously, maxID is missing");
    }
    if (entry.id != null) {
      if (!validVid(entry.id)) throw new InvalidConfigError("incorrect trunk id parameter");
      vids.add(entry.id);
    }
  }
  return [...vids].sort((a, b) => a - b);
}
