import { expect, test } from "vitest";
import { UndoList } from "./undo.ts";

test("UndoList.run() undoes newest first, tries every step even after a failure, then is empty", async () => {
  const undo = new UndoList();
  const done: string[] = [];
  undo.push("a", () => {
    done.push("a");
  });
  undo.push("b", () => {
    throw new Error("b failed");
  });
  undo.push("c", async () => {
    done.push("c");
  });
  await undo.run();
  expect(done).toEqual(["c", "a"]);
  await undo.run();
  expect(done).toEqual(["c", "a"]);
});
