import { expect, test } from "vitest";
import { orphansReapedIn } from "./orphans.ts";

const named = (command: string | undefined) => () => command;

test("orphans are left only where their adopter reaps them", () => {
  // The system's own PID namespace: its init reaps, whatever its name.
  expect(orphansReapedIn("pid:[4026531836]", named("process_api"))).toBe(true);
  expect(orphansReapedIn("pid:[4026531836]", named(undefined))).toBe(true);
  // A container whose PID 1 is an init.
  for (const init of ["systemd", "tini", "docker-init", "dumb-init", "catatonit"]) expect(orphansReapedIn("pid:[4026532813]", named(init))).toBe(true);
  // A container whose PID 1 is the program that runs the plugin, or unknown.
  expect(orphansReapedIn("pid:[4026532813]", named("multus-daemon"))).toBe(false);
  expect(orphansReapedIn("pid:[4026532813]", named("sh"))).toBe(false);
  expect(orphansReapedIn("pid:[4026532813]", named(undefined))).toBe(false);
});

test("PID 1's name is read only outside the initial PID namespace", () => {
  let reads = 0;
  const counting = () => {
    reads++;
    return "tini";
  };
  orphansReapedIn("pid:[4026531836]", counting);
  expect(reads).toBe(0);
  orphansReapedIn("pid:[4026532813]", counting);
  expect(reads).toBe(1);
});
