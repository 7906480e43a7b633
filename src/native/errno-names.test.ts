import { constants } from "node:os";
import { expect, test } from "vitest";
import { COMMON_ERRNO_NAMES } from "./addon.ts";

test("the built-in errno names are Node's names for those numbers", () => {
  // Node's table maps names to numbers; where several names share a number,
  // the last one listed is the name errnoName() has always returned.
  const byNumber = new Map<number, string>();
  for (const [name, value] of Object.entries(constants.errno)) byNumber.set(value, name);
  for (const [errno, name] of Object.entries(COMMON_ERRNO_NAMES)) expect([errno, byNumber.get(Number(errno))]).toEqual([errno, name]);
});
