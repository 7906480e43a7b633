import { expect, test } from "vitest";
import { orphansReapedIn } from "./orphans.ts";

test("orphans are left only where their adopter reaps them", () => {
  // The system's own PID namespace: its init reaps, whatever its name.
  expect(orphansReapedIn("pid:[4026531836]", "process_api")).toBe(true);
  expect(orphansReapedIn("pid:[4026531836]", undefined)).toBe(true);
  // A container whose PID 1 is an init.
  for (const init of ["systemd", "tini", "docker-init", "dumb-init", "catatonit"]) expect(orphansReapedIn("pid:[4026532813]", init)).toBe(true);
  // A container whose PID 1 is the program that runs the plugin, or unknown.
  expect(orphansReapedIn("pid:[4026532813]", "multus-daemon")).toBe(false);
  expect(orphansReapedIn("pid:[4026532813]", "sh")).toBe(false);
  expect(orphansReapedIn("pid:[4026532813]", undefined)).toBe(false);
});
