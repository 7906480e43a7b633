import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ListSplitter } from "./list-splitter.ts";

/** Split `text` into chunks at `cuts` and read it; returns the items seen and what end() gave. */
function read(text: string, cuts: number[] = []): { items: unknown[]; rest: unknown } {
  const items: unknown[] = [];
  const list = new ListSplitter((item) => items.push(item), 1 << 20);
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    list.write(text.slice(from, cut));
    from = cut;
  }
  list.write(text.slice(from));
  return { items, rest: list.end() };
}

describe("ListSplitter", () => {
  it("hands over each item and returns the rest with items empty", () => {
    const text = '{"kind":"NodeList","metadata":{"resourceVersion":"7","continue":"a,b]"},"items":[{"a":"x,}]"},{"b":[1,2]} , null ]}';
    expect(read(text)).toEqual({
      items: [{ a: "x,}]" }, { b: [1, 2] }, null],
      rest: { kind: "NodeList", metadata: { resourceVersion: "7", continue: "a,b]" }, items: [] },
    });
  });

  it("reads the same whatever the chunks", () => {
    const answer = {
      metadata: { resourceVersion: "42" },
      items: [{ name: 'quote " and \\ back', list: [[], {}] }, { name: "ünïcødé" }, 3, "items", []],
      after: { items: [9] },
    };
    const text = JSON.stringify(answer, null, 1);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 12 }), (cuts) => {
        expect(read(text, cuts)).toEqual({ items: answer.items, rest: { ...answer, items: [] } });
      }),
    );
  });

  it("reads an empty list and an answer without items", () => {
    expect(read('{"items":[ ]}')).toEqual({ items: [], rest: { items: [] } });
    expect(read('{"kind":"Status","code":410}')).toEqual({ items: [], rest: { kind: "Status", code: 410 } });
  });

  it("still gets the items when their key is written with an escape, or nested elsewhere", () => {
    expect(read('{"\\u0069tems":[{"a":1}]}')).toEqual({ items: [{ a: 1 }], rest: { items: [] } });
    expect(read('{"metadata":{"items":[1]},"items":[2]}')).toEqual({ items: [2], rest: { metadata: { items: [1] }, items: [] } });
    expect(read('["items",[1]]')).toEqual({ items: [], rest: ["items", [1]] });
  });

  it("refuses what is not a list of JSON values", () => {
    expect(() => read('{"items":[{"a":1},]}')).toThrow(/not JSON/);
    expect(() => read('{"items":[,{"a":1}]}')).toThrow(/not JSON/);
    expect(() => read('{"items":[{"a":1}')).toThrow(/ends inside/);
    expect(() => read('{"items":[1],"x":}')).toThrow(/not JSON/);
    expect(() => read('{"items":[1],"items":[2]}')).toThrow(/two items/);
    const list = new ListSplitter(() => {}, 10);
    expect(() => list.write('{"items":[{"a":"0123456789"}]}')).toThrow(/larger than/);
  });

  it("lets a throwing callback stop the read", () => {
    const list = new ListSplitter(() => {
      throw new Error("too many");
    }, 1 << 20);
    expect(() => list.write('{"items":[1,')).toThrow("too many");
  });
});
