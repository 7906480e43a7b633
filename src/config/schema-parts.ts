/**
 * Schema pieces the config schemas share, and {@link builtOnFirstUse},
 * which every config schema is made with.
 *
 * A zod schema is an immutable value, so one instance can sit under any
 * number of keys. Building one, though, costs: the first construction of
 * each zod class runs cold, and the bridge's and host-local's schemas
 * together took ~2.2 ms of every start (BENCHMARKS.md, "Ninth pass"). A
 * plugin only needs them when a config fails its compiled accept path
 * (./accept-paths.generated.ts), so none is built at load, and zod itself
 * is reached through `zod()` (./zod.ts) inside the builders, so that a
 * plugin's executable can load it on that first use too.
 *
 * @module
 */
import { zod } from "./zod.ts";
import { falseWhenNullish } from "./schema-functions.ts";

/**
 * `build`, run once, on the first call of the function returned.
 *
 * @example export const fooSchema = builtOnFirstUse(() => { const z = zod(); return z.object({ foo: z.string() }); });
 */
export function builtOnFirstUse<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/** The shared pieces, built together on first use. */
export const schemaParts = builtOnFirstUse(() => {
  const z = zod();
  const text = z.string();
  const textList = z.array(text);
  const integer = z.number().check(z.int());
  return {
    /** Any string. */
    text,
    /** A string, absent or null. */
    nullishText: z.nullish(text),
    /** A string, or absent. */
    optionalText: z.optional(text),
    /** A list of strings, absent or null. */
    nullishTextList: z.nullish(textList),
    /** A list of strings, or absent. */
    optionalTextList: z.optional(textList),
    /** An integer, absent or null. */
    nullishInteger: z.nullish(integer),
    /** A Go-style boolean: absent or null means false. */
    goBool: z.pipe(z.nullish(z.boolean()), z.transform(falseWhenNullish)),
  };
});

/**
 * An integer in [min, max], absent or null: kernel fields are fixed-width,
 * and a value outside would wrap silently.
 */
export function nullishIntegerIn(min: number, max: number) {
  const z = zod();
  return z.nullish(z.number().check(z.int(), z.minimum(min), z.maximum(max)));
}
