/**
 * Keys no config may carry: `__proto__`, `constructor` and `prototype`, at
 * any depth. Pure, and free of zod (the skeleton runs it on every verb).
 *
 * `JSON.parse` keeps such a key as an ordinary own property, but any later
 * copy (`out[key] = value`, a schema library's catch-all, a spread into a
 * record) turns `__proto__` into the copy's prototype, and every key the
 * config leaves out is then read through the attacker's object. Rather than
 * trusting every copy in every module to be careful, the decoder refuses
 * the document (code 7, naming the key's path): no CNI key, no runtime
 * capability and no result field has one of these names, so a config
 * carrying one is either hostile or broken. `cni-ts validate` reports the
 * same keys as errors.
 *
 * @module
 */

/** The refused key names. */
export const UNSAFE_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/** A node of the walk: its value and how it was reached (paths are built only for findings). */
interface Visit {
  node: unknown;
  key: string | number | undefined;
  parent: Visit | undefined;
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let v: Visit | undefined = visit; v?.key !== undefined; v = v.parent) path.push(v.key);
  return path.reverse();
}

/**
 * Every path (list of keys and array indexes) in `value` whose last key is
 * unsafe: depth first, an object's own unsafe keys before those inside its
 * values. Iterative and linear in the document's size, so a deeply nested
 * document can neither overflow the stack nor take quadratic time.
 *
 * @example findUnsafeKeys(JSON.parse('{"ipam":{"__proto__":{}}}')) // [["ipam", "__proto__"]]
 */
export function findUnsafeKeys(value: unknown): (string | number)[][] {
  const found: (string | number)[][] = [];
  const stack: Visit[] = [{ node: value, key: undefined, parent: undefined }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { node } = visit;
    if (node === null || typeof node !== "object") continue;
    const children: Visit[] = [];
    if (Array.isArray(node)) {
      node.forEach((child, i) => children.push({ node: child, key: i, parent: visit }));
    } else {
      for (const key of Object.keys(node)) {
        const child: Visit = { node: (node as Record<string, unknown>)[key], key, parent: visit };
        if (UNSAFE_KEYS.includes(key)) found.push(pathOf(child));
        else children.push(child);
      }
    }
    // Reversed onto the stack so siblings are walked in the order written.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return found;
}

/**
 * A path as `ipam.ranges[0][1].__proto__` (`config` for the root).
 *
 * @example formatKeyPath(["ipam", "ranges", 0, "constructor"]) // "ipam.ranges[0].constructor"
 */
export function formatKeyPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out === "" ? seg : `.${seg}`;
  return out === "" ? "config" : out;
}
