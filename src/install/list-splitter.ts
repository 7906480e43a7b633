/**
 * A Kubernetes list answer (`{"kind": …, "metadata": {…}, "items": […]}`)
 * read as it arrives: each element of the top-level `items` array is parsed
 * on its own, the rest of the object at the end. A page of Nodes is then
 * never one string of hundreds of KB (which V8 keeps in its large-object
 * space until a full collection) nor one object graph that outlives the
 * download of the next page: each Node's few KB die young. Pure.
 *
 * @module
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** A list answer that is not JSON, or an element larger than allowed. */
export class ListSyntaxError extends Error {
  override name = "ListSyntaxError";
}

/**
 * Feed it the answer's text in chunks; `onItem` gets each element of
 * `items` (parsed) as soon as it is complete, `end()` returns the answer
 * with `items` left empty. An answer whose `items` it does not recognise
 * (say, a key written with an escape) is kept whole and parsed by `end()`:
 * slower, never wrong.
 *
 * @example
 * const list = new ListSplitter((node) => seen.push(node), 4 << 20);
 * list.write('{"metadata":{"resourceVersion":"7"},"items":[{"a":1},');
 * list.write('{"a":2}]}');
 * list.end(); // { metadata: { resourceVersion: "7" }, items: [] }, seen: [{ a: 1 }, { a: 2 }]
 */
export class ListSplitter {
  readonly #onItem: (item: unknown) => void;
  readonly #maxItem: number;
  #depth = 0;
  #object = false;
  #inString = false;
  #escape = false;
  /** The text of the string being read at the top level, while it could still be `items`. */
  #key = "";
  #lastKey = "";
  #state: "before" | "items" | "after" = "before";
  #rest: string[] = [];
  #item: string[] = [];
  #itemSize = 0;
  #commas = 0;

  constructor(onItem: (item: unknown) => void, maxItem: number) {
    this.#onItem = onItem;
    this.#maxItem = maxItem;
  }

  /**
   * The next chunk of the answer.
   *
   * @throws {ListSyntaxError} for an element that is not JSON or larger than `maxItem`
   * @throws whatever `onItem` throws
   */
  write(chunk: string): void {
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.#inString) {
        if (this.#escape) this.#escape = false;
        else if (c === QUOTE) {
          this.#inString = false;
          if (this.#depth === 1) this.#lastKey = this.#key;
        } else if (c === BACKSLASH) {
          this.#escape = true;
          this.#key = "\\"; // an escaped key is not recognised (see above)
        } else if (this.#depth === 1 && this.#key.length < 8) this.#key += chunk[i];
        continue;
      }
      if (c === QUOTE) {
        this.#inString = true;
        this.#key = "";
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (this.#depth++ === 0) this.#object = c === OPEN_OBJECT;
        if (this.#depth === 2 && c === OPEN_ARRAY && this.#object && this.#lastKey === "items" && this.#state === "before") {
          this.#rest.push(chunk.slice(from, i + 1));
          from = i + 1;
          this.#state = "items";
        }
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (this.#depth-- === 2 && this.#state === "items") {
          this.#append(chunk.slice(from, i));
          this.#emit(true);
          from = i;
          this.#state = "after";
        }
      } else if (c === COMMA && this.#depth === 2 && this.#state === "items") {
        this.#append(chunk.slice(from, i));
        this.#emit(false);
        from = i + 1;
      }
    }
    if (this.#state === "items") this.#append(chunk.slice(from));
    else this.#rest.push(chunk.slice(from));
  }

  /**
   * The answer without its items, once all of it was written.
   *
   * @throws {ListSyntaxError} when the answer is cut short, is not JSON or has two `items`
   * @throws whatever `onItem` throws
   */
  end(): unknown {
    if (this.#depth !== 0 || this.#inString || this.#state === "items") throw new ListSyntaxError("the answer ends inside a value");
    let answer: unknown;
    try {
      answer = JSON.parse(this.#rest.join(""));
    } catch (err) {
      throw new ListSyntaxError(`the answer is not JSON: ${(err as Error).message}`);
    }
    this.#rest = [];
    const items = (answer as { items?: unknown } | null)?.items;
    if (Array.isArray(items) && items.length > 0) {
      // JSON.parse keeps the last of two `items`; which one the splitter read is not worth guessing.
      if (this.#state === "after") throw new ListSyntaxError("the answer has two items arrays");
      for (const item of items.splice(0)) this.#onItem(item);
    }
    return answer;
  }

  #append(text: string): void {
    this.#itemSize += text.length;
    if (this.#itemSize > this.#maxItem) throw new ListSyntaxError(`an item is larger than ${this.#maxItem >> 20} MiB`);
    this.#item.push(text);
  }

  /** Parse and hand over the element read so far; `last`: the array closed (`[]` and `[x]` hold no comma). */
  #emit(last: boolean): void {
    const text = this.#item.join("");
    this.#item = [];
    this.#itemSize = 0;
    if (last && this.#commas === 0 && text.trim() === "") return;
    if (!last) this.#commas++;
    let item: unknown;
    try {
      item = JSON.parse(text);
    } catch (err) {
      throw new ListSyntaxError(`an item is not JSON: ${(err as Error).message}`);
    }
    this.#onItem(item);
  }
}
