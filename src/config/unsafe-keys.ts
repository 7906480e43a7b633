/**
 * Keys no config may carry, at any depth. `JSON.parse` keeps `__proto__` as an own property, but
 * a later copy makes it the copy's prototype, through which every absent key is then read. No CNI
 * key has these names, so the decoder refuses the document rather than trust every copy. Free of zod.
 */

export const UNSAFE_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/** Paths are built only for findings. */
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
 * Every path whose last key is unsafe. Iterative and linear, so a deeply nested document can
 * neither overflow the stack nor take quadratic time.
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

/** `ipam.ranges[0][1].__proto__`, or `config` for the root. */
export function formatKeyPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out === "" ? seg : `.${seg}`;
  return out === "" ? "config" : out;
}
